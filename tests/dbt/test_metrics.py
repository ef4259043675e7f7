"""The governed metrics (dbt_project/models/semantic/): MetricFlow validates them, and `mf query` returns the
same values as the KPI marts for a month, for the company and for each team, on the reference warehouse."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.dbt.metricflow_engine import engine, query, semantic_manifest, validation_issues

KPI_METRICS = (
    "win_rate",
    "win_rate_amount",
    "won_deals",
    "won_amount",
    "new_leads",
    "lead_conversion_rate",
    "avg_sales_cycle_days",
    "median_sales_cycle_days",
    "new_customers",
    "new_customer_amount",
    "avg_deal_size",
)
MONTH = "metric_time__month"


def same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))


def test_metricflow_validates_the_semantic_layer(dbt_manifest: Path) -> None:
    manifest = semantic_manifest(dbt_manifest.parent)
    assert validation_issues(manifest) == []
    names = {metric.name for metric in manifest.metrics}
    assert set(KPI_METRICS) | {"stage_conversion_rate"} <= names
    assert manifest.project_configuration.time_spines, "the time spine model is declared"


@pytest.fixture(scope="module")
def warehouse(reference) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(reference.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def mf(dbt_manifest: Path, warehouse: duckdb.DuckDBPyConnection):
    return engine(semantic_manifest(dbt_manifest.parent), warehouse)


@pytest.fixture(scope="module")
def month(warehouse: duckdb.DuckDBPyConnection):
    from reporting.queries import latest_full_month

    return latest_full_month(warehouse)


def in_month(month) -> str:
    return f"{{{{ TimeDimension('metric_time', 'month') }}}} = '{month:%Y-%m-%d}'"


def kpi_rows(con: duckdb.DuckDBPyConnection, month, scope_type: str) -> dict[tuple[str, str], float | None]:
    rows = con.execute(
        "select scope_id, kpi, value from marts.kpi_monthly where month_start = ? and scope_type = ?",
        [month, scope_type],
    ).fetchall()
    return {(scope_id, kpi): value for scope_id, kpi, value in rows}


def test_company_metrics_equal_kpi_monthly(mf, warehouse, month) -> None:
    (row,) = query(mf, list(KPI_METRICS), [MONTH], where=in_month(month))
    expected = kpi_rows(warehouse, month, "company")
    assert row[MONTH].date() == month
    mismatches = {
        kpi: (row[kpi], expected[("all", kpi)]) for kpi in KPI_METRICS if not same(row[kpi], expected[("all", kpi)])
    }
    assert not mismatches, f"metric != kpi_monthly for {month}: {mismatches}"
    assert row["won_deals"] > 0 and row["new_leads"] > 0  # a month with something to compare


def test_team_metrics_equal_kpi_monthly(mf, warehouse, month) -> None:
    rows = query(mf, list(KPI_METRICS), [MONTH, "kpi_event__team"], where=in_month(month))
    expected = kpi_rows(warehouse, month, "team")
    teams = {row["kpi_event__team"] for row in rows}
    assert len(teams) >= 2
    for row in rows:
        team = row["kpi_event__team"]
        mismatches = {k: (row[k], expected[(team, k)]) for k in KPI_METRICS if not same(row[k], expected[(team, k)])}
        assert not mismatches, f"team {team}, {month}: metric != kpi_monthly: {mismatches}"
    # A team row of kpi_monthly without events that month has nothing MetricFlow could return: zeros and NULLs.
    quiet = {(team, kpi): value for (team, kpi), value in expected.items() if team not in teams}
    assert all(value in (0, None) for value in quiet.values()), quiet


def test_stage_conversion_equals_the_funnel(mf, warehouse, month) -> None:
    group_by = [MONTH, "stage_reach__pipeline_key", "stage_reach__stage_key", "stage_reach__team"]
    rows = query(mf, ["stage_conversion_rate", "stages_reached"], group_by, where=in_month(month))
    funnel = warehouse.execute(
        "select pipeline_key, stage_key, scope_id, reached, conversion_rate from marts.kpi_stage_conversion "
        "where month_start = ? and scope_type = 'team' and reached > 0",
        [month],
    ).fetchall()
    expected = {(p, s, team): (reached, rate) for p, s, team, reached, rate in funnel}
    got = {
        (r["stage_reach__pipeline_key"], r["stage_reach__stage_key"], r["stage_reach__team"]): (
            r["stages_reached"],
            r["stage_conversion_rate"],
        )
        for r in rows
    }
    assert got.keys() == expected.keys() and len(got) > 3
    for key, (reached, rate) in expected.items():
        assert got[key][0] == reached and same(got[key][1], rate), (key, got[key], (reached, rate))
