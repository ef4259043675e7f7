"""One Dagster asset per extract entity (raw layer), plus the validated stage configuration.

The assets are thin: parsing and loading live in `ingest/` and are tested without Dagster. An
entity whose every delivered version is kept (opportunities, users) also materializes its
append-only history table from the same step.
"""

import dagster as dg

from ingest.layout import unknown_delivery_warnings
from ingest.load import ensure_raw_tables, load_entity, write_stage_config
from ingest.schemas import CRM_OPPORTUNITIES, CRM_STAGE_CHANGES, ENTITIES, Entity
from ingest.stages import StageConfigError
from orchestration.settings import StagewiseSettings
from storage import connect

CONFIG_TABLES = {
    "cfg__stages": "One row per pipeline stage in funnel order: names (中文/English), probability, required flags.",
    "cfg__state_lookup": "Every spelling (key, name, name_en, alias, outcome) that names a state, per pipeline.",
}
CONFIG_KEYS = [dg.AssetKey(["raw", name]) for name in CONFIG_TABLES]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", name], description=text, group_name="config", kinds={"duckdb", "yaml"})
        for name, text in CONFIG_TABLES.items()
    ],
    pool="duckdb",
    name="stage_config",
)
def stage_config(context: dg.AssetExecutionContext, settings: StagewiseSettings) -> dg.MaterializeResult:
    """The stage configuration (pipelines.yml), validated before any SQL runs, loaded as data.

    It also warns about every folder or file of the extracts directory that the contract does not know.
    """
    try:
        config = settings.stage_config()
    except StageConfigError as exc:
        raise dg.Failure(description=f"Stage configuration rejected: {exc}") from exc
    with connect(settings.warehouse_path) as con:
        ensure_raw_tables(con, ENTITIES)
        write_stage_config(con, config)
    stages = sum(len(p.stages) for p in config.pipelines)
    context.log.info("stage config %s: %d pipelines, %d stages", config.source, len(config.pipelines), stages)
    unknown = unknown_delivery_warnings(settings.extracts_path)
    for warning in unknown:  # the one step that looks at the whole extracts directory
        context.log.warning("%s", warning)
    metadata = {
        "source": config.source,
        "pipelines": len(config.pipelines),
        "stages": stages,
        "business_timezone": config.business_timezone,
        "reporting_currency": config.reporting_currency,
        "deliveries_not_read": len(unknown),
    }
    for key in CONFIG_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)


def _ingest_asset(entity: Entity) -> dg.AssetsDefinition:
    deps = list(CONFIG_KEYS)
    if entity is CRM_STAGE_CHANGES:  # stage values are matched within the opportunity's pipeline
        deps.append(dg.AssetKey(["raw", CRM_OPPORTUNITIES.name]))
    group = f"raw_{entity.source}"
    specs = [
        dg.AssetSpec(
            ["raw", entity.name],
            deps=deps,
            group_name=group,
            kinds={"polars", "duckdb"},
            description=f"Extract folder `{entity.folder}` upserted by ({', '.join(entity.key)}) into {entity.table}.",
        )
    ]
    if entity.history_name:
        specs.append(
            dg.AssetSpec(
                ["raw", entity.history_name],
                deps=deps,
                group_name=group,
                kinds={"duckdb"},
                description=f"Every accepted row of every `{entity.folder}` file, append-only, with _delivered_at.",
            )
        )

    @dg.multi_asset(specs=specs, pool="duckdb", name=f"raw__{entity.name}")
    def _load(context: dg.AssetExecutionContext, settings: StagewiseSettings):
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
        metadata = {
            "files_new": sum(o.status == "loaded" for o in outcomes),
            "files_duplicate": sum(o.status == "duplicate" for o in outcomes),
            "files_rejected": sum(o.status == "rejected" for o in outcomes),
            "rows_loaded": sum(o.rows_loaded for o in outcomes),
            "rows_rejected": sum(o.rows_rejected for o in outcomes),
            "table_rows": total_rows,
        }
        for spec in specs:
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)

    return _load


ingest_assets = [_ingest_asset(entity) for entity in ENTITIES]
