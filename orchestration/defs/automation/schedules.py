"""When the whole graph refreshes: every morning, and whenever new extract files land.

One job materializes everything (ingest → one dbt build → checks → publish); partial refreshes
are rarely worth it because ingest only reads new files and the large facts are incremental.
The schedule's time zone belongs to the deployment (its pipelines.yml), so `definitions.py`
builds it from the settings with `daily_refresh`.
"""

from pathlib import Path

import dagster as dg

from orchestration.settings import StagewiseSettings

refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Ingest new extract files, build every dbt model, validate, publish the marts.",
)


def daily_refresh(business_timezone: str) -> dg.ScheduleDefinition:
    """06:00 every day in the business time zone of the stage configuration (pipelines.yml)."""
    return dg.ScheduleDefinition(
        name="daily_refresh",
        job=refresh_all,
        cron_schedule="0 6 * * *",
        execution_timezone=business_timezone,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"06:00 business time ({business_timezone}), after the nightly WeCom/CRM extract drop.",
    )


def extract_fingerprint(extracts_dir: Path) -> str:
    """Count and newest modification time of the extract files: changes when a file lands."""
    files = [p for p in extracts_dir.rglob("*") if p.is_file()]
    newest = max((p.stat().st_mtime_ns for p in files), default=0)
    return f"{len(files)}:{newest}"


@dg.sensor(job=refresh_all, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def new_extract_files(
    context: dg.SensorEvaluationContext, settings: StagewiseSettings
) -> dg.SensorResult | dg.SkipReason:
    """Refresh when files are added to the extracts directory (only new files are read by ingest)."""
    extracts = settings.extracts_path
    if not extracts.is_dir():
        return dg.SkipReason(f"extracts directory {str(extracts)!r} is not a directory")
    fingerprint = extract_fingerprint(extracts)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new extract files")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[refresh_all], sensors=[new_extract_files])
