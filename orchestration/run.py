"""`stagewise run`: materialize the whole asset graph in-process, with progress, and explain a failure.

The run is recorded in the same Dagster instance as the UI's runs (see `orchestration.lib.instance`).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import dagster as dg
from dagster._core.utils import make_new_run_id

from ingest.stages import StageConfigError, load_stage_config
from orchestration.lib.instance import cli_instance, event_shards_open, release_dead_runs, run_tags
from orchestration.settings import StagewiseSettings
from storage import WarehouseFiles


def _failure_reasons(result: dg.ExecuteInProcessResult) -> list[str]:
    reasons = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data and event.step_failure_data.error:
            message = event.step_failure_data.error.message.strip().splitlines()[0]
            reasons.append(f"step {event.step_key} failed: {message}")
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and (evaluation.severity is None or evaluation.severity.value == "ERROR"):
            reasons.append(f"blocking check {evaluation.asset_check_key.to_user_string()} failed")
    return reasons


def _failed_expectations(
    result: dg.ExecuteInProcessResult, warehouse: Path, failure_tables: dict[str, tuple[str, str]]
) -> list[str]:
    from orchestration.lib.dbt_failures import stored_failure_lines
    from storage import connect

    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.check_name.startswith("gx_"):  # GX details come from the report
            continue
        failed = evaluation.metadata.get("failed_expectations")
        failed_rows = evaluation.metadata.get("dagster_dbt/failed_row_count")  # a dbt test: how many rows
        detail = f": {failed.value}" if failed is not None else ""
        detail = f": {failed_rows.value:,} rows" if failed_rows is not None and not detail else detail
        severity = evaluation.severity.value.lower() if evaluation.severity else "error"
        lines.append(f"  [{severity}] {evaluation.asset_check_key.to_user_string()}{detail}")
        unique_id = evaluation.metadata.get("unique_id")  # a dbt test: its stored failing rows, if it keeps them
        if unique_id is not None and warehouse.exists():
            with connect(warehouse, read_only=True) as con:
                rows = stored_failure_lines(con, failure_tables, str(unique_id.value))
            lines.extend(f"      {row}" for row in rows)
    return lines


def run_pipeline(
    extracts: Path,
    warehouse: Path,
    stages: Path | None = None,
    full_refresh: bool = False,
    out: TextIO | None = None,
    rebuild: bool = False,
    instance: dg.DagsterInstance | None = None,
    engine: str = "",
) -> int:
    """Materialize everything from `extracts` into `warehouse`; progress and summary go to `out` (stdout).

    The run is recorded in `instance`, by default the one of `orchestration.lib.instance.cli_instance`. When nothing
    changed since the last published build (no new file loaded, same stage configuration and project) the run
    stops after the load manifest and its raw checks, unless `rebuild` or `full_refresh`.
    Nothing is kept between calls: each call builds its definitions from its own settings.
    """
    out = out or sys.stdout
    extracts, warehouse = extracts.resolve(), warehouse.resolve()
    if not extracts.is_dir():
        print(f"stagewise run: extracts directory {extracts} does not exist.", file=sys.stderr)
        return 2
    try:
        load_stage_config(stages.resolve() if stages else None, extracts)  # before any SQL runs
    except StageConfigError as exc:
        print(f"stagewise run: stage configuration rejected, nothing was run. {exc}", file=sys.stderr)
        return 2
    settings = StagewiseSettings(
        extracts_dir=str(extracts),
        warehouse=str(warehouse),
        stages_file=str(stages.resolve()) if stages else "",
        engine=engine,  # empty: duckdb (orchestration/lib/engine.py)
    )
    with contextlib.ExitStack() as stack:
        if instance is None:
            instance = stack.enter_context(cli_instance(warehouse))
        return _execute(settings, {"full_refresh": full_refresh, "rebuild": rebuild}, out, instance)


def _execute(settings: StagewiseSettings, build: dict[str, bool], out: TextIO, instance: dg.DagsterInstance) -> int:
    from orchestration.definitions import build_defs
    from orchestration.defs.automation.schedules import refresh_all
    from orchestration.lib.dbt import DBT_PROJECT, prepare_manifest
    from orchestration.lib.dbt_failures import stored_failure_relations
    from orchestration.lib.progress import progress_logger

    extracts, warehouse = settings.extracts_path, settings.warehouse_path
    print(f"stagewise run: {extracts} -> {warehouse}", file=out)
    for run_id in release_dead_runs(instance, refresh_all.name):
        print(f"  an earlier run ({run_id}) was killed half-way: marked failed, its pool slots freed", file=out)
    started = time.monotonic()
    started_at = datetime.now(UTC)
    log_dir = WarehouseFiles(warehouse).logs_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        try:
            prepare_manifest()
            failure_tables = stored_failure_relations(DBT_PROJECT.manifest_path)
            job = build_defs(settings).resolve_job_def(refresh_all.name)
            job = job.with_logger_defs({"console": progress_logger(out)})
        except Exception as exc:  # noqa: BLE001 - any load failure ends the run with its reason
            log.write(traceback.format_exc())
            first = str(exc).strip().splitlines()
            reason = " ".join(line.strip() for line in first[-3:]) if first else type(exc).__name__
            print(
                f"stagewise run FAILED before any step ran: the pipeline definitions could not be loaded "
                f"({type(exc).__name__}: {reason}). Full log: {log_path}",
                file=out,
            )
            _notify_failure(settings, [], log_path, out)
            return 1
        run_config = {
            "ops": {"dbt_models": {"config": build}},
            "loggers": {"console": {}},  # only the concise progress logger on the terminal
        }
        run_id = make_new_run_id()
        with _plan_notes_to(log), event_shards_open(instance, run_id):
            result = job.execute_in_process(
                run_config=run_config, instance=instance, tags=run_tags(), raise_on_error=False, run_id=run_id
            )
    try:
        _print_summary(result, extracts, warehouse, started_at, failure_tables, out)
    except Exception as exc:  # noqa: BLE001 - the summary only reports: the run's outcome stands without it
        # e.g. a dbt child still finishing after a failure holds the warehouse lock
        print(f"(summary skipped: {type(exc).__name__}: {exc})", file=out)
    elapsed = time.monotonic() - started
    reasons = _failure_reasons(result)
    if reasons:
        print(
            f"\nstagewise run FAILED after {elapsed:.0f}s: " + "; ".join(reasons) + ". Nothing downstream of the "
            f"failure was built and the published marts were left as they were. Full log: {log_path}",
            file=out,
        )
        _notify_failure(settings, reasons, log_path, out)
        return 1
    if not _built_models(result):
        print(
            "\nNothing new since the last published build: dbt, its checks, publishing and the report were "
            "skipped; the published marts are those of that build (`--rebuild` builds anyway).",
            file=out,
        )
    print(f"\nstagewise run finished in {elapsed:.0f}s. Full log: {log_path}", file=out)
    return 0


@contextlib.contextmanager
def _plan_notes_to(log: TextIO):
    """Dagster's execution plan notes (e.g. that a skipped build's checks gave no result) go to the run log, not
    to the terminal: the progress lines already say which steps were skipped."""
    plan_logger = logging.getLogger("dagster._core.execution.plan.active")
    handler = logging.StreamHandler(log)
    plan_logger.addHandler(handler)
    try:
        yield
    finally:
        plan_logger.removeHandler(handler)


def _built_models(result: dg.ExecuteInProcessResult) -> bool:
    return any(event.asset_key.path[0] == "marts" for event in result.get_asset_materialization_events())


def _notify_failure(settings: StagewiseSettings, reasons: list[str], log_path: Path, out: TextIO) -> None:
    """A short failure notice to the WeCom group robot, when one is configured (reporting.wecom; never raises)."""
    if settings.webhook_url():
        from reporting.wecom import push_failure

        result = push_failure(settings.webhook_url(), reasons, str(log_path), f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        if not result.ok:
            print(f"(WeCom failure notice not posted: {result.error})", file=out)


def _print_summary(
    result: dg.ExecuteInProcessResult,
    extracts: Path,
    warehouse: Path,
    started_at: datetime,
    failure_tables: dict[str, tuple[str, str]],
    out: TextIO,
) -> None:
    from expectations.report import failure_lines
    from reporting.html import report_name
    from reporting.load_summary import load_summary
    from reporting.terminal import headline
    from storage import connect

    files = WarehouseFiles(warehouse)
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            print("\n" + load_summary(con, since=started_at, extracts_dir=extracts), file=out)
    failed = _failed_expectations(result, warehouse, failure_tables) + failure_lines(files.reports_dir)
    if failed:
        print("\nFailed checks and expectations (report: reports/validation.html):", file=out)
        print("\n".join(failed), file=out)
    if files.published.exists():
        with connect(files.published, read_only=True) as con:
            print("\n" + headline(con), file=out)
    print(f"\nWarehouse: {warehouse}\nPublished marts (read-only, for BI): {files.published}", file=out)
    report = files.reports_dir / report_name()
    print(f"KPI report: {report}" if report.exists() else f"Reports: {files.reports_dir}", file=out)
