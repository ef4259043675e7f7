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

import ingest
from tests.e2e import drops
from tests.e2e.drops import DEFAULT_STAGES, Customer, Deal, User
from tests.e2e.expected import Fact, converted, instant, logged_timeline, month_of, snapshot_timeline

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

FX_RATES = {
    ("USD", "2016-01"): 6.50, ("USD", "2016-07"): 6.70, ("USD", "2017-01"): 6.90, ("USD", "2017-10"): 6.60,
    ("USD", "2018-01"): 6.40, ("EUR", "2016-01"): 7.20, ("EUR", "2017-06"): 7.60, ("EUR", "2018-06"): 7.70,
}  # fmt: skip
CURRENCIES = ("USD", "EUR", "CNY", None)  # None: the column left empty, i.e. CNY


def _generated_history() -> list[Deal]:
    """Forty-two ordinary deals, one started every 25 days from January 2016, most of them closed."""
    deals, end = [], D(2018, 12, 20)
    for i in range(42):
        created = D(2016, 1, 11, 10 + i % 6) + timedelta(days=25 * i)
        path = [("prospecting", created)]
        if i % 4 != 1:
            path.append(("qualification", created + timedelta(days=6)))
        path.append(("quote", created + timedelta(days=15, hours=2)))
        closing = created + timedelta(days=30 + 7 * (i % 5), hours=3)
        if closing < end:
            path.append(("won" if i % 3 != 2 else "lost", closing))
        deals.append(Deal(f"H{i:02d}", ("r1", "r2", "r3")[i % 3], path, amount=10000.0 + 1000 * i,
                          currency=CURRENCIES[i % 4]))  # fmt: skip
    return deals


def build_sao_paulo_2016_currencies(root: Path) -> Case:
    users = [User("r1", "Ana", "Norte"), User("r2", "Bruno", "Norte"), User("r3", "Carla", "Sul")]
    special = [
        # k: created at a local midnight that does not exist (DST began 2017-10-15 00:00 -> 01:00)
        Deal("K1", "r1", [("prospecting", D(2017, 10, 15, 0, 0)), ("quote", D(2017, 10, 30, 10)),
                          ("won", D(2017, 11, 20, 10))], amount=20000, currency="USD"),
        # k: won late on the last evening of a month (already the next month in UTC and in Shanghai)
        Deal("K2", "r2", [("prospecting", D(2016, 11, 20, 10)), ("won", D(2016, 12, 31, 23, 0))],
             amount=30000, currency="USD"),
        Deal("K3", "r3", [("prospecting", D(2017, 5, 2, 10)), ("lost", D(2017, 6, 30, 22, 30))],
             amount=40000, currency="EUR"),
        Deal("K4", "r1", [("prospecting", D(2017, 5, 8, 10)), ("contract", D(2017, 6, 1, 10)),
                          ("won", D(2017, 6, 30, 21, 0))], amount=15000, currency="EUR"),
        # k: won in the hour that happens twice (DST ended 2018-02-18 00:00 -> 2018-02-17 23:00): the earlier
        Deal("K5", "r2", [("prospecting", D(2018, 1, 15, 10)), ("won", D(2018, 2, 17, 23, 30))], amount=12345),
        # j: a currency without any rate
        Deal("J1", "r3", [("prospecting", D(2017, 3, 6, 10)), ("won", D(2017, 4, 12, 10))],
             amount=50000, currency="GBP"),
        # j: open, converted at the rate of its creation month (no rate that month: the latest earlier one)
        Deal("J2", "r1", [("prospecting", D(2018, 11, 5, 10)), ("quote", D(2018, 12, 3, 10))],
             amount=25000, currency="EUR"),
    ]  # fmt: skip
    deals = _generated_history() + special
    export = D(2018, 12, 31, 23)
    drops.write_pipelines(
        root, {"default": list(zip(DEFAULT_STAGES, (10, 25, 50, 80), strict=True))},
        business_timezone=SAO_PAULO, reporting_currency="CNY",
    )  # fmt: skip
    drops.write_users(root, users, drops.stamp_name(export))
    drops.write_fx_rates(root, FX_RATES, drops.stamp_name(export))
    drops.write_opportunities(root, deals, export, drops.stamp_name(export))
    drops.write_stage_changes(root, deals, drops.stamp_name(export))
    timelines = {d.opportunity_id: logged_timeline(d, SAO_PAULO) for d in deals}
    amounts = {}
    for deal in deals:
        (_, created), (last_state, last_at) = timelines[deal.opportunity_id][0], timelines[deal.opportunity_id][-1]
        dated = last_at if last_state in drops.OUTCOMES else created  # closed_at, else created_at
        amounts[deal.opportunity_id] = converted(deal.amount, deal.currency, month_of(dated, SAO_PAULO), FX_RATES)
    facts = _facts(deals, users, timelines, SAO_PAULO, amounts=amounts)
    return Case(SAO_PAULO, DEFAULT_STAGES, facts, users, {"deals": deals})


# ---- arrival order: CRM only first; a day later a corrected follow-up and the first WeCom files ------------

ARRIVAL_USERS = [User("u1", "张伟", "华东", "zhangwei"), User("u2", "李娜", "华东", "lina")]
FIRST_DELIVERY, SECOND_DELIVERY = D(2026, 5, 31, 2), D(2026, 6, 1, 2)


def _epoch(local: datetime) -> int:
    return int(instant(local, SHANGHAI).timestamp())


