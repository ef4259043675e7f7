"""Great Expectations, run SQL-side inside DuckDB: load a suite file, validate a table or a frame, return plain results.

Suite files (expectations/<layer>/<table>.json) are GX 1.x suites whose `meta` says what they validate:
`table` (the DuckDB relation), `asset_keys` (the Dagster assets they check) and `batch` (which rows:
`whole_table`, `files_loaded_this_run` or `manifest_rows_this_run`). Every expectation's `meta` carries a
`severity` (`error` blocks downstream, `warning` is recorded) and a one-line `why`.

Reading a spec is plain JSON (cheap, done when Dagster loads definitions); Great Expectations (≈3 s to
import) is imported only when something is validated.

DuckDB through GX needs two workarounds, both confined to this module:
- GX reads metric results after closing its SQLAlchemy connection, which DuckDB does not survive; listing
  `duckdb` among GX's persisted-connection dialects (a private setting, hence the exact GX pin) keeps one
  connection for the validation. We close it and dispose the engine afterwards, or the DuckDB file stays
  locked and the next writer (dbt) fails with "Could not set lock on file".
- Table assets fail on DuckDB reflection, so every batch is a query asset (`select … from <table> …`).
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

Severity = Literal["error", "warning"]
BatchKind = Literal["whole_table", "files_loaded_this_run", "manifest_rows_this_run"]
SEVERITIES: tuple[str, ...] = ("error", "warning")
BATCH_KINDS: tuple[str, ...] = ("whole_table", "files_loaded_this_run", "manifest_rows_this_run")
EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
LAYERS = ("raw", "staging", "marts")
SAMPLE_ROWS = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}


class SuiteFileError(ValueError):
    """A suite file is unusable; the message names the file and the expectation."""


@dataclass(frozen=True)
class SuiteSpec:
    """One suite file, parsed as JSON (no GX import)."""

    path: Path
    name: str
    layer: str
    table: str
    asset_keys: tuple[tuple[str, ...], ...]
    batch: BatchKind
    expectations: tuple[dict[str, Any], ...]
    entity: str | None = None  # the manifest entity, when it is not the asset key's name

    @property
    def check_name(self) -> str:
        return "gx_" + self.table.split(".")[-1].lstrip("_")


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    column: str | None
    severity: Severity
    why: str
    success: bool
    observed: str
    error: str | None = None
    sample: tuple[str, ...] = ()
    skipped: bool = False  # a relation it reads (meta.requires) does not exist yet


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    layer: str
    table: str
    status: Literal["passed", "failed", "skipped"]
    rows: int | None
    seconds: float
    outcomes: tuple[ExpectationOutcome, ...] = ()
    note: str = ""
    asset_key: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def blocking(self) -> bool:
        """True when an error-severity expectation failed: downstream must not run."""
        return any(o.severity == "error" for o in self.failures)


def read_spec(path: Path) -> SuiteSpec:
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data.get("meta") or {}
    where = f"{path}"
    for key in ("table", "asset_keys", "batch"):
        if key not in meta:
            raise SuiteFileError(f"{where}: suite meta lacks `{key}`")
    if meta["batch"] not in BATCH_KINDS:
        raise SuiteFileError(f"{where}: meta.batch {meta['batch']!r} is not one of {BATCH_KINDS}")
    expectations = data.get("expectations") or []
    for i, exp in enumerate(expectations):
        exp_meta = exp.get("meta") or {}
        if exp_meta.get("severity") not in SEVERITIES:
            raise SuiteFileError(f"{where}: expectation {i} ({exp.get('type')}): meta.severity must be error|warning")
        if not str(exp_meta.get("why", "")).strip():
            raise SuiteFileError(f"{where}: expectation {i} ({exp.get('type')}): meta.why is empty")
        query = (exp.get("kwargs") or {}).get("unexpected_rows_query")
        if query is not None and "{batch}" not in query:
            raise SuiteFileError(f"{where}: expectation {i}: unexpected_rows_query must read {{batch}}")
    return SuiteSpec(
        path=path,
        name=data["name"],
        layer=path.parent.name,
        table=meta["table"],
        asset_keys=tuple(tuple(k) for k in meta["asset_keys"]),
        batch=meta["batch"],
        expectations=tuple(expectations),
        entity=meta.get("entity"),
    )


def read_specs(layer: str, root: Path = EXPECTATIONS_DIR) -> list[SuiteSpec]:
    return [read_spec(p) for p in sorted((root / layer).glob("*.json"))]


def _gx() -> Any:
    """Import GX quietly, with analytics off and DuckDB treated as a persisted-connection dialect."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module
    if "duckdb" not in engine_module._PERSISTED_CONNECTION_DIALECTS:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (
            *engine_module._PERSISTED_CONNECTION_DIALECTS,
            _Dialect("duckdb"),
        )
    return gx


class _Dialect(str):
    """GX compares dialect names as strings and reads `.value` from its enum members: be both."""

    @property
    def value(self) -> str:
        return str(self)


def build_suite(spec: SuiteSpec, relations: set[str] | None = None) -> Any:
    """The GX `ExpectationSuite` of a spec; raises if GX rejects any expectation (GX would drop it silently).

    With `relations`, expectations whose `meta.requires` names a relation not among them are left out.
    """
    gx = _gx()
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
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def existing_relations(warehouse: Path) -> set[str]:
    """`schema.name` of every table and view in the warehouse (read-only, connection closed at once)."""
    if not warehouse.exists():
        return set()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


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
    relations = existing_relations(warehouse)
    results: list[SuiteResult] = []
    todo = []
    for spec, query in jobs:
        if spec.table in relations:
            todo.append((spec, query))
        else:
            note = f"table missing: {spec.table} does not exist in {warehouse.name} yet; suite skipped"
            results.append(SuiteResult(spec.name, spec.layer, spec.table, "skipped", None, 0.0, note=note))
    if not todo:
        return results
    gx = _gx()
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
    gx = _gx()
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


def batch_query(spec: SuiteSpec, entity: str | None = None, since: datetime | None = None) -> str:
    """The rows a suite validates. Raw suites see only what `entity` loaded since `since` (the run start)."""
    if spec.batch == "whole_table":
        return f"select * from {spec.table}"
    if entity is None or since is None:
        raise ValueError(f"{spec.name}: batch {spec.batch} needs the entity and the run start")
    if not entity.replace("_", "").isalnum():
        raise ValueError(f"{entity!r} is not an entity name")
    stamp = since.astimezone(UTC).isoformat()
    this_run = f"entity = '{entity}' and loaded_at >= timestamptz '{stamp}'"
    if spec.batch == "manifest_rows_this_run":
        return f"select * from {spec.table} where {this_run}"
    return (
        f"select * from {spec.table} where _source_file in "
        f"(select file_path from raw._load_manifest where {this_run} and status = 'loaded')"
    )
