"""Dagster entry point: loads everything under `orchestration/defs/` and applies project-wide policy.

Policy lives here, once: the resources built from one explicit settings object, the schedule in the
business time zone of that deployment's stage configuration, and the in-process executor — DuckDB
allows one writing process per file, so steps run one at a time (every asset also sits in the
`duckdb` pool). `stagewise run` calls `build_defs(settings)`; `dagster dev` loads `defs`, which reads
the settings from the environment.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.defs.automation.schedules import daily_refresh
from orchestration.lib.dbt import dbt_resource
from orchestration.lib.instance import sqlite_sync_normal
from orchestration.settings import StagewiseSettings, settings_from_env


def build_defs(settings: StagewiseSettings) -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    policy = dg.Definitions(
        resources={"settings": settings, "dbt": dbt_resource(settings.dbt_engine)},
        schedules=[daily_refresh(settings.business_timezone())],
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(loaded, policy)


@dg.definitions
def defs() -> dg.Definitions:
    sqlite_sync_normal()  # the run workers of `dagster dev` load this module: their event writes, like the CLI's
    return build_defs(settings_from_env())
