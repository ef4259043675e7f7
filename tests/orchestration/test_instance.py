"""Command-line runs are recorded in a persistent instance, and a run killed half-way cannot block the next."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.lib.instance import HOST_TAG, PID_TAG, cli_instance, instance_home, release_dead_runs, run_tags

JOB = "refresh_all"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    run = DagsterRun(job_name=JOB, status=dg.DagsterRunStatus.STARTED, tags=tags)
    instance.add_run(run)
    return run.run_id


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with cli_instance(tmp_path / "warehouse.duckdb") as instance:
        yield instance


def test_without_dagster_home_the_instance_lives_beside_the_warehouse(tmp_path, monkeypatch, instance):
    assert instance.is_persistent
    settings = (tmp_path / ".dagster" / "dagster.yaml").read_text(encoding="utf-8")
    assert "telemetry" in settings and "default_limit: 1" in settings
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert instance_home(tmp_path / "warehouse.duckdb") == tmp_path / "home"


def test_a_dead_run_is_failed_and_its_pool_slot_freed(instance):
    host = socket.gethostname()
    dead = _started_run(instance, {PID_TAG: str(_dead_pid()), HOST_TAG: host})
    alive = _started_run(instance, run_tags())  # this very process: still running
    from_ui = _started_run(instance, {})  # launched by dagster dev: left to its run monitoring
    storage = instance.event_log_storage
    storage.set_concurrency_slots("duckdb", 1)
    assert storage.claim_concurrency_slot("duckdb", dead, "raw__crm__users").is_claimed
    assert not storage.claim_concurrency_slot("duckdb", alive, "raw__crm__leads").is_claimed  # blocked by the dead

    assert release_dead_runs(instance, JOB) == [dead]

    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id(from_ui).status == dg.DagsterRunStatus.STARTED
    assert dead not in storage.get_concurrency_run_ids()
    assert storage.get_concurrency_info("duckdb").claimed_slots == []
    assert storage.claim_concurrency_slot("duckdb", alive, "raw__crm__leads").is_claimed  # the next run proceeds
    assert release_dead_runs(instance, JOB) == []  # nothing left to release
