"""Where stagewise reads and writes, as one explicit settings object (no I/O here).

`stagewise run` builds it from its arguments; `dagster dev` builds it from the environment
(`settings_from_env`, which only reads):

- STAGEWISE_EXTRACTS_DIR (required): the extracts directory (the raw contract: ingest/schemas.py).
- STAGEWISE_WAREHOUSE (required): the DuckDB warehouse file the pipeline writes.
- STAGEWISE_STAGES (optional): a pipelines.yml overriding `<extracts>/pipelines.yml` and the project default.
- STAGEWISE_SALT (optional, default `stagewise`): salt for hashing mobile numbers (read by dbt_project.yml).
- STAGEWISE_WECOM_WEBHOOK (optional): a WeCom group robot's webhook; the morning summary and failure notices go
  there (`stagewise run` reads it too when its settings name none).
- STAGEWISE_ENGINE (optional, default `duckdb`): `spark` builds the dbt project on Spark (docs/scale-out.md).
- STAGEWISE_REPORT_URL (optional): where managers open the reports folder (a URL), named in the summary;
  empty: the folder's path.

The published, read-only marts file and the validation report are written beside the warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from ingest.stages import StageConfig, StageConfigError, load_stage_config
from storage import WarehouseFiles

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
REQUIRED_ENV = ("STAGEWISE_EXTRACTS_DIR", "STAGEWISE_WAREHOUSE")


class SettingsError(ValueError):
    """The environment does not say where the extracts and the warehouse are."""


class StagewiseSettings(dg.ConfigurableResource):
    """Paths of one stagewise deployment."""

    extracts_dir: str
    warehouse: str
    stages_file: str = ""  # empty: <extracts>/pipelines.yml if present, else the project default
    wecom_webhook: str = ""  # empty: STAGEWISE_WECOM_WEBHOOK, else nothing is posted
    report_url: str = ""  # empty: the reports folder's path
    engine: str = ""  # empty: duckdb; `spark`: dbt builds on Spark (orchestration/lib/engine.py)

    def webhook_url(self) -> str:
        """The WeCom robot to post to: this setting, else STAGEWISE_WECOM_WEBHOOK; empty: none."""
        return self.wecom_webhook or os.environ.get("STAGEWISE_WECOM_WEBHOOK", "")

    def report_location(self, name: str) -> str:
        """Where a manager opens the report file `name`: under report_url when set, else its path."""
        return f"{self.report_url.rstrip('/')}/{name}" if self.report_url else str(self.reports_dir / name)

    @property
    def extracts_path(self) -> Path:
        return Path(self.extracts_dir).expanduser().resolve()

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse).expanduser().resolve()

    @property
    def dbt_engine(self) -> str:
        """The engine dbt builds on: `duckdb` (the default) or `spark`."""
        from orchestration.lib.engine import engine_name

        return engine_name(self.engine)

    @property
    def files(self) -> WarehouseFiles:
        """The warehouse and the files beside it (published marts, reports, logs)."""
        return WarehouseFiles(self.warehouse_path)

    @property
    def reports_dir(self) -> Path:
        return self.files.reports_dir

    @property
    def stages_path(self) -> Path | None:
        return Path(self.stages_file).expanduser().resolve() if self.stages_file else None

    def stage_config(self) -> StageConfig:
        return load_stage_config(self.stages_path, self.extracts_path)

    def business_timezone(self) -> str:
        """The deployment's business time zone; the project default when its configuration cannot be read.

        An unusable pipelines.yml is reported, with its reason, by the stage_config asset of the next run.
        """
        try:
            return self.stage_config().business_timezone
        except StageConfigError:
            return load_stage_config(None, None).business_timezone


def settings_from_env(environ: Mapping[str, str] | None = None) -> StagewiseSettings:
    """The settings `dagster dev` runs with, read (never written) from the environment."""
    env = os.environ if environ is None else environ
    missing = [name for name in REQUIRED_ENV if not env.get(name)]
    if missing:
        raise SettingsError(f"{' and '.join(missing)} not set: set by `make dev` (or export them before `dagster dev`)")
    return StagewiseSettings(
        extracts_dir=env["STAGEWISE_EXTRACTS_DIR"],
        warehouse=env["STAGEWISE_WAREHOUSE"],
        stages_file=env.get("STAGEWISE_STAGES", ""),
        wecom_webhook=env.get("STAGEWISE_WECOM_WEBHOOK", ""),
        report_url=env.get("STAGEWISE_REPORT_URL", ""),
        engine=env.get("STAGEWISE_ENGINE", ""),
    )
