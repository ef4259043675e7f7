"""Every SQL example of docs/bi.md runs on a built warehouse's published marts and returns rows."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

BI_DOC = Path(__file__).resolve().parents[2] / "docs" / "bi.md"


def sql_examples() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", BI_DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_its_examples() -> None:
    assert len(sql_examples()) >= 8


@pytest.fixture(scope="module")
def published(reference):
    con = duckdb.connect(str(reference.published), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("index", range(len(sql_examples())))
def test_sql_example_runs(published: duckdb.DuckDBPyConnection, index: int) -> None:
    sql = sql_examples()[index]
    rows = published.execute(sql).fetchall()
    assert rows, f"docs/bi.md SQL example {index + 1} returned no rows:\n{sql}"
