"""One Dagster asset per extract entity (raw layer), plus the validated stage configuration.

The assets are thin: parsing and loading live in `ingest/` and are tested without Dagster.
"""

import dagster as dg

from ingest.load import ensure_raw_tables, load_entity, write_stage_config
from ingest.schemas import CRM_OPPORTUNITIES, CRM_STAGE_CHANGES, ENTITIES, Entity
from ingest.stages import StageConfigError
from orchestration.lib.warehouse import connect
from orchestration.settings import StagewiseSettings

STAGE_CONFIG_KEY = dg.AssetKey(["raw", "stage_config"])


@dg.asset(
    key=STAGE_CONFIG_KEY,
    group_name="config",
    kinds={"duckdb", "yaml"},
    pool="duckdb",
    description="The validated stage configuration (pipelines.yml) as raw.cfg__stages and raw.cfg__state_lookup.",
)
def stage_config(context: dg.AssetExecutionContext, settings: StagewiseSettings) -> dg.MaterializeResult:
    try:
        config = settings.stage_config()  # validated before any SQL runs
    except StageConfigError as exc:
        raise dg.Failure(description=f"Stage configuration rejected: {exc}") from exc
    with connect(settings.warehouse_path) as con:
        ensure_raw_tables(con, ENTITIES)
        write_stage_config(con, config)
    stages = sum(len(p.stages) for p in config.pipelines)
    context.log.info("stage config %s: %d pipelines, %d stages", config.source, len(config.pipelines), stages)
    return dg.MaterializeResult(
        metadata={"source": config.source, "pipelines": len(config.pipelines), "stages": stages}
    )


def _ingest_asset(entity: Entity) -> dg.AssetsDefinition:
    deps = [STAGE_CONFIG_KEY]
    if entity is CRM_STAGE_CHANGES:  # stage values are matched within the opportunity's pipeline
        deps.append(dg.AssetKey(["raw", CRM_OPPORTUNITIES.name]))

    @dg.asset(
        key=["raw", entity.name],
        deps=deps,
        group_name=f"raw_{entity.source}",
        kinds={"polars", "duckdb"},
        pool="duckdb",
        description=f"Extract folder `{entity.folder}` upserted by ({', '.join(entity.key)}) into {entity.table}.",
    )
    def _load(context: dg.AssetExecutionContext, settings: StagewiseSettings) -> dg.MaterializeResult:
        config = settings.stage_config()
        with connect(settings.warehouse_path) as con:
            ensure_raw_tables(con, ENTITIES)
            outcomes = load_entity(con, settings.extracts_path, entity, config)
            total_rows = con.execute(f"select count(*) from {entity.table}").fetchone()[0]
        for outcome in outcomes:
            if outcome.status == "rejected" or outcome.rows_rejected:
                context.log.warning(
                    "%s: %s, %d rows rejected (%s) — see raw._rejects / raw._load_manifest",
                    outcome.file_path,
                    outcome.status,
                    outcome.rows_rejected,
                    outcome.reason or "row rules",
                )
        if entity.required_folder and total_rows == 0:
            raise dg.Failure(
                description=f"No {entity.folder} data could be read from {settings.extracts_path}: "
                f"the folder is missing, empty, or every file was rejected (see raw._load_manifest)."
            )
        return dg.MaterializeResult(
            metadata={
                "files_new": sum(o.status == "loaded" for o in outcomes),
                "files_duplicate": sum(o.status == "duplicate" for o in outcomes),
                "files_rejected": sum(o.status == "rejected" for o in outcomes),
                "rows_loaded": sum(o.rows_loaded for o in outcomes),
                "rows_rejected": sum(o.rows_rejected for o in outcomes),
                "table_rows": total_rows,
            }
        )

    return _load


ingest_assets = [_ingest_asset(entity) for entity in ENTITIES]
