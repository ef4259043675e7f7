"""The marts of the reference warehouse (a year of demo history through the real pipeline) hold the cases
the transition logic exists for, and enforce their declared constraints. The delivery-by-delivery build is
compared with a build of everything at once by the drop matrix's arrival pair (tests/e2e/)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.pipeline import Deployment

ROOT = Path(__file__).resolve().parents[2]


def test_transitions_come_from_the_log_and_the_snapshots_and_deals_reopen(reference: Deployment) -> None:
    with duckdb.connect(str(reference.warehouse), read_only=True) as con:
        origins = dict(con.sql("select origin, count(*) from marts.fct_stage_transitions group by 1").fetchall())
        reopened = con.sql("select count(*) from marts.fct_opportunities where reopen_count > 0").fetchall()[0][0]
    assert origins.get("log", 0) > 0 and origins.get("snapshot", 0) > 0, origins
    assert reopened > 0


def _declared_not_null() -> set[tuple[str, str]]:
    """(model, column) of every mart column whose yml declares a `not_null` constraint."""
    import yaml

    declared = set()
    for path in (ROOT / "dbt_project" / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            for column in model.get("columns", []):
                if {"type": "not_null"} in column.get("constraints", []):
                    declared.add((model["name"], column["name"]))
    return declared


def test_declared_not_null_columns_are_enforced_by_the_tables(reference: Deployment) -> None:
    """Marts own their not-NULL rule through enforced contracts (no separate test query): the built tables must
    carry the constraint, so a NULL would fail the model's build and stop everything downstream."""
    declared = _declared_not_null()
    assert len(declared) > 100
    with duckdb.connect(str(reference.warehouse), read_only=True) as con:
        nullable = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and is_nullable = 'YES'"
        ).fetchall()
    assert declared & set(nullable) == set()
