"""What each unusual drop of the matrix must show on its own (see tests/e2e/test_drop_matrix.py for the list),
and the arrival-order pair: a warehouse fed two deliveries one run at a time equals one fed both at once."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.expected import by_scope, month_of, monthly_deal_kpis
from tests.e2e.matrix import ARRIVALS, approx, drops_param, expected_funnel, funnel_rows, on_drop, scope_rows, utc
from tests.e2e.matrix_drops import SAO_PAULO
from tests.pipeline import marts_content

pytestmark = pytest.mark.e2e


# ---- a + g: CRM only, five deals ----------------------------------------------------------------------------


@on_drop("crm_only_five_deals")
def test_five_deals_forecast_falls_back_to_the_stage_probabilities(matrix):
    drop = matrix["crm_only_five_deals"]
    with drop.marts() as con:
        rows = con.execute(
            "select opportunity_id, p_win, stage_probability, p_win_method from fct_forecast_opportunities "
            "where as_of_date = (select max(as_of_date) from fct_forecast_opportunities)"
        ).fetchall()
    assert {r[0] for r in rows} == {f.opportunity_id for f in drop.case.facts if f.outcome == "open"}
    assert [(r[0], r[1], r[3]) for r in rows] == [(r[0], r[2], "stage_probability") for r in rows]


# ---- d + e + i: one salesperson, every deal closed, no amount ---------------------------------------------


@on_drop("one_rep_all_closed")
def test_single_salesperson_rep_and_team_rows_equal_the_company(matrix):
    with matrix["one_rep_all_closed"].marts() as con:
        company = scope_rows(con, "company", "all")
        assert company
        assert scope_rows(con, "rep", "u1") == company
        assert scope_rows(con, "team", "直销") == company


@on_drop("one_rep_all_closed")
def test_missing_amounts_sum_to_zero_and_amount_rates_stay_null(matrix):
    drop = matrix["one_rep_all_closed"]
    won_months = {
        k[0] for k, v in monthly_deal_kpis(drop.case.facts, drop.case.timezone).items() if k[1] == "won_deals" and v[2]
    }
    with drop.marts() as con:
        rows = scope_rows(con, "company", "all")
        amounts = con.execute("select count(*) from fct_opportunities where amount is not null").fetchone()[0]
    assert amounts == 0
    assert {m: rows[m, "won_amount"][2] for m in won_months} == dict.fromkeys(won_months, 0)
    assert {m: rows[m, "win_rate_amount"][2] for m in won_months} == dict.fromkeys(won_months)


@on_drop("one_rep_all_closed")
def test_every_deal_closed_leaves_nothing_open(matrix):
    with matrix["one_rep_all_closed"].marts() as con:
        assert con.execute("select count(*) from kpi_open_deal_alerts").fetchone()[0] == 0
        last = con.execute("select open_deals from kpi_rep_scorecard order by month_start desc limit 1").fetchone()
    assert last == (0,)


@on_drop("one_rep_all_closed")
def test_new_leads_by_first_contact_and_invalid_deal_makes_no_lead(matrix):
    drop = matrix["one_rep_all_closed"]
    with drop.marts() as con:
        rows = con.execute(
            "select month_start, value from kpi_monthly where scope_type = 'company' "
            "and kpi = 'new_leads' and value > 0"
        ).fetchall()
    assert dict(rows) == drop.case.extra["new_leads"]


# ---- c + f: one pipeline of two stages, no deal closed ----------------------------------------------------


@on_drop("two_stages_none_closed")
def test_two_stage_funnel_by_rep_and_team(matrix):
    drop = matrix["two_stages_none_closed"]
    with drop.marts() as con:
        for scope_type, scope_of in (("rep", lambda f: f.owner_id), ("team", lambda f: f.team)):
            for scope_id, facts in by_scope(drop.case.facts, scope_of).items():
                assert funnel_rows(con, scope_type, scope_id) == expected_funnel(facts, drop.case), scope_id
        steps = con.execute(
            "select distinct stage_key, next_state_key, stage_order from kpi_stage_conversion order by stage_order"
        ).fetchall()
        bottlenecks = con.execute(
            "select distinct stage_key from kpi_stage_conversion where scope_type = 'company' and is_bottleneck"
        ).fetchall()
    assert steps == [("lead", "demo", 1), ("demo", "won", 2)]
    assert bottlenecks == [("demo",)]  # nobody advanced from demo: 0 %


@on_drop("two_stages_none_closed")
def test_no_deal_closed_gives_zero_wins_and_null_rates(matrix):
    with matrix["two_stages_none_closed"].marts() as con:
        rows = con.execute(
            "select kpi, count(*), sum(numerator), max(denominator), count(value), sum(value) from kpi_monthly "
            "where scope_type = 'company' and kpi in ('won_deals', 'win_rate') group by kpi order by kpi"
        ).fetchall()
    assert rows == [("win_rate", 2, 0, 0, 0, None), ("won_deals", 2, 0, None, 2, 0)]


@on_drop("two_stages_none_closed")
def test_no_outcome_yet_forecast_uses_the_stage_probabilities(matrix):
    drop = matrix["two_stages_none_closed"]
    with drop.marts() as con:
        rows = con.execute(
            "select opportunity_id, stage_key, p_win, p_win_method from fct_forecast_opportunities "
            "where as_of_date = (select max(as_of_date) from fct_forecast_opportunities)"
        ).fetchall()
    stage, probability = drop.case.extra["current_stage"], drop.case.extra["probability"]
    assert sorted(rows) == [
        (o, stage[o], approx(probability[stage[o]] / 100), "stage_probability") for o in sorted(stage)
    ]


# ---- h + k + j: 2016-2018, America/Sao_Paulo, several currencies ------------------------------------------


@on_drop("sao_paulo_2016_fx")
def test_local_midnight_in_the_dst_gap_is_shifted_forward_and_loaded(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        created = con.execute("select created_at from fct_opportunities where opportunity_id = 'K1'").fetchone()
        entered = con.execute(
            "select transitioned_at from fct_stage_transitions where opportunity_id = 'K1' and seq = 1"
        ).fetchone()
    assert created == entered == (utc(2017, 10, 15, 3),)  # 01:00 local (-02:00), the first minute that exists


@on_drop("sao_paulo_2016_fx")
def test_ambiguous_local_time_takes_the_earlier_instant(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        closed = con.execute("select closed_at from fct_opportunities where opportunity_id = 'K5'").fetchone()
    assert closed == (utc(2018, 2, 18, 1, 30),)  # 23:30 still in summer time (-02:00)


@on_drop("sao_paulo_2016_fx")
def test_deals_closing_on_a_last_evening_count_in_that_local_month(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        won = dict(
            con.execute(
                "select month_start, value from kpi_monthly where scope_type = 'company' and kpi = 'won_deals'"
            ).fetchall()
        )
    expected = monthly_deal_kpis(matrix["sao_paulo_2016_fx"].case.facts, SAO_PAULO)
    for month in (date(2016, 12, 1), date(2017, 1, 1), date(2017, 6, 1), date(2017, 7, 1)):
        assert won.get(month) == expected[month, "won_deals"][2], month


@on_drop("sao_paulo_2016_fx")
def test_three_years_of_months_from_2016(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        months = con.execute(
            "select min(month_start), max(month_start), count(distinct month_start) "
            "from kpi_monthly where scope_type = 'company' and kpi = 'won_deals'"
        ).fetchone()
    assert months == (date(2016, 1, 1), date(2018, 12, 1), 36)


@on_drop("sao_paulo_2016_fx")
def test_amounts_are_converted_with_the_rate_of_their_month_or_the_latest_earlier(matrix):
    with matrix["sao_paulo_2016_fx"].marts() as con:
        amounts = dict(
            con.execute(
                "select opportunity_id, amount from fct_opportunities where opportunity_id in ('K2', 'K4', 'J2', 'K5')"
            ).fetchall()
        )
    assert amounts == {
        "K2": approx(30000 * 6.70),  # USD won 2016-12 (local): the July 2016 rate, the latest before December
        "K4": approx(15000 * 7.60),  # EUR won 2017-06-30 21:00 local: June's rate, not July's
        "J2": approx(25000 * 7.70),  # EUR still open, created 2018-11: the June 2018 rate
        "K5": approx(12345),  # CNY, the reporting currency
    }


@on_drop("sao_paulo_2016_fx")
def test_an_amount_without_any_rate_is_left_out_of_amounts_but_the_deal_counts(matrix):
    drop = matrix["sao_paulo_2016_fx"]
    april = date(2017, 4, 1)
    won = [
        f for f in drop.case.facts if f.outcome == "won" and f.closed_at and month_of(f.closed_at, SAO_PAULO) == april
    ]
    assert "J1" in {f.opportunity_id for f in won}
    with drop.marts() as con:
        rows = dict(
            con.execute(
                "select kpi, value from kpi_monthly where scope_type = 'company' "
                "and month_start = ? and kpi in ('won_deals', 'won_amount')",
                [april],
            ).fetchall()
        )
    assert rows == {
        "won_deals": len(won),
        "won_amount": approx(sum(f.amount for f in won if f.opportunity_id != "J1")),
    }


# ---- arrival order ------------------------------------------------------------------------------------------


@on_drop("arrival_incremental")
def test_incremental_deliveries_equal_one_run_on_both(matrix):
    incremental, at_once = matrix["arrival_incremental"], matrix["arrival_all_at_once"]
    with incremental.marts(), at_once.marts():
        pass
    one, other = marts_content(incremental.deployment.published), marts_content(at_once.deployment.published)
    assert one.keys() == other.keys()
    assert [t for t in one if one[t] != other[t]] == []


@pytest.mark.parametrize("name", drops_param(ARRIVALS))
def test_corrected_followup_and_late_wecom_files_land(matrix, name):
    drop = matrix[name]
    with drop.marts() as con:
        followups = con.execute(
            "select activity_date, rep_id, crm_followups from fct_rep_daily_activity where crm_followups > 0"
        ).fetchall()
        wecom = con.execute("select sum(wecom_chat_cnt), sum(archive_messages_sent) from fct_rep_daily_activity")
        wecom = wecom.fetchone()
    assert {(d, r): n for d, r, n in followups} == drop.extra["crm_followups"]  # no stale row on 05-20 for u1
    assert wecom == (drop.extra["wecom_chat_cnt"], drop.extra["archive_messages_sent"])
    with drop.marts() as con:
        states = dict(con.execute("select to_state, count(*) from fct_stage_transitions group by 1").fetchall())
    assert states == drop.extra["states"]  # the renamed stage key everywhere, the old one nowhere
