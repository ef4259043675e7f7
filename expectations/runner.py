"""Great Expectations, run SQL-side inside DuckDB: validate a table or a frame against a suite, return plain results.

The suites are read by `expectations.suites`; GX is imported by `expectations.gx_import`, for this module only.

DuckDB through GX needs two workarounds:
- GX reads metric results after closing its SQLAlchemy connection, which DuckDB does not survive; listing
  `duckdb` among GX's persisted-connection dialects (`expectations.gx_import`) keeps one connection for the
  validation. We close it and dispose the engine afterwards, or the DuckDB file stays locked and the next
  writer (dbt) fails with "Could not set lock on file".
- Table assets fail on DuckDB reflection, so every batch is a query asset (`select … from <table> …`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from expectations.gx_import import import_gx
from expectations.suites import ExpectationOutcome, SuiteFileError, SuiteResult, SuiteSpec

SAMPLE_ROWS = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}


def build_suite(spec: SuiteSpec, relations: set[str] | None = None) -> Any:
    """The GX `ExpectationSuite` of a spec; raises if GX rejects any expectation (GX would drop it silently).

    With `relations`, expectations whose `meta.requires` names a relation not among them are left out.
    """
    gx = import_gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    built = []
    chosen = [e for e in spec.expectations if relations is None or not _missing_requires(e, relations)]
    for i, exp in enumerate(chosen):
        try:
            config = ExpectationConfiguration(type=exp["type"], kwargs=exp.get("kwargs") or {}, meta=exp.get("meta"))
            built.append(config.to_domain_obj())
        except Exception as exc:  # GX raises many types (pydantic, InvalidExpectationConfiguration, KeyError)
            raise SuiteFileError(f"{spec.path}: expectation {i} ({exp.get('type')}) is invalid: {exc}") from exc
    suite = gx.ExpectationSuite(name=spec.name, expectations=built, meta={"table": spec.table})
    if len(suite.expectations) != len(chosen):
        raise SuiteFileError(f"{spec.path}: GX kept {len(suite.expectations)} of {len(chosen)} expectations")
    return suite


def _missing_requires(expectation: dict[str, Any], relations: set[str]) -> list[str]:
    return [r for r in (expectation.get("meta") or {}).get("requires", []) if r not in relations]


def _skipped_outcomes(spec: SuiteSpec, relations: set[str]) -> tuple[ExpectationOutcome, ...]:
    return tuple(
        ExpectationOutcome(
            type=e["type"],
            column=(e.get("kwargs") or {}).get("column"),
            severity=e["meta"]["severity"],
            why=e["meta"]["why"],
            success=True,
            observed=f"skipped: {', '.join(_missing_requires(e, relations))} missing",
            skipped=True,
        )
        for e in spec.expectations
        if _missing_requires(e, relations)
    )


def _context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.config.analytics_enabled = False  # GX's own switch, per context: no usage statistics sent
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _relations_and_empty(warehouse: Path, jobs: Sequence[tuple[SuiteSpec, str]]) -> tuple[set[str], set[str]]:
    """Every `schema.name` in the warehouse, and the suites whose run batch has no rows (read-only, closed at once)."""
    if not warehouse.exists():
        return set(), set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = {
            r[0]
            for r in con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
        }
        empty = {
            spec.name
            for spec, query in jobs
            if spec.batch != "whole_table"
            and spec.table in relations
            and con.execute(f"select not exists ({query})").fetchone()[0]
        }
    return relations, empty


@contextmanager
def _sql_datasource(gx: Any, warehouse: Path) -> Iterator[Any]:
    context = _context(gx)
    source = context.data_sources.add_sql(
        "warehouse", connection_string=f"duckdb:///{warehouse}", kwargs={"connect_args": {"read_only": True}}
    )
    try:
        yield source
    finally:
        execution_engine = source.get_execution_engine()
        if execution_engine._connection is not None:
            execution_engine._connection.close()
            execution_engine._connection = None
        execution_engine.engine.dispose()
        if source._engine is not None:  # the datasource's own engine, used to test the connection
            source._engine.dispose()


def validate_sql(warehouse: Path, jobs: Sequence[tuple[SuiteSpec, str]]) -> list[SuiteResult]:
    """Validate each (suite, batch query) inside DuckDB; a suite whose table is missing is skipped, not failed."""
    relations, empty = _relations_and_empty(warehouse, jobs)
    results: list[SuiteResult] = []
    todo = []
    for spec, query in jobs:
        if spec.table not in relations:
            note = f"table missing: {spec.table} does not exist in {warehouse.name} yet; suite skipped"
            results.append(SuiteResult(spec.name, spec.layer, spec.table, "skipped", None, 0.0, note=note))
        elif spec.name in empty:  # a batch of what this run loaded, and it loaded nothing: no GX context opened
            note = "no rows loaded by this run: nothing to validate"
            results.append(SuiteResult(spec.name, spec.layer, spec.table, "passed", 0, 0.0, note=note))
        else:
            todo.append((spec, query))
    if not todo:
        return results
    gx = import_gx()
    validated: list[tuple[SuiteSpec, str, Any, float]] = []
    with _sql_datasource(gx, warehouse) as source:
        for i, (spec, query) in enumerate(todo):
            started = time.perf_counter()
            asset = source.add_query_asset(f"q{i}", query=query)
            batch = asset.add_batch_definition_whole_table("all").get_batch()
            outcome = batch.validate(build_suite(spec, relations), result_format=RESULT_FORMAT)
            validated.append((spec, query, outcome, time.perf_counter() - started))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for spec, query, outcome, seconds in validated:
            rows = con.execute(f"select count(*) from ({query})").fetchone()[0]
            outcomes = tuple(_outcome(r, lambda q, b=query: _sample(con, q, b)) for r in outcome.results)
            outcomes += _skipped_outcomes(spec, relations)
            status = "failed" if any(not o.success for o in outcomes) else "passed"
            results.append(SuiteResult(spec.name, spec.layer, spec.table, status, rows, round(seconds, 3), outcomes))
    finally:
        con.close()
    return results


def validate_frame(frame: Any, spec: SuiteSpec) -> SuiteResult:
    """Validate a pandas (or polars: converted to numpy-backed pandas) frame; SQL-only expectations don't apply."""
    if hasattr(frame, "to_pandas"):
        frame = frame.to_pandas()
    gx = import_gx()
    started = time.perf_counter()
    asset = _context(gx).data_sources.add_pandas("frames").add_dataframe_asset("frame")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(build_suite(spec), result_format=RESULT_FORMAT)
    outcomes = tuple(_outcome(r, None) for r in outcome.results)
    status = "failed" if any(not o.success for o in outcomes) else "passed"
    seconds = round(time.perf_counter() - started, 3)
    return SuiteResult(spec.name, spec.layer, spec.table, status, len(frame), seconds, outcomes)


