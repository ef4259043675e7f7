"""DuckDB's memory limit lowered for a Python step (the forecast model) and given back afterwards."""

from __future__ import annotations

import duckdb
import pytest

from storage.connection import memory_limit_lowered


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_limit_is_lowered_inside_the_block_and_the_configured_one_set_again_even_on_error() -> None:
    with duckdb.connect(config={"memory_limit": "2GB"}) as con:
        with pytest.raises(RuntimeError), memory_limit_lowered(con, "512MB", "2GB"):
            assert _limit(con) == "488.2 MiB"
            raise RuntimeError("the step failed")
        assert _limit(con) == "1.8 GiB"  # 2e9 bytes, as DuckDB shows it (setting "1.8 GiB" would give "1.7 GiB")


def test_a_lower_configured_limit_is_never_raised() -> None:
    with duckdb.connect(config={"memory_limit": "256MB"}) as con:
        with memory_limit_lowered(con, "512MB", "256MB"):
            assert _limit(con) == "244.1 MiB"
        assert _limit(con) == "244.1 MiB"


def test_without_a_configured_limit_duckdb_default_comes_back() -> None:
    with duckdb.connect() as con:
        default = _limit(con)
        with memory_limit_lowered(con, "512MB", ""):
            assert _limit(con) == "488.2 MiB"
        assert _limit(con) == default


def test_an_unknown_size_is_refused() -> None:
    with duckdb.connect() as con, pytest.raises(ValueError, match="not a DuckDB memory size"):
        with memory_limit_lowered(con, "half", "2GB"):
            pass
