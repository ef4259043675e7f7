"""Asset checks built from the suite files: one op per raw asset, one op per dbt layer.

Raw: each ingest asset gets a multi-asset check (one op) with one blocking check per suite that targets it:
its entity suite, the load-manifest suite and, for opportunities, the snapshot suite. They validate only the
rows of files loaded in this run (see docs/data-quality.md). Staging and marts: one op per layer validates every
suite of the layer in DuckDB after `dbt build`. Severity comes from the failed expectations' meta: an `error`
failure makes the check fail with ERROR severity, which Dagster turns into a blocked downstream (dbt after raw,
`published/marts` after marts); `warning` failures are recorded with WARN severity. The marts op also depends on
the staging models, so it waits for the staging checks and is skipped, with everything after it, when they fail.
A suite whose table does not exist yet is skipped with a "table missing" warning, never failed.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg

from expectations import report as validation_report
from expectations import runner, suites
from expectations.suites import SuiteResult, SuiteSpec
from orchestration.settings import StagewiseSettings


def _run_started(context: dg.AssetCheckExecutionContext) -> datetime:
    record = context.instance.get_run_record_by_id(context.run.run_id)
    if record is not None and record.start_time:
        return datetime.fromtimestamp(record.start_time, UTC)
    if record is not None and record.create_timestamp:
        return record.create_timestamp.astimezone(UTC)
    return datetime.now(UTC)


def check_result(spec: SuiteSpec, key: dg.AssetKey, result: SuiteResult, report: str) -> dg.AssetCheckResult:
    failures = result.failures
    severity = dg.AssetCheckSeverity.ERROR if result.blocking else dg.AssetCheckSeverity.WARN
    failed = [
        {"type": o.type, "column": o.column, "severity": o.severity, "observed": o.observed, "why": o.why,
         "sample": list(o.sample)}
        for o in failures
    ]  # fmt: skip
    metadata = {
        "table": result.table,
        "status": result.status,
        "rows_validated": dg.MetadataValue.int(result.rows) if result.rows is not None else "n/a",
        "expectations": len(result.outcomes),
        "failed": len(failures),
        "seconds": dg.MetadataValue.float(result.seconds),
        "failed_expectations": dg.MetadataValue.json(failed),
        "report": dg.MetadataValue.path(report),
    }
    if result.note:
        metadata["note"] = result.note
    return dg.AssetCheckResult(
        check_name=spec.check_name,
        asset_key=key,
        passed=not failures,
        severity=severity,
        metadata=metadata,
        description=result.note or None,
    )


def _emit(
    context: dg.AssetCheckExecutionContext,
    settings: StagewiseSettings,
    jobs: list[tuple[SuiteSpec, dg.AssetKey, str]],
) -> Iterator[dg.AssetCheckResult]:
    results = runner.validate_sql(settings.warehouse_path, [(spec, query) for spec, _, query in jobs])
    by_name = {r.suite: r for r in results}
    ordered = [by_name[spec.name] for spec, _, _ in jobs]
    report = validation_report.record(settings.reports_dir, context.run.run_id, _run_started(context), ordered)
    for (spec, key, _), result in zip(jobs, ordered, strict=True):
        if result.status == "skipped":
            context.log.warning(f"{spec.check_name} on {key.to_user_string()} skipped: {result.note}")
            continue
        for failure in result.failures:
            context.log.warning(f"{spec.table}: {failure.severity} {failure.type} {failure.observed} — {failure.why}")
        yield check_result(spec, key, result, str(report))


def _spec(spec: SuiteSpec, key: dg.AssetKey, deps: list[dg.AssetKey] | None = None) -> dg.AssetCheckSpec:
    why = "; ".join(sorted({e["meta"]["why"] for e in spec.expectations if e["meta"]["severity"] == "error"})[:3])
    return dg.AssetCheckSpec(
        spec.check_name,
        asset=key,
        blocking=True,
        additional_deps=deps or [],
        description=f"GX suite {spec.path.name} ({len(spec.expectations)} expectations; batch: {spec.batch}). {why}",
    )


def raw_checks(specs: list[SuiteSpec]) -> list[dg.AssetChecksDefinition]:
    by_key: dict[dg.AssetKey, list[SuiteSpec]] = defaultdict(list)
    for spec in specs:
        for key in spec.asset_keys:
            by_key[dg.AssetKey(list(key))].append(spec)
    return [_raw_check(key, key_specs) for key, key_specs in sorted(by_key.items())]


def _raw_check(key: dg.AssetKey, specs: list[SuiteSpec]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=f"gx_{'__'.join(key.path)}", specs=[_spec(s, key) for s in specs], can_subset=True, pool="duckdb"
    )
    def _check(context: dg.AssetCheckExecutionContext, settings: StagewiseSettings) -> Iterator[dg.AssetCheckResult]:
        since = _run_started(context)
        selected = {c.name for c in context.selected_asset_check_keys}
        jobs = [
            (s, key, suites.batch_query(s, s.entity or key.path[-1], since)) for s in specs if s.check_name in selected
        ]
        yield from _emit(context, settings, jobs)

    return _check


def layer_check(
    layer: str, specs: list[SuiteSpec], wait_for: list[dg.AssetKey] | None = None
) -> dg.AssetChecksDefinition:
    """One op validating every suite of a dbt layer; `wait_for` adds asset deps (and so their blocking checks)."""
    pairs = [(s, dg.AssetKey(list(k))) for s in specs for k in s.asset_keys]
    check_specs = [_spec(s, key, wait_for) for s, key in pairs]

    @dg.multi_asset_check(name=f"gx_{layer}", specs=check_specs, can_subset=True, pool="duckdb")
    def _check(context: dg.AssetCheckExecutionContext, settings: StagewiseSettings) -> Iterator[dg.AssetCheckResult]:
        selected = set(context.selected_asset_check_keys)
        jobs = [(s, key, suites.batch_query(s)) for s, key in pairs if dg.AssetCheckKey(key, s.check_name) in selected]
        yield from _emit(context, settings, jobs)

    return _check


RAW_SPECS = suites.read_specs("raw")
STAGING_SPECS = suites.read_specs("staging")
MARTS_SPECS = suites.read_specs("marts")

raw_asset_checks = raw_checks(RAW_SPECS)
staging_asset_checks = layer_check("staging", STAGING_SPECS)
marts_asset_checks = layer_check(
    "marts", MARTS_SPECS, wait_for=[dg.AssetKey(list(k)) for s in STAGING_SPECS for k in s.asset_keys]
)