def _error(info: dict[str, Any]) -> str | None:
    """GX reports one exception as a flat dict, several (one per failed metric) keyed by metric id."""
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return next((m for m in messages if m), None)


def _outcome(result: Any, sampler: Any) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    meta = config.meta or {}
    error = _error(result.exception_info or {})
    details = result.result or {}
    sample: tuple[str, ...] = ()
    if not result.success and error is None:
        if "partial_unexpected_list" in details:
            sample = tuple(str(v) for v in details["partial_unexpected_list"][:SAMPLE_ROWS])
        elif sampler is not None and "unexpected_rows_query" in kwargs:
            sample = sampler(kwargs["unexpected_rows_query"])
    column = (
        kwargs.get("column")
        or kwargs.get("column_A")
        or (",".join(kwargs["column_list"]) if "column_list" in kwargs else None)
    )
    return ExpectationOutcome(
        type=config.type,
        column=column,
        severity=meta.get("severity", "error"),
        why=meta.get("why", ""),
        success=bool(result.success),
        observed=_observed(details, error),
        error=error,
        sample=sample,
    )


def _observed(details: dict[str, Any], error: str | None) -> str:
    if error:
        return f"error: {error.splitlines()[0][:300]}"
    if "unexpected_count" in details:
        percent = details.get("unexpected_percent")
        share = f" ({percent:.2f}%)" if isinstance(percent, int | float) else ""
        return f"{details['unexpected_count']} unexpected of {details.get('element_count')}{share}"
    if "observed_value" in details:
        return str(details["observed_value"])
    return ""


def _sample(con: duckdb.DuckDBPyConnection, unexpected_rows_query: str, batch_query: str) -> tuple[str, ...]:
    """A few of the offending rows of a failed SQL expectation (run only on failure)."""
    sql = unexpected_rows_query.format(batch=f"({batch_query})")
    try:
        cursor = con.execute(f"select * from ({sql}) limit {SAMPLE_ROWS}")
    except duckdb.Error as exc:
        return (f"(sample unavailable: {exc})",)
    names = [d[0] for d in cursor.description]
    return tuple(", ".join(f"{n}={v}" for n, v in zip(names, row, strict=True)) for row in cursor.fetchall())
