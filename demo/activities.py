"""CRM follow-ups (跟进记录): on deals, on leads before they convert, and on customers."""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.actors import Deal, Prospect, Rep
from demo.clock import DAY, business_time, day_start, poisson
from demo.config import OUTCOMES

TYPE_WEIGHTS = {"call": 34, "wechat": 34, "visit": 9, "email": 9, "meeting": 5, "sms": 5, "other": 4}
TYPE_ZH = {
    "call": "打电话", "wechat": "微信", "visit": "见面拜访", "email": "发邮件",
    "sms": "发短信", "meeting": "会议", "other": "其他",
}  # fmt: skip


@dataclass(slots=True)
class Activity:
    ts: int
    owner_id: str
    kind: str
    opportunity_id: str = ""
    customer_id: str = ""
    lead_id: str = ""
    next_followup: int | None = None
    activity_id: str = ""


def _kind(rng: random.Random) -> str:
    return rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]


def _time_in(rng: random.Random, lo: int, hi: int) -> int:
    return min(max(business_time(rng, rng.randint(lo, max(lo, hi - 1))), lo), hi - 1)


def _followup(rng: random.Random, ts: int) -> int | None:
    return day_start(ts) + rng.randint(1, 10) * DAY + 10 * 3600 if rng.random() < 0.4 else None


def deal_activities(rng: random.Random, deal: Deal, horizon: int) -> list[Activity]:
    """Follow-ups per stage visit: their rate follows the deal's engagement and drops while it stalls.

    Qualification visits that led somewhere usually include a visit in person (the stage's required
    activity); the ones that did not, mostly lack it.
    """
    out: list[Activity] = []
    marks = deal.transitions + [(horizon, "end")]
    customer_id = deal.prospect.customer_id if deal.has_customer else None
    for k, (t0, state) in enumerate(deal.transitions):
        if state in OUTCOMES:
            continue
        t1 = marks[k + 1][0]
        rate = 0.16 * deal.engagement * (0.15 if deal.stalled[k] else 1.0)
        kinds = [_kind(rng) for _ in range(poisson(rng, rate * (t1 - t0) / DAY) + (1 if k == 0 else 0))]
        if state == "qualification":
            advanced = marks[k + 1][1] not in (*OUTCOMES, "end", "prospecting")
            if rng.random() < (0.85 if advanced else 0.3):
                kinds.append("visit")
        for j, kind in enumerate(kinds):
            ts = t0 if k == 0 and j == 0 else _time_in(rng, t0, t1)
            with_customer = customer_id if customer_id and rng.random() < 0.6 else ""
            owner = deal.owner_at(ts + 1).user_id
            out.append(Activity(ts, owner, kind, deal.opp_id, with_customer or "", "", _followup(rng, ts)))
    return out


def _owner(prospect: Prospect, ts: int, managers: dict[str, Rep]) -> Rep:
    rep = prospect.owner
    return rep if rep.left_at is None or ts < rep.left_at else managers[rep.team]


def prospect_activities(
    rng: random.Random, prospect: Prospect, horizon: int, managers: dict[str, Rep]
) -> list[Activity]:
    """Follow-ups on a lead (before any deal) and occasional service calls on a customer."""
    out: list[Activity] = []
    if prospect.lead_id:
        lo = prospect.lead_created
        hi = min(horizon, lo + 14 * DAY, *(d.created for d in prospect.deals))
        for _ in range(poisson(rng, 0.6 if prospect.deals else 1.2)):
            if hi > lo:
                ts = _time_in(rng, lo, hi)
                kind = rng.choice(("call", "wechat", "wechat", "sms", "email"))
                out.append(Activity(ts, _owner(prospect, ts, managers).user_id, kind, "", "", prospect.lead_id))
    if prospect.customer_id and rng.random() < 0.12:
        ts = prospect.customer_created + rng.randint(3, 60) * DAY
        if ts < horizon:
            ts = business_time(rng, ts)
            kind = rng.choice(("call", "visit", "other"))
            owner = _owner(prospect, ts, managers).user_id
            out.append(Activity(ts, owner, kind, "", prospect.customer_id, "", _followup(rng, ts)))
    return out


def number_activities(activities: list[Activity]) -> None:
    """Sort by time and give ids in that order (the CRM's auto-increment)."""
    activities.sort(key=lambda a: (a.ts, a.owner_id, a.opportunity_id, a.lead_id, a.customer_id, a.kind))
    for n, activity in enumerate(activities, start=1):
        activity.activity_id = f"GJ{n:08d}"
