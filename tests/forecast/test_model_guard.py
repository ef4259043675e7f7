"""The dbt Python model never fails the build: a forecast that breaks as a whole leaves an empty table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import polars as pl

from forecast.predict import OUTPUT_SCHEMA

MODEL = Path(__file__).resolve().parents[2] / "dbt_project/models/marts/forecast/fct_forecast_opportunities.py"


def _model_module():
    spec = importlib.util.spec_from_file_location("fct_forecast_opportunities", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Relation:
    """What dbt hands a Python model for a ref: here, a relation whose columns are not what it should be. It notes
    DuckDB's memory limit at the moment the model reads it."""

    session: duckdb.DuckDBPyConnection | None = None
    limits_seen: list[str] = []

    def pl(self) -> pl.DataFrame:
        _Relation.limits_seen.append(_Relation.session.execute("select current_setting('memory_limit')").fetchone()[0])
        return pl.DataFrame({"unexpected": [1]})


class _Config:
    settings = {"business_timezone": "Asia/Shanghai", "forecast_horizon_days": "90", "duckdb_memory_limit": "2GB"}

    def __call__(self, **_: object) -> None:
        return None

    def get(self, key: str) -> str:
        return self.settings[key]


class _Dbt:
    """dbt's Python-model API surface that the model uses (`dbt.config`, `dbt.ref`)."""

    config = _Config()

    def ref(self, _name: str) -> _Relation:
        return _Relation()


def test_a_forecast_that_fails_as_a_whole_yields_an_empty_table_not_an_error():
    with duckdb.connect(config={"memory_limit": "2GB"}) as session:
        _Relation.session, _Relation.limits_seen = session, []
        table = _model_module().model(_Dbt(), session=session)
        # the model lowered DuckDB's memory limit while it read the history; the build's limit is set again after
        assert _Relation.limits_seen and set(_Relation.limits_seen) == {"488.2 MiB"}
        assert session.execute("select current_setting('memory_limit')").fetchone()[0] == "1.8 GiB"
    assert table.num_rows == 0
    assert table.schema.names == list(OUTPUT_SCHEMA.names())
