"""The validated stage configuration written as data: raw.cfg__stages, cfg__state_lookup and cfg__settings."""

from __future__ import annotations

import duckdb
import polars as pl

from ingest.stages import StageConfig


def write_stage_config(con: duckdb.DuckDBPyConnection, config: StageConfig) -> None:
    """Replace `raw.cfg__*` with the validated stage configuration, atomically."""
    frames = {
        "raw.cfg__stages": config.stages_frame(),
        "raw.cfg__state_lookup": config.state_lookup(),
        "raw.cfg__settings": pl.DataFrame(
            {
                "business_timezone": [config.business_timezone],
                "reporting_currency": [config.reporting_currency],
                "config_source": [config.source],
            }
        ),
    }
    con.execute("create schema if not exists raw")
    con.begin()
    try:
        for table, frame in frames.items():
            con.register("_cfg", frame)
            con.execute(f"create or replace table {table} as select * from _cfg")
            con.unregister("_cfg")
        con.commit()
    except BaseException:
        con.rollback()
        raise
