"""The dbt project as Dagster sees it, and how its manifest gets prepared."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from ingest.stages import StageConfig
from orchestration.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """dagster-dbt does not install dbt: use the one beside this interpreter (the project's venv)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())


def prepare_manifest() -> Path:
    """Run `dbt parse` so that the definitions can load outside `dagster dev` (CLI, tests, CI)."""
    dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()
    return DBT_PROJECT.manifest_path


def dbt_vars(config: StageConfig) -> dict[str, str]:
    """The settings of pipelines.yml that dbt models read as vars (dbt_project.yml holds the same defaults)."""
    return {"business_timezone": config.business_timezone, "reporting_currency": config.reporting_currency}


def profile_vars(warehouse: Path) -> dict[str, str]:
    """The vars profiles.yml reads: the warehouse file dbt builds into (passed explicitly, never via os.environ)."""
    return {"stagewise_warehouse": str(warehouse)}
