"""Stage values must name a stage or an outcome of the opportunity's pipeline; others are rejected, never guessed."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import polars as pl

from ingest.frames import ParsedFile, reject_rows
from ingest.schemas import CRM_OPPORTUNITIES, CRM_STAGE_CHANGES, Entity
from ingest.stages import StageConfig


def check_stages(entity: Entity, parsed: ParsedFile, config: StageConfig, con: duckdb.DuckDBPyConnection) -> ParsedFile:
    if entity is CRM_OPPORTUNITIES:
        return _check_opportunities(parsed, config)
    if entity is CRM_STAGE_CHANGES:
        return _check_stage_changes(parsed, config, con)
    return parsed


def _spelling(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().str.to_lowercase()


def _check_opportunities(parsed: ParsedFile, config: StageConfig) -> ParsedFile:
    rows = parsed.rows
    pipelines = [p.key for p in config.pipelines]
    pipeline = pl.col("pipeline").fill_null("default")
    unknown_pipeline = ~pipeline.is_in(pipelines)
    rows, rejects_p = reject_rows(
        rows,
        rows.select(unknown_pipeline).to_series(),
        "pipeline",
        pl.format("pipeline {} is not in the stage configuration", pipeline),
        CRM_OPPORTUNITIES.key,
    )
    lookup = config.state_lookup().select("pipeline_key", "spelling", pl.lit(True).alias("_known"))
    matched = rows.with_columns(pipeline.alias("_p"), _spelling("stage").alias("_s")).join(
        lookup, left_on=["_p", "_s"], right_on=["pipeline_key", "spelling"], how="left", maintain_order="left"
    )
    bad = (matched["_known"].is_null() & matched["stage"].is_not_null()) | (
        matched["stage"].is_null() & matched["status"].is_null()
    )
    rows, rejects_s = reject_rows(
        rows,
        bad,
        "stage",
        pl.when(pl.col("stage").is_null())
        .then(pl.lit("stage and status both missing"))
        .otherwise(pl.format("stage matches no stage or outcome of pipeline {}", pipeline)),
        CRM_OPPORTUNITIES.key,
    )
    return replace(parsed, rows=rows, rejects=pl.concat([parsed.rejects, rejects_p, rejects_s]))


def _check_stage_changes(parsed: ParsedFile, config: StageConfig, con: duckdb.DuckDBPyConnection) -> ParsedFile:
    """Match against the opportunity's pipeline when it is known, else against any pipeline."""
    rows = parsed.rows
    owners = con.sql(f"select opportunity_id, coalesce(pipeline, 'default') as _p from {CRM_OPPORTUNITIES.table}").pl()
    lookup = config.state_lookup()
    with_pipeline = rows.with_columns(_spelling("stage").alias("_s")).join(
        owners, on="opportunity_id", how="left", maintain_order="left"
    )
    in_pipeline = with_pipeline.join(
        lookup.select("pipeline_key", "spelling", pl.lit(True).alias("_in_pipeline")),
        left_on=["_p", "_s"],
        right_on=["pipeline_key", "spelling"],
        how="left",
        maintain_order="left",
    )
    anywhere = set(lookup["spelling"].to_list())
    known = (
        pl.when(pl.col("_p").is_null())
        .then(pl.col("_s").is_in(list(anywhere)))
        .otherwise(pl.col("_in_pipeline").fill_null(False))
    )
    bad = in_pipeline.select(~known).to_series()
    rows, rejects = reject_rows(
        rows,
        bad,
        "stage",
        pl.lit("stage matches no stage or outcome of the opportunity's pipeline"),
        CRM_STAGE_CHANGES.key,
    )
    return replace(parsed, rows=rows, rejects=pl.concat([parsed.rejects, rejects]))
