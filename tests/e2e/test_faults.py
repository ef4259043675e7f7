"""Faults a real deployment meets: kills mid-run, re-deliveries, readers, hostile config, privacy.

The kills and re-deliveries happen to the arrival drop after its second delivery (tests/e2e/faults.py): its
marts must then equal one uninterrupted run on both deliveries; a reader holds the published marts meanwhile.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.e2e.matrix import on_drop
from tests.pipeline import Deployment, marts_content, run_stagewise

pytestmark = pytest.mark.e2e


@pytest.fixture
def arrival(matrix):  # noqa: ANN001, ANN201
    return matrix["arrival_incremental"], marts_content(matrix["arrival_all_at_once"].deployment.published)


@on_drop("arrival_incremental")
def test_killed_during_ingest_then_rerun_equals_uninterrupted(arrival):
    drop, uninterrupted = arrival
    assert drop.seen["published_untouched_by_ingest_kill"], "a killed run must not publish marts"
    assert "killed half-way: marked failed" in drop.seen["rerun_after_ingest_kill"]
    assert drop.seen["marts_after_ingest_kill"] == uninterrupted


@on_drop("arrival_incremental")
def test_redelivered_files_are_duplicates_and_a_kill_in_dbt_publishes_nothing(arrival):
    drop, uninterrupted = arrival
    assert drop.seen["redelivered_statuses"] == {"duplicate": drop.seen["redelivered"]}
    assert drop.seen["published_untouched_by_dbt_kill"]
    assert drop.seen["marts_after_dbt_kill"] == uninterrupted


@on_drop("arrival_incremental")
def test_a_run_with_nothing_new_to_load_changes_nothing_and_records_no_file_twice(arrival):
    drop, _ = arrival
    assert "FAILED" not in drop.seen["rerun_after_dbt_kill"]  # the rerun after the dbt kill loads nothing new
    assert drop.seen["marts_after_dbt_kill"] == drop.seen["marts_after_ingest_kill"]
    files, distinct = drop.seen["manifest_files"]
    assert files == distinct, "a file was recorded twice: a run re-read files it had already loaded"


@on_drop("arrival_incremental")
def test_a_build_killed_half_way_is_redone_and_then_a_run_with_nothing_new_stops_after_ingest(arrival):
    drop, _ = arrival
    skipped = "Nothing new since the last published build"
    assert skipped not in drop.seen["rerun_after_dbt_kill"]  # the killed build never counted as published
    assert "ok   published__marts" in drop.seen["rerun_after_dbt_kill"]
    assert skipped in drop.seen["nothing_new_run"]
    assert "skip  published__marts" in drop.seen["nothing_new_run"]
    assert "ok   dbt_models" in drop.seen["nothing_new_run"]
    assert drop.seen["published_untouched_by_nothing_new"]


@on_drop("arrival_incremental")
def test_reader_holding_published_marts_neither_blocks_nor_sees_half_state(arrival):
    drop, uninterrupted = arrival
    assert drop.seen["chats_seen_by_reader_before"] == 0  # the first delivery has no WeCom data
    assert drop.seen["chats_seen_by_reader_after"] == 0  # the reader keeps the file it opened, whole
    assert drop.seen["chats_published_after"] == drop.extra["wecom_chat_cnt"] > 0  # the run was not blocked


def test_published_marts_hold_no_mobile_number_and_no_message_text(reference):
    mobiles, texts = set(), set()
    for path in reference.extracts.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".jsonl", ".json"):
            raw = path.read_bytes().decode("utf-8", errors="ignore")
            mobiles.update(m[-11:] for m in re.findall(r"1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}", raw))
            if "messages" in path.parts:
                texts.update(t for t in re.findall(r'"content":\s*"([^"]{6,})"', raw))
    assert mobiles and texts, "the demo extracts should contain mobiles and message texts to look for"
    with duckdb.connect(str(reference.published), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and data_type = 'VARCHAR'"
        ).fetchall()
        values = set()
        for table, column in columns:
            values.update(v for (v,) in con.execute(f'select distinct "{column}" from main."{table}"').fetchall())
    digits = {re.sub(r"\D", "", v) for v in values if v}
    assert not mobiles & digits
    assert not texts & values


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            'pipelines:\n  - key: default\n    stages:\n      - {key: a, name: "x\'; drop table raw.crm__users; --"}\n',
            "not allowed in a name",
        ),
        ("pipelines:\n  - key: default\n    stages:\n      - {key: a}\n      - {key: a}\n", "duplicate stage key"),
        ("pipelines:\n  - key: default\n    colour: red\n    stages:\n      - {key: a}\n", "unknown key"),
    ],
)
def test_hostile_stage_config_is_rejected_before_any_sql(tmp_path: Path, config, expected):
    (tmp_path / "extracts").mkdir()
    stages = tmp_path / "pipelines.yml"
    stages.write_text(config, encoding="utf-8")
    deployment = Deployment.under(tmp_path / "wh", tmp_path / "extracts")
    outcome = run_stagewise(deployment, stages)
    assert outcome.code == 2
    assert str(stages) in outcome.output and expected in outcome.output
    assert not deployment.warehouse.exists()
