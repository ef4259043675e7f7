"""The failing rows a dbt test kept with `store_failures`, as short lines for the terminal.

dbt reports only a count of failing rows; a test configured with `store_failures: true` also leaves
them in a warehouse table (schema `dbt_test__audit`). `stagewise run` prints them under the failed
check, so a warning says *what* failed (e.g. which as-of dates of the forecast fell back, and why).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

MAX_ROWS = 10


def stored_failure_relations(manifest_path: Path) -> dict[str, tuple[str, str]]:
    """unique_id → (schema, table) of every dbt test that stores its failures.

    Read once, right after this run's `dbt parse`: the shared manifest file may be rewritten by another
    run's parse while this one is still building.
    """
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    return {
        unique_id: (node["schema"], node["alias"])
        for unique_id, node in nodes.items()
        if node["resource_type"] == "test" and node["config"].get("store_failures")
    }


def stored_failure_lines(
    con: duckdb.DuckDBPyConnection, relations: dict[str, tuple[str, str]], unique_id: str, limit: int = MAX_ROWS
) -> list[str]:
    """`column=value, …` for the first `limit` stored failing rows of the test, and a count of the rest."""
    relation = relations.get(unique_id)
    if relation is None:
        return []
    schema, table = relation
    try:
        result = con.execute(f'select * from "{schema}"."{table}"')
    except duckdb.CatalogException:  # the test did not run (e.g. skipped after an upstream failure)
        return []
    columns = [d[0] for d in result.description]
    rows = result.fetchall()
    lines = [", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)) for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more rows in {schema}.{table}")
    return lines
