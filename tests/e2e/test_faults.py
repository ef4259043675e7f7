"""Faults a real deployment meets: kills mid-run, re-runs, re-deliveries, readers, hostile config, privacy."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Deployment, marts_content, run_pipeline, stagewise

pytestmark = pytest.mark.e2e


def _run_and_kill_after(deployment: Deployment, marker: str, delay: float = 0.0) -> None:
    """Start `stagewise run`, wait for `marker` in its progress output, then SIGKILL the whole process group."""
    command = [sys.executable, "-u", "-m", "orchestration.cli", "run", "--extracts", str(deployment.extracts),
               "--warehouse", str(deployment.warehouse)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)  # fmt: skip
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if marker in line:
                time.sleep(delay)
                break
        else:
            pytest.fail(f"run ended before {marker!r} appeared:\n{''.join(seen)[-3000:]}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


def test_second_run_on_same_extracts_changes_nothing(reference, reference_marts):
    result = run_pipeline(reference)
    assert marts_content(reference.published) == reference_marts
    with duckdb.connect(str(reference.warehouse), read_only=True) as con:
        files, loaded = con.execute("select count(*), count(distinct file_path) from raw._load_manifest").fetchone()
    assert files == loaded, "a file was recorded twice: the second run re-read files it had already loaded"
    assert "FAILED" not in result.stdout


def test_redelivering_every_file_changes_nothing(fresh_copy, reference_marts):
    run_pipeline(fresh_copy)
    originals = [p for source in ("crm", "wecom") for p in (fresh_copy.extracts / source).rglob("*") if p.is_file()]
    for path in originals:
        shutil.copy(path, path.with_name("zz-redelivered-" + path.name))
    run_pipeline(fresh_copy)
    assert marts_content(fresh_copy.published) == reference_marts
    with duckdb.connect(str(fresh_copy.warehouse), read_only=True) as con:
        statuses = dict(con.execute(
            "select status, count(*) from raw._load_manifest where file_path like '%zz-redelivered-%' group by 1"
        ).fetchall())  # fmt: skip
    assert statuses == {"duplicate": len(originals)}


def test_killed_during_ingest_then_rerun_equals_uninterrupted(fresh_copy, reference_marts):
    _run_and_kill_after(fresh_copy, "raw__crm__opportunities")
    assert not fresh_copy.published.exists(), "a killed run must not publish marts"
    run_pipeline(fresh_copy)
    assert marts_content(fresh_copy.published) == reference_marts


def test_killed_during_dbt_then_rerun_equals_uninterrupted(fresh_copy, reference_marts):
    _run_and_kill_after(fresh_copy, "raw__wecom__messages", delay=12.0)  # the last ingest step, then dbt
    run_pipeline(fresh_copy)
    assert marts_content(fresh_copy.published) == reference_marts


def test_reader_holding_published_marts_neither_blocks_nor_sees_half_state(fresh_copy):
    run_pipeline(fresh_copy)
    with duckdb.connect(str(fresh_copy.published), read_only=True) as reader:
        before = reader.execute("select count(*) from marts.fct_opportunities").fetchone()[0]
        late = fresh_copy.extracts / "crm" / "opportunities" / "2026-11-28T0300.csv"
        late.write_text(
            "opportunity_id,name,owner_id,stage,status,amount,created_at\n"
            "late-opp-1,Late deal,{owner},prospecting,open,1000,2026-11-20 10:00\n".format(
                owner=reader.execute("select owner_id from marts.fct_opportunities limit 1").fetchone()[0]
            ),
            encoding="utf-8",
        )
        run_pipeline(fresh_copy)  # must not be blocked by this open reader
        assert reader.execute("select count(*) from marts.fct_opportunities").fetchone()[0] == before
    with duckdb.connect(str(fresh_copy.published), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_opportunities").fetchone()[0] == before + 1


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
def test_hostile_stage_config_is_rejected_before_any_sql(tmp_path: Path, demo_extracts: Path, config, expected):
    stages = tmp_path / "pipelines.yml"
    stages.write_text(config, encoding="utf-8")
    warehouse = tmp_path / "wh" / "stagewise.duckdb"
    result = stagewise("run", "--extracts", demo_extracts, "--warehouse", warehouse, "--stages", stages)
    assert result.returncode == 2
    assert str(stages) in result.stderr and expected in result.stderr
    assert not warehouse.exists()
