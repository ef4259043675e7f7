import duckdb

from reporting.terminal import forecast_lines


def test_forecast_lines_put_each_month_next_to_its_target() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_forecast_monthly as select * from (values "
        "(date '2026-11-29', date '2026-12-01', 'company', 'all', 5, 500000.0, 200000.0, 300000.0), "
        "(date '2026-11-29', date '2027-01-01', 'company', 'all', 2, 100000.0, 40000.0, 50000.0), "
        "(date '2026-11-29', date '2027-05-01', 'company', 'all', 1, 9.0, 9.0, 9.0), "
        "(date '2026-11-01', date '2026-12-01', 'company', 'all', 1, 1.0, 1.0, 1.0)) "
        "as t(as_of_date, month_start, scope_type, scope_id, open_deals, open_pipeline_amount, weighted_amount, "
        "stage_weighted_amount)"
    )
    con.execute(
        "create table marts.kpi_target_attainment as select date '2026-12-01' as month_start, "
        "'company' as scope_type, 'all' as scope_id, 'won_amount' as metric, 250000.0 as target"
    )
    lines = forecast_lines(con)
    assert lines[1] == "Won-amount forecast as of 2026-11-29 (company, open deals by expected close month):"
    december = next(line for line in lines if line.strip().startswith("2026-12"))
    assert december.split() == ["2026-12", "200,000", "300,000", "500,000", "250,000"]
    january = next(line for line in lines if line.strip().startswith("2027-01"))
    assert january.split()[-1] == "n/a"
    assert not any(line.strip().startswith("2027-05") for line in lines)  # beyond the three months shown


def test_no_forecast_mart_no_lines() -> None:
    con = duckdb.connect()
    assert forecast_lines(con) == []


def test_forecast_lines_read_the_published_file_layout(tmp_path) -> None:
    """`marts.duckdb` keeps its tables in its default schema: `marts.<table>` must still resolve there."""
    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table kpi_forecast_monthly as select date '2026-11-29' as as_of_date, "
            "date '2026-12-01' as month_start, 'company' as scope_type, 'all' as scope_id, 1 as open_deals, "
            "10.0 as open_pipeline_amount, 4.0 as weighted_amount, 5.0 as stage_weighted_amount"
        )
    with duckdb.connect(str(path), read_only=True) as con:
        lines = forecast_lines(con)
    assert any(line.split()[:3] == ["2026-12", "4", "5"] for line in lines)


def test_forecast_lines_warn_when_the_stage_probabilities_weight_the_pipeline() -> None:
    reason = "model Brier score 0.25 worse than the stage probabilities (0.2) on the last 3 backtest dates"
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_forecast_monthly as select date '2026-11-29' as as_of_date, "
        "date '2026-12-01' as month_start, 'company' as scope_type, 'all' as scope_id, 1 as open_deals, "
        "10.0 as open_pipeline_amount, 5.0 as weighted_amount, 5.0 as stage_weighted_amount, "
        f"4.0 as model_weighted_amount, 'stage_probability' as weighted_method, '{reason}' as weighted_method_reason"
    )
    lines = forecast_lines(con)
    assert "stage (see !)" in lines[2]
    assert lines[-1] == f"  ! WARNING: {reason}"
