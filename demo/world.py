"""Simulate one year of the demo company: reps, prospects, deals, follow-ups and WeCom relations."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from demo.activities import Activity, deal_activities, number_activities, prospect_activities
from demo.actors import Deal, Prospect, Rep
from demo.clock import DAY, HOUR, Period, business_time, midnight, monthly_periods
from demo.config import OUTCOMES
from demo.contacts import Relation, TagGroup, build_events, build_relations, make_tag_groups, random_id
from demo.deals import FORCED, change_owner, is_open_at, new_deal, simulate
from demo.people import Namer, make_prospect, make_reps, pick_owner


@dataclass
class World:
    seed: int
    scale: float
    start: int
    horizon: int  # exclusive end: midnight after end_date
    periods: list[Period]
    reps: list[Rep]
    prospects: list[Prospect]
    deals: list[Deal]
    activities: list[Activity]
    tag_groups: list[TagGroup]
    relations: list[Relation]
    events: list[tuple[int, dict[str, Any]]]
    corp_id: str

    @property
    def director(self) -> Rep:
        return self.reps[0]


def _make_prospects(
    rng: random.Random, namer: Namer, reps: list[Rep], start: int, horizon: int, scale: float
) -> tuple[list[Prospect], list[tuple[Prospect, int]]]:
    """All prospects, and (prospect, deal creation time) for those who get an opportunity."""
    n_deals = max(30, round(1500 * scale))
    n_prospects = max(n_deals + 50, round(5000 * scale))
    span = horizon - start - 5 * DAY
    deal_times = sorted(business_time(rng, start + 3 * DAY + int(span * rng.random() ** 0.85)) for _ in range(n_deals))
    with_deals = []
    for t in deal_times:
        created = min(t, business_time(rng, max(start, t - int(rng.expovariate(1 / 12) * DAY))))
        owner = rng.choice([r for r in reps if r.active(created) and r.active(t)])
        with_deals.append((make_prospect(rng, namer, 0, created, owner), t))
    prospects = [p for p, _ in with_deals]
    for _ in range(n_prospects - n_deals):
        created = business_time(rng, start + rng.randrange(horizon - start - DAY))
        prospects.append(make_prospect(rng, namer, 0, created, pick_owner(rng, reps, created)))
    prospects.sort(key=lambda p: (p.created, p.mobile))
    for idx, prospect in enumerate(prospects):
        prospect.idx = idx
    return prospects, with_deals


def _assign_scenarios(rng: random.Random, deals: list[Deal], start: int, horizon: int) -> None:
    """Force each hard case onto a few early default-pipeline deals, so even tiny demos contain them."""
    eligible = [d for d in deals if d.pipeline.key == "default" and d.created < start + (horizon - start) // 2]
    rng.shuffle(eligible)
    k = max(3, round(0.012 * len(deals)))
    for n, scenario in enumerate((*FORCED, "owner_change")):  # owner changes twice as often
        for deal in eligible[n * k : (n + 1) * k]:
            deal.scenario = scenario


def _change_owners(
    rng: random.Random, world_deals: list[Deal], reps: list[Rep], period_ends: list[int], handover: tuple[int, Rep]
) -> None:
    """Reassign some deals to a teammate soon after a month's snapshot, and the leaver's open deals."""
    handover_at, successor = handover
    for deal in world_deals:
        owner = deal.owners[0][1]
        closes = deal.transitions[-1][0] if deal.transitions[-1][1] in OUTCOMES else period_ends[-1]
        if deal.scenario == "owner_change":
            next_end = min((end for end in period_ends if end > deal.created), default=closes)
            ts = business_time(rng, next_end + rng.randint(1, 6) * DAY)
            if not deal.created < ts < closes:
                ts = (deal.created + closes) // 2
            mates = [r for r in reps if r.team == owner.team and r is not owner and r.active(ts)]
            if mates and deal.created < ts < closes:
                change_owner(rng, deal, ts, rng.choice(mates))
        if deal.owner_at(handover_at).left_at is not None and is_open_at(deal, handover_at):
            change_owner(rng, deal, handover_at, successor)
        deal.owners.sort(key=lambda owner_since: owner_since[0])


def _assign_log_policies(rng: random.Random, deals: list[Deal]) -> None:
    plain = [d for d in deals if not d.scenario and len(d.transitions) >= 2]
    k = max(3, round(0.01 * len(deals)))
    for n, deal in enumerate(rng.sample(plain, min(len(plain), 2 * k))):
        deal.log_policy = "missed_last" if n < k else "none"


def _soon_after(rng: random.Random, ts: int, max_days: int, horizon: int) -> int:
    return min(horizon - 60, max(ts, business_time(rng, ts + rng.randint(0, max_days) * DAY)))


def _link_identities(rng: random.Random, namer: Namer, prospects: list[Prospect], horizon: int) -> None:
    """Which systems know each prospect, and through which keys (WeCom id, mobile, lead_id)."""
    for p in prospects:
        deals = p.deals
        has_wecom = any(d.scenario == "owner_change" for d in deals) or rng.random() < 0.72
        has_lead = (not has_wecom and not deals) or rng.random() < 0.8
        if has_wecom:
            p.contact_type = 2 if rng.random() < 0.1 else 1
            p.external_userid = namer.external_userid("wo" if p.contact_type == 2 else "wm")
            wecom_first = not has_lead or rng.random() < 0.6
            p.wecom_created = p.created if wecom_first else _soon_after(rng, p.created, 3, horizon)
            p.lead_created = p.created if not wecom_first else _soon_after(rng, p.created, 2, horizon)
        else:
            p.lead_created = p.created
        for deal in deals:
            deal.has_customer = bool(deal.scenario) or rng.random() > 0.06
        if any(d.has_customer for d in deals):
            p.customer_created = max(p.created, business_time(rng, deals[0].created - rng.randint(0, 2) * DAY))
            p.customer_created = min(p.customer_created, deals[0].created)
        elif not deals and rng.random() < 0.03 and p.created + 30 * DAY < horizon:
            p.customer_created = p.created + rng.randint(3, 30) * DAY
        if has_lead:
            p.lead_id = "pending"
            if p.customer_created:
                p.customer_created = max(p.customer_created, p.lead_created + HOUR)
        p.lead_status = "converted" if p.customer_created else ("invalid" if rng.random() < 0.2 else "open")
        p.lead_links_wecom = has_wecom and rng.random() < 0.5
        p.customer_links_wecom = has_wecom and rng.random() < 0.4
        p.lead_has_mobile = rng.random() < 0.92
        p.customer_has_mobile = rng.random() < 0.7
    leads = sorted((p for p in prospects if p.lead_id), key=lambda p: (p.lead_created, p.idx))
    for n, p in enumerate(leads, start=1):
        p.lead_id = f"XS{n:07d}"
    customers = sorted((p for p in prospects if p.customer_created), key=lambda p: (p.customer_created, p.idx))
    for n, p in enumerate(customers, start=1):
        p.customer_id = f"KH{n:07d}"


def build_world(seed: int, scale: float, end_date: date, daily_days: int = 0) -> World:
    rng = random.Random(f"stagewise-demo/{seed}")
    start_day = end_date - timedelta(days=365)
    start, horizon = midnight(start_day), midnight(end_date + timedelta(days=1))
    namer = Namer(rng)
    reps = make_reps(rng, namer, scale, start, horizon)
    leaver = next(r for r in reps if r.left_at is not None)
    successor = next(r for r in reps if r.user_id == leaver.manager_id)
    handover_at = business_time(rng, (leaver.left_at or 0) + DAY)
    prospects, with_deals = _make_prospects(rng, namer, reps, start, horizon, scale)
    deals = []
    for n, (prospect, created) in enumerate(with_deals, start=1):
        pipeline = "renewal" if rng.random() < 0.15 else "default"
        deals.append(new_deal(rng, f"SJ{n:07d}", prospect, pipeline, created))
        prospect.deals.append(deals[-1])
    _assign_scenarios(rng, deals, start, horizon)
    for deal in deals:
        simulate(rng, deal, horizon)
    periods = monthly_periods(start_day, end_date, daily_days)
    _change_owners(rng, deals, reps, [p.end for p in periods], (handover_at, successor))
    _assign_log_policies(rng, deals)
    _link_identities(rng, namer, prospects, horizon)
    managers = {r.team: r for r in reps if r.manager_id == reps[0].user_id}
    activities = [a for d in deals for a in deal_activities(rng, d, horizon)]
    activities += [a for p in prospects for a in prospect_activities(rng, p, horizon, managers)]
    number_activities(activities)
    tag_groups = make_tag_groups(rng, start, (start + horizon) // 2)
    relations = build_relations(rng, prospects, horizon, tag_groups, (handover_at, successor, reps[0]))
    events = build_events(rng, relations, horizon)
    corp_id = random_id(rng, "ww", 16)
    return World(
        seed, scale, start, horizon, periods, reps, prospects, deals, activities, tag_groups, relations, events, corp_id
    )
