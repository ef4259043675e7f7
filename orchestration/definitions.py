"""Dagster entry point: loads everything under `orchestration/defs/` and applies project-wide policy.

Policy lives here, once: the resources, and the in-process executor — DuckDB allows one writing
process per file, so steps run one at a time (every asset also sits in the `duckdb` pool).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.lib.dbt import dbt_resource
from orchestration.settings import settings_from_env


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    policy = dg.Definitions(
        resources={"settings": settings_from_env(), "dbt": dbt_resource()},
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(loaded, policy)
