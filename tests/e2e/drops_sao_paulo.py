"""The 2016-2018 São Paulo drop (h + k + j): daylight saving, three years of months, amounts in four currencies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.e2e import drops
from tests.e2e.drops import DEFAULT_STAGES, Deal, User
from tests.e2e.expected import converted, logged_timeline, month_of
from tests.e2e.matrix_drops import SAO_PAULO, Case, D, _facts

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
