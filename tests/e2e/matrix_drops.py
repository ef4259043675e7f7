"""The drops of the end-to-end matrix: valid but unusual deliveries, each described as data.

Each `build_*` writes one extracts directory with tests/e2e/drops.py and returns a `Case`: the facts the
marts should show, derived from the same rows by tests/e2e/expected.py. Letters refer to the "Done means"
list of issue 10.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.e2e import drops
from tests.e2e.drops import DEFAULT_STAGES, Customer, Deal, User
from tests.e2e.expected import Fact, instant, logged_timeline, month_of, snapshot_timeline

SHANGHAI = "Asia/Shanghai"
SAO_PAULO = "America/Sao_Paulo"
D = datetime  # short for the many wall times below


@dataclass
class Case:
    timezone: str
    stages: tuple[str, ...]
    facts: list[Fact]
    users: list[User]
    extra: dict = field(default_factory=dict)

    def fact(self, opportunity_id: str) -> Fact:
        return next(f for f in self.facts if f.opportunity_id == opportunity_id)


def _facts(deals: list[Deal], users: list[User], timelines: dict[str, list], timezone: str, *,
           from_snapshots: bool = False, stages: tuple[str, ...] = DEFAULT_STAGES,
           amounts: dict[str, float | None] | None = None, first_contacts: dict[str, datetime] | None = None,
           prospects: dict[str, str] | None = None) -> list[Fact]:  # fmt: skip
    """One Fact per deal. Without `first_contacts`/`prospects` a deal is its own prospect, first contacted
    when created. Only a history read from exports can be first seen late (a logged creation is known)."""
    team = {u.user_id: u.team for u in users}
    facts = []
    for deal in deals:
        timeline = timelines[deal.opportunity_id]
        facts.append(
            Fact(
                opportunity_id=deal.opportunity_id,
                owner_id=deal.owner_id,
                team=team[deal.owner_id],
                prospect=(prospects or {}).get(deal.opportunity_id, deal.opportunity_id),
                first_contact=(first_contacts or {}).get(deal.opportunity_id, instant(deal.created_at, timezone)),
                timeline=tuple(timeline),
                amount=(amounts or {}).get(deal.opportunity_id, deal.amount),
                first_seen_late=from_snapshots and timeline[0][0] != stages[0],
            )
        )
    return facts


# ---- a + g: CRM only (users and one opportunities export, nothing else), five deals in all ----------------


def build_crm_only_five_deals(root: Path) -> Case:
    users = [User("u1", "张伟", "华东"), User("u2", "李娜", "华南")]
    deals = [
        Deal("O1", "u1", [("prospecting", D(2026, 2, 3, 10)), ("contract", D(2026, 3, 1, 10)),
                          ("won", D(2026, 3, 15, 16))],
             amount=120000),
        Deal("O2", "u2", [("prospecting", D(2026, 2, 10, 9)), ("quote", D(2026, 3, 10, 9)),
                          ("lost", D(2026, 4, 2, 11))],
             amount=50000),
        Deal("O3", "u1", [("prospecting", D(2026, 3, 1, 9, 30)), ("qualification", D(2026, 3, 20, 9, 30)),
                          ("won", D(2026, 4, 20, 18))], amount=80000),
        Deal("O4", "u2", [("prospecting", D(2026, 5, 5, 10)), ("qualification", D(2026, 6, 1, 10))], amount=30000),
        Deal("O5", "u1", [("prospecting", D(2026, 6, 10, 14))], amount=20000),
    ]  # fmt: skip
    export = D(2026, 6, 30, 23)
    drops.write_users(root, users, drops.stamp_name(export))
    drops.write_opportunities(root, deals, export, drops.stamp_name(export))
    timelines = {d.opportunity_id: snapshot_timeline(d, [export], SHANGHAI) for d in deals}
    return Case(SHANGHAI, DEFAULT_STAGES, _facts(deals, users, timelines, SHANGHAI, from_snapshots=True), users)


# ---- b: no stage log at all, a year of monthly exports --------------------------------------------------


def build_monthly_snapshots(root: Path) -> Case:
    users = [User("u1", "张伟", "华东"), User("u2", "李娜", "华东"), User("u3", "王强", "华南")]
    deals = [
        Deal("B01", "u1", [("prospecting", D(2025, 1, 6, 10)), ("qualification", D(2025, 2, 10, 11)),
                           ("quote", D(2025, 3, 20, 15)), ("won", D(2025, 5, 8, 17))], amount=100000),
        # changes twice before the first export: first seen in qualification
        Deal("B02", "u2", [("prospecting", D(2025, 1, 15, 9)), ("qualification", D(2025, 1, 25, 14)),
                           ("quote", D(2025, 2, 5, 10)), ("lost", D(2025, 4, 11, 16))], amount=60000),
        # created and won between two exports: first seen already won
        Deal("B03", "u3", [("prospecting", D(2025, 2, 3, 9)), ("quote", D(2025, 2, 14, 10)),
                           ("won", D(2025, 2, 26, 18, 30))], amount=45000),
        # created before the CRM was connected, won in the first exported month
        Deal("B04", "u1", [("prospecting", D(2024, 12, 10, 10)), ("contract", D(2025, 1, 5, 10)),
                           ("won", D(2025, 1, 20, 15))], amount=70000),
        Deal("B05", "u2", [("prospecting", D(2024, 11, 5, 9)), ("quote", D(2024, 12, 1, 9)),
                           ("contract", D(2025, 3, 3, 10)), ("won", D(2025, 6, 30, 22))], amount=30000),
        # a CRM that exports no updated_at: stage changes at the export's delivery time
        Deal("B06", "u3", [("prospecting", D(2025, 4, 2, 10)), ("qualification", D(2025, 5, 12, 10)),
                           ("quote", D(2025, 7, 7, 10)), ("lost", D(2025, 8, 19, 11))], amount=40000),
        Deal("B07", "u1", [("prospecting", D(2024, 12, 20, 9)), ("lost", D(2025, 1, 8, 10))], amount=55000),
        Deal("B08", "u2", [("prospecting", D(2025, 6, 3, 10)), ("qualification", D(2025, 6, 20, 10)),
                           ("quote", D(2025, 8, 11, 10)), ("contract", D(2025, 10, 2, 10)),
                           ("won", D(2025, 11, 28, 16))], amount=90000, updated_at=D(2025, 12, 5, 9)),
        Deal("B09", "u3", [("prospecting", D(2025, 9, 9, 10)), ("qualification", D(2025, 10, 15, 10))], amount=25000),
        Deal("B10", "u1", [("prospecting", D(2025, 11, 3, 10))], amount=35000),
        Deal("B11", "u2", [("prospecting", D(2025, 7, 10, 10)), ("qualification", D(2025, 7, 21, 10)),
                           ("won", D(2025, 9, 30, 23, 30))], amount=65000),
        Deal("B12", "u3", [("prospecting", D(2025, 1, 28, 10)), ("quote", D(2025, 2, 12, 10)),
                           ("won", D(2025, 3, 18, 10))], amount=52000),
    ]  # fmt: skip
    no_updated_at = {"B06"}
    stamps = drops.month_end_stamps(date(2025, 1, 1), 12)
    drops.write_users(root, users, drops.stamp_name(stamps[0]))
    moved = [User("u3", "王强", "华东") if u.user_id == "u3" else u for u in users]  # u3 joins 华东 in July
    drops.write_users(root, moved, drops.stamp_name(stamps[6]))
    for stamp in stamps:
        drops.write_opportunities(root, deals, stamp, drops.stamp_name(stamp), without_updated_at=no_updated_at)
    timelines = {
        d.opportunity_id: snapshot_timeline(d, stamps, SHANGHAI, with_updated_at=d.opportunity_id not in no_updated_at)
        for d in deals
    }
    facts = _facts(deals, users, timelines, SHANGHAI, from_snapshots=True)
    move = instant(stamps[6], SHANGHAI)  # a team change takes effect when the users file showing it arrives
    facts = [
        replace(f, team="华东") if f.owner_id == "u3" and f.closed_at and f.closed_at >= move else f for f in facts
    ]
    return Case(SHANGHAI, DEFAULT_STAGES, facts, users)


# ---- d + e + i: one salesperson, every deal closed, no amount anywhere ----------------------------------


def _a_year_of_closed_deals() -> list[Deal]:
    """Thirty-four deals of 2025, every one closed, won or lost: enough history for the forecast to fit."""
    deals = []
    for i in range(34):
        created = D(2025, 1, 6, 10) + timedelta(days=10 * i)
        path = [("prospecting", created), ("qualification", created + timedelta(days=5))]
        if i % 2:
            path.append(("quote", created + timedelta(days=12)))
        path.append(("lost" if i % 3 == 0 else "won", created + timedelta(days=20 + 3 * (i % 4), hours=4)))
        deals.append(Deal(f"Y{i:02d}", "u1", path))
    return deals


def build_one_rep_all_closed_no_amounts(root: Path) -> Case:
    users = [User("u1", "赵敏", "直销")]
    customers = [
        Customer("C1", D(2026, 1, 5, 9), "u1", "官网"),
        Customer("C2", D(2026, 1, 20, 10), "u1", "展会"),
        Customer("C3", D(2026, 2, 2, 11), "u1", "官网"),
    ]
    deals = [
        Deal("D1", "u1", [("prospecting", D(2026, 1, 8, 10)), ("qualification", D(2026, 1, 15, 10)),
                          ("quote", D(2026, 1, 29, 10)), ("contract", D(2026, 2, 10, 10)), ("won", D(2026, 2, 20, 15))],
             customer_id="C1"),
        Deal("D2", "u1", [("prospecting", D(2026, 3, 1, 10)), ("quote", D(2026, 3, 10, 10)),
                          ("won", D(2026, 3, 25, 11))],
             customer_id="C1"),
        Deal("D3", "u1", [("prospecting", D(2026, 1, 22, 10)), ("qualification", D(2026, 2, 5, 10)),
                          ("lost", D(2026, 2, 27, 17))], customer_id="C2"),
        Deal("D4", "u1", [("prospecting", D(2026, 2, 3, 12)), ("qualification", D(2026, 2, 12, 10)),
                          ("quote", D(2026, 3, 2, 10)), ("contract", D(2026, 3, 15, 10)), ("lost", D(2026, 4, 2, 10))],
             customer_id="C3"),
        Deal("D5", "u1", [("prospecting", D(2026, 3, 5, 10)), ("won", D(2026, 4, 10, 16))], customer_id="C3"),
        Deal("D6", "u1", [("prospecting", D(2026, 2, 15, 10)), ("invalid", D(2026, 2, 16, 10))]),  # no customer
    ]  # fmt: skip
    deals = _a_year_of_closed_deals() + deals
    export = D(2026, 4, 30, 23)
    drops.write_users(root, users, drops.stamp_name(export))
    drops.write_customers(root, customers, drops.stamp_name(export))
    drops.write_opportunities(root, deals, export, drops.stamp_name(export))
    drops.write_stage_changes(root, deals, drops.stamp_name(export))
    created = {c.customer_id: instant(c.created_at, SHANGHAI) for c in customers}
    facts = _facts(
        deals, users, {d.opportunity_id: logged_timeline(d, SHANGHAI) for d in deals}, SHANGHAI,
        first_contacts={d.opportunity_id: created[d.customer_id] for d in deals if d.customer_id},
        prospects={d.opportunity_id: d.customer_id for d in deals if d.customer_id},
    )  # fmt: skip
    # the prospects: the customers, and each valid deal without a customer (the invalid one makes no lead)
    contacts = [*created.values(), *(f.first_contact for f in facts if f.prospect == f.opportunity_id and
                                     f.outcome != "invalid")]  # fmt: skip
    new_leads = Counter(month_of(moment, SHANGHAI) for moment in contacts)
    return Case(SHANGHAI, DEFAULT_STAGES, facts, users, {"new_leads": new_leads})


# ---- c + f: one pipeline of two stages, no deal closed --------------------------------------------------

TWO_STAGES = (("lead", 20), ("demo", 60))


def build_two_stages_none_closed(root: Path) -> Case:
    users = [User("u1", "陈晨", "A组"), User("u2", "周洁", "B组")]
    deals = [
        Deal("E1", "u1", [("lead", D(2026, 3, 2, 10)), ("demo", D(2026, 3, 9, 10))]),
        Deal("E2", "u1", [("lead", D(2026, 3, 5, 10)), ("demo", D(2026, 4, 2, 10))]),
        Deal("E3", "u2", [("lead", D(2026, 3, 20, 10))]),
        Deal("E4", "u2", [("demo", D(2026, 4, 6, 10))]),  # created in the second stage: logged, not late
        Deal("E5", "u1", [("lead", D(2026, 4, 10, 10)), ("demo", D(2026, 4, 20, 10)), ("lead", D(2026, 4, 25, 10))]),
        Deal("E6", "u2", [("lead", D(2026, 4, 15, 10))]),
    ]
    for number, deal in enumerate(deals, start=1):
        deal.pipeline, deal.amount = "inbound", 10000.0 * number
    export = D(2026, 4, 30, 23)
    drops.write_pipelines(root, {"inbound": TWO_STAGES})
    drops.write_users(root, users, drops.stamp_name(export))
    drops.write_opportunities(root, deals, export, drops.stamp_name(export))
    drops.write_stage_changes(root, deals, drops.stamp_name(export))
    stages = tuple(s for s, _ in TWO_STAGES)
    timelines = {d.opportunity_id: logged_timeline(d, SHANGHAI) for d in deals}
    facts = _facts(deals, users, timelines, SHANGHAI, stages=stages)
    current = {d.opportunity_id: d.entries[-1][0] for d in deals}
    return Case(SHANGHAI, stages, facts, users, {"current_stage": current, "probability": dict(TWO_STAGES)})


# ---- h + k + j: three years from 2016, America/Sao_Paulo (DST), several currencies -----------------------
