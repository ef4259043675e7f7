"""Where stagewise reads and writes: paths from the environment, resolved at run time (no I/O here).

- STAGEWISE_EXTRACTS_DIR (required): the extracts directory (docs/extract-formats.md).
- STAGEWISE_WAREHOUSE (required): the DuckDB warehouse file the pipeline writes.
- STAGEWISE_STAGES (optional): a pipelines.yml overriding `<extracts>/pipelines.yml` and the project default.
- STAGEWISE_SALT (optional, default `stagewise`): salt for hashing mobile numbers.

The published, read-only marts file and the validation report are written beside the warehouse.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ingest.stages import StageConfig, load_stage_config
from storage import WarehouseFiles

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class StagewiseSettings(dg.ConfigurableResource):
    """Paths of one stagewise deployment."""

    extracts_dir: str
    warehouse: str
    stages_file: str = ""  # empty: STAGEWISE_STAGES if set, else <extracts>/pipelines.yml, else the default

    @property
    def extracts_path(self) -> Path:
        return Path(self.extracts_dir).expanduser().resolve()

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse).expanduser().resolve()

    @property
    def files(self) -> WarehouseFiles:
        """The warehouse and the files beside it (published marts, reports, logs)."""
        return WarehouseFiles(self.warehouse_path)

    @property
    def reports_dir(self) -> Path:
        return self.files.reports_dir

    @property
    def stages_path(self) -> Path | None:
        chosen = self.stages_file or os.environ.get("STAGEWISE_STAGES", "")
        return Path(chosen).expanduser().resolve() if chosen else None

    def stage_config(self) -> StageConfig:
        return load_stage_config(self.stages_path, self.extracts_path)


def settings_from_env() -> StagewiseSettings:
    return StagewiseSettings(
        extracts_dir=dg.EnvVar("STAGEWISE_EXTRACTS_DIR"),
        warehouse=dg.EnvVar("STAGEWISE_WAREHOUSE"),
    )
