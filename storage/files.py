"""Where a stagewise deployment keeps its files: every path is derived here, from the warehouse path, once.

Beside the warehouse the pipeline writes (`<dir>/stagewise.duckdb`, or any name) live:
- `marts.duckdb`: the read-only copy of the marts that BI tools and `stagewise kpi` open;
- `reports/`: the managers' KPI report and the data validation report;
- `logs/`: one log file per `stagewise run`;
- `lake/`: the engine-neutral files: `lake/raw/<table>/` the raw layer as Parquet (storage.lake), and the
  Spark target's tables (its warehouse directory and metastore, docs/scale-out.md);
- `dbt_target/`: dbt's artefacts of this deployment's builds (compiled SQL, run results, and the partial-parse
  state that lets the next build skip re-parsing an unchanged project).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PUBLISHED_NAME = "marts.duckdb"


@dataclass(frozen=True)
class WarehouseFiles:
    """The files of one deployment, named by its warehouse file (no I/O here but `marts_source`)."""

    warehouse: Path

    @property
    def published(self) -> Path:
        """The read-only copy of the marts (replaced atomically after each good run)."""
        return self.warehouse.with_name(PUBLISHED_NAME)

    @property
    def reports_dir(self) -> Path:
        return self.warehouse.parent / "reports"

    @property
    def logs_dir(self) -> Path:
        return self.warehouse.parent / "logs"

    @property
    def lake_dir(self) -> Path:
        return self.warehouse.parent / "lake"

    @property
    def raw_lake_dir(self) -> Path:
        """Schema `raw` as Parquet, one folder per table (storage.lake.export_raw)."""
        return self.lake_dir / "raw"

    @property
    def dbt_target(self) -> Path:
        return self.warehouse.parent / "dbt_target"

    def marts_source(self) -> Path:
        """The file to read the marts from: the published copy once it exists, else the warehouse itself."""
        return self.published if self.published.exists() else self.warehouse
