"""The per-entity load summary printed by `stagewise run`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.load import load_extracts
from ingest.stages import StageConfig
from reporting.load_summary import load_summary
from tests.ingest.conftest import jsonl, put


def test_summary_counts_files_rows_duplicates_and_top_reasons(
    extracts: Path, con: duckdb.DuckDBPyConnection, config: StageConfig
) -> None:
    put(extracts, "crm/users/2026-11-27.csv", "user_id,active\nu1,1\nu2,maybe\nu3,0\n")
    put(extracts, "crm/users/2026-11-28.csv", "user_id,active\nu1,1\nu2,maybe\nu3,0\n")  # same bytes
    put(extracts, "crm/opportunities/a.csv", "opportunity_id,owner_id,stage,created_at\nO1,u1,报价,2026-11-01\n")
    put(extracts, "crm/opportunities/b.csv", "opportunity_id\nO2\n")
    put(extracts, "wecom/messages/a.jsonl", jsonl({"msgid": "m1", "action": "send", "msgtime": 1}) + "{")
    load_extracts(con, extracts, config, loaded_at=datetime(2026, 11, 28, 2, 0, tzinfo=UTC))

    assert load_summary(con) == "\n".join(
        [
            "Ingest summary (all loads)",
            "entity              files loaded  rows loaded  duplicates skipped  files rejected  rows rejected",
            "------------------  ------------  -----------  ------------------  --------------  -------------",
            "crm__users                     1            2                   1               0              1",
            "crm__opportunities             1            1                   0               1              0",
            "wecom__messages                1            0                   0               0              2",
            "------------------  ------------  -----------  ------------------  --------------  -------------",
            "total                          3            3                   1               1              3",
            "",
            "Files rejected whole (see raw._load_manifest):",
            "  crm/opportunities/b.csv: missing required column(s): owner_id, stage, created_at",
            "",
            "Top reject reasons (rows in raw._rejects; file:line or JSON path):",
            "  1 × crm__users.active: not a boolean (1/0, true/false, 是/否, Y/N) (e.g. crm/users/2026-11-27.csv:3)",
            "  1 × wecom__messages.(record): invalid JSON: Expecting property name enclosed in double quotes"
            " (e.g. wecom/messages/a.jsonl:2)",
            "  1 × wecom__messages.msgtime: not epoch milliseconds (13 digits) (e.g. wecom/messages/a.jsonl:1)",
        ]
    )
    assert load_summary(con, since=datetime(2026, 11, 29, tzinfo=UTC)) == (
        "Ingest summary (since 2026-11-29T00:00:00+00:00): no new files."
    )


def test_summary_on_an_empty_warehouse() -> None:
    assert load_summary(duckdb.connect()) == (
        "Ingest summary (all loads): nothing loaded yet (raw._load_manifest does not exist)."
    )
