"""The Dagster instance `stagewise run` records its runs in, and the clean-up of runs killed half-way.

With DAGSTER_HOME set, command-line runs go to that instance, like the runs of `dagster dev`, so the UI
shows their history, checks and metadata. Without it, the instance lives beside the warehouse, in
`<warehouse dir>/.dagster/`, configured by `orchestration/dagster.yaml` (the one copy of those settings).

Dagster's SQLite storages run in WAL mode but commit with `synchronous = FULL`: one fsync per event, ~15 ms on
this kind of disk, and a run writes a few thousand events (every dbt model, test and check). `sqlite_sync_normal`
makes Dagster's SQLite connections in this process commit with `synchronous = NORMAL`, SQLite's recommended setting
for WAL: a killed process loses nothing committed, only a power cut can lose the last commits, never consistency.
Dagster also opens and closes a connection per event, and SQLite checkpoints (with an fsync) whenever the last
connection to a WAL database closes: `event_shards_open` keeps one idle connection to the run's event databases
for the run, so that happens once.

A run killed half-way stays STARTED and may keep a `duckdb` pool slot, which would make the next run wait
forever. Every command-line run records its process id and host in tags; the next run marks such a run
failed when its process is gone and frees the slots it held.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import FINISHED_STATUSES, NOT_FINISHED_STATUSES
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

INSTANCE_SETTINGS = Path(__file__).resolve().parents[1] / "dagster.yaml"
PID_TAG = "stagewise/pid"
HOST_TAG = "stagewise/host"


def instance_home(warehouse: Path) -> Path:
    """$DAGSTER_HOME if set, else `.dagster/` beside the warehouse."""
    home = os.environ.get("DAGSTER_HOME")
    return Path(home) if home else warehouse.parent / ".dagster"


def _sync_normal(dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("pragma synchronous = NORMAL")


def sqlite_sync_normal() -> None:
    """Every SQLite connection SQLAlchemy opens in this process from now on commits without an fsync each time
    (idempotent)."""
    if not event.contains(Engine, "connect", _sync_normal):
        event.listen(Engine, "connect", _sync_normal)


@contextmanager
def cli_instance(warehouse: Path) -> Iterator[dg.DagsterInstance]:
    """The persistent instance of `instance_home`, given the project's dagster.yaml if it has none."""
    home = instance_home(warehouse).resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_SETTINGS, home / "dagster.yaml")
    sqlite_sync_normal()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


@contextmanager
def event_shards_open(instance: dg.DagsterInstance, run_id: str) -> Iterator[None]:
    """One idle connection to each SQLite event database the run `run_id` writes (its own and the index), held
    while the run executes; nothing for other storages (the tests' in-memory instance, Postgres)."""
    storage = instance.event_log_storage
    with ExitStack() as held:
        if isinstance(storage, SqliteEventLogStorage):
            for shard in (INDEX_SHARD_NAME, run_id):
                connection = sqlite3.connect(storage.path_for_shard(shard), timeout=30)
                held.callback(connection.close)
                connection.execute("pragma journal_mode = WAL")  # Dagster's own setting, before it creates the file
                connection.execute("select count(*) from sqlite_master").fetchall()  # now it holds the WAL open
        yield


def run_tags() -> dict[str, str]:
    """Tags naming the process that executes a run, so that a later run can tell whether it is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance, job_name: str) -> list[str]:
    """Mark failed the unfinished runs of `job_name` whose process (on this host) is gone; free what they held.

    Also frees the pool slots still held by runs that have finished. Returns the ids of the runs marked failed.
    """
    failed = []
    host = socket.gethostname()
    for record in instance.get_run_records(dg.RunsFilter(job_name=job_name, statuses=NOT_FINISHED_STATUSES)):
        run = record.dagster_run
        pid = run.tags.get(PID_TAG)
        if pid is None or run.tags.get(HOST_TAG) != host or _alive(int(pid)):
            continue  # started elsewhere (the UI, another host) or still running
        instance.report_run_failed(
            run, message=f"process {pid} ended before the run finished (killed?); marked failed by a later run"
        )
        failed.append(run.run_id)
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in storage.get_concurrency_run_ids():
            holder = instance.get_run_by_id(run_id)
            if holder is None or holder.status in FINISHED_STATUSES:  # includes the runs just marked failed
                storage.free_concurrency_slots_for_run(run_id)
    return failed
