"""WeCom side of the world: contact relations (who follows whom), corp tags and change events."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from typing import Any

from demo.actors import Prospect, Rep
from demo.clock import DAY, HOUR, business_time
from demo.config import ADD_WAYS, OUTCOMES, PRODUCTS, STATE_CODES

REASSIGN_SHARED, REASSIGN_ADMIN, FUTURE_ADD_WAY = 201, 202, 99
TAG_GROUPS = (
    ("客户等级", ("A类客户", "B类客户", "C类客户")),
    ("意向产品", PRODUCTS),
    ("客户状态", ("新客户", "老客户")),
)


@dataclass(slots=True)
class Relation:
    """One (external contact, salesperson) follow relation and its message intensity over time."""

    prospect: Prospect
    rep: Rep
    createtime: int
    add_way: int
    oper_userid: str
    state: str = ""
    remark_mobiles: list[str] = field(default_factory=list)
    tag_ids: list[str] = field(default_factory=list)
    ended: int | None = None
    end_kind: str = ""  # churn (del_follow_user) | transfer | deleted (del_external_contact)
    transfer_failed_to: Rep | None = None  # the takeover rep of a transfer the customer refused
    windows: list[tuple[int, int, float]] = field(default_factory=list)  # (from, to, sessions per day)


@dataclass(slots=True)
class Tag:
    tag_id: str
    name: str
    created: int
    deleted_at: int | None = None


@dataclass(slots=True)
class TagGroup:
    group_id: str
    name: str
    created: int
    order: int
    tags: list[Tag]


def random_id(rng: random.Random, prefix: str, length: int = 30) -> str:
    return prefix + "".join(rng.choices(string.ascii_letters + string.digits, k=length))


def make_tag_groups(rng: random.Random, start: int, mid: int) -> list[TagGroup]:
    """Corp tag groups; one tag is added and one deleted halfway through the year."""
    groups = []
    for order, (name, tag_names) in enumerate(TAG_GROUPS, start=1):
        created = start - rng.randint(60, 400) * DAY
        tags = [Tag(random_id(rng, "et"), tag, created) for tag in tag_names]
        groups.append(TagGroup(random_id(rng, "et"), name, created, order, tags))
    groups[1].tags.append(Tag(random_id(rng, "et"), "抖音直播套餐", mid))
    groups[0].tags[2].deleted_at = mid
    return groups


def _new_relation(rng: random.Random, prospect: Prospect, rep: Rep, ts: int, tags: list[TagGroup]) -> Relation:
    add_way = rng.choices(list(ADD_WAYS), weights=list(ADD_WAYS.values()))[0]
    if prospect.idx % 61 == 5:
        add_way = FUTURE_ADD_WAY
    customer_initiated = add_way in (1, 16, 10)
    state = STATE_CODES.get(prospect.source, "") if add_way in (1, 16) and rng.random() < 0.7 else ""
    relation = Relation(prospect, rep, ts, add_way, prospect.external_userid or "", state)
    if not customer_initiated:
        relation.oper_userid = rep.wecom_userid
    if rng.random() < 0.6:
        relation.remark_mobiles = [prospect.mobile]
    relation.tag_ids = [rng.choice(tags[0].tags[:2]).tag_id] + [rng.choice(tags[1].tags[:6]).tag_id] * (
        rng.random() < 0.5
    )
    return relation


def _reassign(relation: Relation, ts: int, new_rep: Rep, way: int, oper: str) -> Relation:
    if way == REASSIGN_ADMIN:
        relation.ended, relation.end_kind = ts, "transfer"
    moved = Relation(relation.prospect, new_rep, ts, way, oper, "", list(relation.remark_mobiles))
    moved.tag_ids = list(relation.tag_ids)
    return moved


def build_relations(
    rng: random.Random,
    prospects: list[Prospect],
    horizon: int,
    tags: list[TagGroup],
    handover: tuple[int, Rep, Rep],
) -> list[Relation]:
    """Follow relations of every WeCom prospect, incl. reassignments (201/202), churn and deletions.

    `handover` is (when, successor, admin): the leaving rep's customers are transferred in one batch.
    """
    handover_at, successor, director = handover
    relations: list[Relation] = []
    refused = 0
    for prospect in prospects:
        if prospect.external_userid is None:
            continue
        first = _new_relation(rng, prospect, prospect.owner, prospect.wecom_created, tags)
        mine = [first]
        for deal in prospect.deals:
            for (ts, new_rep), (_, old_rep) in zip(deal.owners[1:], deal.owners, strict=False):
                current = next((r for r in mine if r.rep is old_rep and r.ended is None), None)
                if current is None or current.createtime >= ts:
                    continue
                if old_rep.left_at is not None and ts >= old_rep.left_at:
                    mine.append(_reassign(current, ts, new_rep, REASSIGN_ADMIN, director.wecom_userid))
                else:
                    mine.append(_reassign(current, ts, new_rep, REASSIGN_SHARED, old_rep.wecom_userid))
        for relation in list(mine):
            if relation.rep.left_at is None or relation.ended is not None or relation.createtime >= handover_at:
                continue
            if refused < 2:
                refused, relation.transfer_failed_to = refused + 1, successor
                continue
            mine.append(_reassign(relation, handover_at, successor, REASSIGN_ADMIN, director.wecom_userid))
        for relation in mine:
            _maybe_end(rng, relation, horizon)
            _add_windows(relation, horizon)
        relations.extend(mine)
    return relations


def _maybe_end(rng: random.Random, relation: Relation, horizon: int) -> None:
    if relation.ended is not None:
        return
    prospect = relation.prospect
    outcomes = [d.transitions[-1] for d in prospect.deals]
    lost = [ts for ts, state in outcomes if state == "lost"]
    if lost and rng.random() < 0.25:
        ts, kind = lost[-1] + rng.randint(2, 30) * DAY, "churn"
    elif rng.random() < 0.05:
        ts, kind = relation.createtime + rng.randint(5, 240) * DAY, "churn"
    elif prospect.lead_status == "invalid" and not prospect.deals and rng.random() < 0.35:
        ts, kind = relation.createtime + rng.randint(10, 60) * DAY, "deleted"
    else:
        return
    if ts < horizon:
        relation.ended, relation.end_kind = business_time(rng, ts), kind


def _add_windows(relation: Relation, horizon: int) -> None:
    """Chat intensity: a burst after adding, a trickle afterwards, and deal-driven conversations."""
    lo, hi = relation.createtime, relation.ended or horizon
    windows = [(lo, lo + 3 * DAY, 0.7), (lo, hi, 0.02)]
    for deal in relation.prospect.deals:
        marks = deal.transitions + [(horizon, "end")]
        for k, (t0, state) in enumerate(deal.transitions):
            t1 = marks[k + 1][0]
            if state in OUTCOMES:
                if state == "won":
                    windows.append((t0, t0 + 20 * DAY, 0.25))
                continue
            if deal.owner_at((t0 + t1) // 2) is relation.rep:
                windows.append((t0, t1, 0.3 * deal.engagement * (0.15 if deal.stalled[k] else 1.0)))
    relation.windows = [(max(a, lo), min(b, hi), r) for a, b, r in windows if min(b, hi) > max(a, lo)]


def build_events(rng: random.Random, relations: list[Relation], horizon: int) -> list[tuple[int, dict[str, Any]]]:
    """change_external_contact callbacks (without the envelope fields), sorted by time."""
    events: list[tuple[int, dict[str, Any]]] = []

    def add(ts: int, change: str, relation: Relation, **extra: Any) -> None:
        body = {"ChangeType": change, "UserID": relation.rep.wecom_userid}
        body["ExternalUserID"] = relation.prospect.external_userid or ""
        events.append((ts, body | extra))

    for relation in relations:
        extra: dict[str, Any] = {"State": relation.state} if relation.state else {}
        if relation.add_way not in (REASSIGN_SHARED, REASSIGN_ADMIN):
            extra["WelcomeCode"] = random_id(rng, "", 24)
            if relation.add_way in (1, 16) and rng.random() < 0.04:
                add(relation.createtime - rng.randint(60, 3 * HOUR), "add_half_external_contact", relation)
        add(relation.createtime, "add_external_contact", relation, **extra)
        edited = relation.createtime + rng.randint(1, 20) * DAY
        if rng.random() < 0.12 and edited < (relation.ended or horizon):
            add(edited, "edit_external_contact", relation)
        if relation.end_kind == "churn":
            add(relation.ended or 0, "del_follow_user", relation)
        elif relation.end_kind == "transfer":
            add(relation.ended or 0, "del_external_contact", relation, Source="DELETE_BY_TRANSFER")
        elif relation.end_kind == "deleted":
            add(relation.ended or 0, "del_external_contact", relation)
        if relation.transfer_failed_to is not None:
            body = {"ChangeType": "transfer_fail", "UserID": relation.transfer_failed_to.wecom_userid}
            body["ExternalUserID"] = relation.prospect.external_userid or ""
            events.append((relation.rep.left_at or 0, body | {"FailReason": "customer_refused"}))
    events.sort(key=lambda e: (e[0], e[1]["UserID"], e[1]["ExternalUserID"], e[1]["ChangeType"]))
    return events
