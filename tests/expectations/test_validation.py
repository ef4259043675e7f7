"""Suites fail on bad data with the right severity, skip missing tables, and release the DuckDB file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from expectations import report as validation_report
from expectations import runner
from expectations.suites import EXPECTATIONS_DIR, SuiteResult, batch_query, read_spec
from tests.expectations.conftest import LOADED, RUN_START, execute, file_of


def _validate(warehouse: Path, suite: str, entity: str | None = None) -> SuiteResult:
    spec = read_spec(EXPECTATIONS_DIR / suite)
    [result] = runner.validate_sql(warehouse, [(spec, batch_query(spec, entity, RUN_START))])
    return result


def _failed(result: SuiteResult) -> set[tuple[str, str]]:
    return {(o.severity, o.why) for o in result.failures}


def test_bad_opportunity_rows_fail_with_error_severity_and_name_the_row(warehouse: Path) -> None:
    execute(
        warehouse,
        "insert into raw.crm__opportunities (opportunity_id, owner_id, stage, status, amount, created_at, "
        "_source_file, _source_line, _loaded_at) values "
        "('o2', 'u1', 'quote', 'maybe', -5, timestamptz '2026-11-03 10:00:00+00', "
        f"'{file_of('crm__opportunities')}', 3, {LOADED})",
    )
    result = _validate(warehouse, "raw/crm__opportunities.json", "crm__opportunities")
    assert result.status == "failed" and result.blocking
    whys = {why for _, why in _failed(result)}
    assert any("negative amount" in w for w in whys)
    assert any("status outside" in w for w in whys)
    assert any("more rows attributed to a file" in w for w in whys)  # 2 rows in the table, manifest says 1
    status = next(o for o in result.failures if o.column == "status")
    assert status.sample == ("maybe",)


def test_manifest_accounting_fails_when_rows_go_missing(warehouse: Path) -> None:
    execute(warehouse, "update raw._load_manifest set rows_read = rows_read + 3 where entity = 'crm__users'")
    result = _validate(warehouse, "raw/_load_manifest.json", "crm__users")
    [failure] = result.failures
    assert failure.severity == "error" and "rows were lost" in failure.why
    assert failure.observed == "1" and "rows_read=4" in failure.sample[0]
    assert _validate(warehouse, "raw/_load_manifest.json", "crm__leads").status == "passed"


def test_only_files_loaded_in_this_run_are_validated(warehouse: Path) -> None:
    execute(
        warehouse, "update raw._load_manifest set loaded_at = loaded_at - interval 30 day where entity = 'crm__users'"
    )
    execute(warehouse, "update raw.crm__users set manager_id = user_id")  # a warning-level defect in an old file
    assert _validate(warehouse, "raw/crm__users.json", "crm__users").rows == 0
    execute(
        warehouse, "update raw._load_manifest set loaded_at = loaded_at + interval 30 day where entity = 'crm__users'"
    )
    result = _validate(warehouse, "raw/crm__users.json", "crm__users")
    assert result.rows == 1 and result.status == "failed"
    assert not result.blocking  # only a warning failed: downstream may run
    assert [o.severity for o in result.failures] == ["warning"]


def test_missing_table_is_skipped_not_failed_and_the_file_is_released(warehouse: Path) -> None:
    result = _validate(warehouse, "marts/kpi_monthly.json")
    assert result.status == "skipped" and "table missing" in result.note and not result.blocking
    _validate(warehouse, "raw/cfg__stages.json")
    con = duckdb.connect(str(warehouse))  # read-write: GX must have closed every connection
    con.execute("create table raw.after_validation as select 1 as x")
    con.close()


def test_kpi_monthly_rates_and_accounting(warehouse: Path) -> None:
    execute(
        warehouse,
        """create schema marts;
        create table marts.fct_opportunities as select 'o1' as opportunity_id, 'won' as outcome;
        create table marts.kpi_monthly as select * from (values
          (date '2026-11-01', 'company', 'all', 'won_deals', 1.0, null::double, 1.0),
          (date '2026-11-01', 'rep', 'u1', 'won_deals', 1.0, null, 1.0),
          (date '2026-11-01', 'company', 'all', 'win_rate', 1.0, 2.0, 0.5))
          t(month_start, scope_type, scope_id, kpi, numerator, denominator, value)""",
    )
    assert _validate(warehouse, "marts/kpi_monthly.json").status == "passed"
    execute(warehouse, "update marts.kpi_monthly set numerator = 3, value = 1.5 where kpi = 'win_rate'")
    execute(warehouse, "update marts.fct_opportunities set outcome = 'lost'")
    whys = {why for _, why in _failed(_validate(warehouse, "marts/kpi_monthly.json"))}
    assert any("rate outside [0, 1]" in w for w in whys)
    assert any("numerator above denominator" in w for w in whys)
    assert any("differs from won deals in fct_opportunities" in w for w in whys)


def test_expectation_needing_a_missing_table_is_skipped(warehouse: Path) -> None:
    execute(
        warehouse,
        "create schema marts; create table marts.dim_prospects as select 'p1' as prospect_id",
    )
    result = _validate(warehouse, "marts/dim_prospects.json")
    assert result.status == "passed"
    [skipped] = [o for o in result.outcomes if o.skipped]
    assert "marts.fct_opportunities missing" in skipped.observed


def test_report_lists_newest_run_first_and_failures_first(warehouse: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    execute(warehouse, "update raw.crm__users set manager_id = user_id")
    ok = _validate(warehouse, "raw/crm__leads.json", "crm__leads")
    warn = _validate(warehouse, "raw/crm__users.json", "crm__users")
    validation_report.record(reports, "run-1", RUN_START, [ok])
    html = validation_report.record(reports, "run-2", RUN_START.replace(day=29), [ok, warn]).read_text()
    runs = validation_report.load_runs(reports)
    assert [r["run_id"] for r in runs] == ["run-2", "run-1"]
    assert [s["state"] for s in runs[0]["suites"]] == ["warning", "passed"]
    assert html.index("run-2") < html.index("run-1") and "<script" not in html and "http" not in html
    assert (reports / "validation.json").exists()
    [line] = validation_report.failure_lines(reports)
    assert line.startswith("WARNING raw.crm__users") and "own manager" in line