def write_first_delivery(root: Path) -> None:
    customers = [
        Customer("C1", D(2026, 5, 3, 9), "u1", "官网", "wmAAA1"),
        Customer("C2", D(2026, 5, 5, 9), "u2", "展会", "wmAAA2"),
    ]
    deals = [
        Deal("P1", "u1", [("prospecting", D(2026, 5, 4, 10)), ("qualification", D(2026, 5, 12, 10))],
             amount=30000, customer_id="C1"),
        Deal("P2", "u2", [("prospecting", D(2026, 5, 6, 10)), ("quote", D(2026, 5, 15, 10)),
                          ("won", D(2026, 5, 25, 16))],
             amount=50000, customer_id="C2"),
    ]  # fmt: skip
    name = drops.stamp_name(FIRST_DELIVERY)
    drops.write_users(root, ARRIVAL_USERS, name)
    drops.write_customers(root, customers, name)
    drops.write_opportunities(root, deals, FIRST_DELIVERY, name)
    drops.write_stage_changes(root, deals, name)
    drops.write_activities(root, [
        drops.Activity("A1", "u1", D(2026, 5, 20, 10), "call", "P1", "C1"),
        drops.Activity("A2", "u1", D(2026, 5, 21, 15), "visit", "P1", "C1"),
    ], name)  # fmt: skip


def write_second_delivery(root: Path) -> dict:
    """The corrected follow-up, the first WeCom files and the stage key `quote` renamed `proposal` in
    pipelines.yml (the old key stays an alias); returns what the activity mart must then hold."""
    name = drops.stamp_name(SECOND_DELIVERY, ".jsonl")
    default = (Path(ingest.__file__).parent / "pipelines_default.yml").read_text(encoding="utf-8")
    renamed = default.replace("{key: quote,", "{key: proposal,").replace(
        "aliases: [方案/报价]", "aliases: [方案/报价, quote]"
    )
    assert renamed.count("proposal") == 1 and renamed.count("quote") == 1, "the default stages changed"
    (root / "pipelines.yml").write_text(renamed, encoding="utf-8")
    # A1 was logged on the wrong day by the wrong person: re-delivered with its corrected date and owner
    drops.write_activities(root, [drops.Activity("A1", "u2", D(2026, 5, 22, 11), "call", "P2", "C2")],
                           drops.stamp_name(SECOND_DELIVERY))  # fmt: skip
    follow = {"remark": "", "description": "", "tags": [], "remark_mobiles": [], "add_way": 1}
    drops.write_jsonl(root, f"wecom/external_contacts/{name}", [
        {"errcode": 0, "errmsg": "ok", "external_contact": {"external_userid": "wmAAA1", "name": "王先生", "type": 1},
         "follow_user": [follow | {"userid": "zhangwei", "createtime": _epoch(D(2026, 5, 2, 18)),
                                   "oper_userid": "zhangwei", "state": "官网"}]},
        {"errcode": 0, "errmsg": "ok", "external_contact": {"external_userid": "wmAAA3", "name": "刘女士", "type": 1},
         "follow_user": [follow | {"userid": "lina", "createtime": _epoch(D(2026, 5, 18, 9)), "oper_userid": "lina"}]},
    ])  # fmt: skip
    messages = [
        ("m1", "zhangwei", "wmAAA1", D(2026, 5, 20, 9, 30)),
        ("m2", "wmAAA1", "zhangwei", D(2026, 5, 20, 9, 42)),
        ("m3", "zhangwei", "wmAAA1", D(2026, 5, 26, 14)),
        ("m4", "lina", "wmAAA3", D(2026, 5, 27, 16)),
    ]
    drops.write_jsonl(root, f"wecom/messages/{name}", [
        {"msgid": msgid, "action": "send", "from": sender, "tolist": [to], "roomid": "",
         "msgtime": _epoch(when) * 1000, "msgtype": "text", "text": {"content": "您好"}}
        for msgid, sender, to, when in messages
    ])  # fmt: skip
    days = {("zhangwei", D(2026, 5, 20)): 3, ("zhangwei", D(2026, 5, 26)): 1, ("lina", D(2026, 5, 27)): 2}
    drops.write_jsonl(root, f"wecom/behavior/{name}", [
        {"userid": userid, "behavior_data": [
            {"stat_time": _epoch(day), "chat_cnt": chats, "message_cnt": chats, "negative_feedback_cnt": 0,
             "new_apply_cnt": 0, "new_contact_cnt": 0} for (who, day), chats in days.items() if who == userid]}
        for userid in ("zhangwei", "lina")
    ])  # fmt: skip
    drops.write_jsonl(root, f"wecom/contact_events/{name}", [
        {"ToUserName": "wwcorp", "FromUserName": "sys", "CreateTime": _epoch(D(2026, 5, 28, 20)), "MsgType": "event",
         "Event": "change_external_contact", "ChangeType": "del_follow_user", "UserID": "lina",
         "ExternalUserID": "wmAAA3"},
    ])  # fmt: skip
    return {
        "crm_followups": {(date(2026, 5, 22), "u2"): 1, (date(2026, 5, 21), "u1"): 1},
        "wecom_chat_cnt": sum(days.values()),
        "archive_messages_sent": sum(1 for _, sender, _, _ in messages if not sender.startswith("wm")),
        "states": {"prospecting": 2, "qualification": 1, "proposal": 1, "won": 1},
    }
