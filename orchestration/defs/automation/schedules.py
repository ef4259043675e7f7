"""When the whole graph refreshes: every morning, and whenever new extract files land.

One job materializes everything (ingest → one dbt build → checks → publish); partial refreshes
are rarely worth it because ingest only reads new files and the large facts are incremental.
"""

import os
from pathlib import Path

import dagster as dg

from ingest.stages import StageConfigError, load_stage_config

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


def configured_business_timezone() -> str:
    """The deployment's business time zone; the project default when its configuration cannot be read.

    Read when the definitions load (not at import). An unusable pipelines.yml is reported, with its
    reason, by the stage_config asset of the next run; the schedule still loads.
    """
    stages = os.environ.get("STAGEWISE_STAGES") or None
    extracts = os.environ.get("STAGEWISE_EXTRACTS_DIR") or None
    try:
        return load_stage_config(
            Path(stages) if stages else None, Path(extracts) if extracts else None
        ).business_timezone
    except StageConfigError:
        return load_stage_config(None, None).business_timezone


def extract_fingerprint(extracts_dir: Path) -> str:
    """Count and newest modification time of the extract files: changes when a file lands."""
    files = [p for p in extracts_dir.rglob("*") if p.is_file()]
    newest = max((p.stat().st_mtime_ns for p in files), default=0)
    return f"{len(files)}:{newest}"


@dg.sensor(job=refresh_all, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def new_extract_files(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Refresh when files are added to STAGEWISE_EXTRACTS_DIR (only new files are read by ingest)."""
    extracts = Path(os.environ.get("STAGEWISE_EXTRACTS_DIR", ""))
    if not extracts.is_dir():
        return dg.SkipReason(f"STAGEWISE_EXTRACTS_DIR {str(extracts)!r} is not a directory")
    fingerprint = extract_fingerprint(extracts)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new extract files")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        jobs=[refresh_all], schedules=[daily_refresh(configured_business_timezone())], sensors=[new_extract_files]
    )
