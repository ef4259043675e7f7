"""The faults a deployment meets, lived through by the arrival drop after its second delivery.

`live_through_faults` runs, on the incrementally fed arrival deployment:
  1. while a reader (a BI tool) holds the published marts of the first delivery: a `stagewise run` killed while
     it ingests the second delivery, then a run to the end, which publishes the second delivery;
  2. every file re-delivered under a new name, a run forced to rebuild (`--rebuild`: duplicates change nothing) killed
     in dbt, then a run to the end: the build that did not finish is redone although nothing new was loaded;
  3. a run with nothing new: it stops after the load manifest and leaves the published marts untouched.
It records what each step left behind in `seen`; tests/e2e/test_faults.py asserts on it. The kills are
real SIGKILLs of a `stagewise run` child process; every other run is in-process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.pipeline import Deployment, RunOutcome, marts_content, run_stagewise

LAST_INGEST_STEP = "gx_raw__crm__stage_changes"  # the last step before dbt in the progress output
CHATS = "select coalesce(sum(wecom_chat_cnt), 0) from marts.fct_rep_daily_activity"  # 0 until the 2nd delivery


def run_and_kill_after(deployment: Deployment, marker: str, delay: float = 0.0, *options: str) -> str:
    """Start `stagewise run`, wait for `marker` in its progress output, then SIGKILL the whole process group."""
    command = [sys.executable, "-u", "-m", "orchestration.cli", "run", "--extracts", str(deployment.extracts),
               "--warehouse", str(deployment.warehouse), *options]  # fmt: skip
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
            raise AssertionError(f"run ended before {marker!r} appeared:\n{''.join(seen)[-3000:]}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    return "".join(seen)


def _mtime(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


def _scalar(path: Path, sql: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()


def live_through_faults(d: Deployment, runs: list[RunOutcome], seen: dict) -> None:
    """Steps 1-3 above, on a deployment whose first delivery ran and whose second delivery is written."""
    published = _mtime(d.published)
    with duckdb.connect(str(d.published), read_only=True) as reader:  # a BI tool, open all through step 1
        seen["chats_seen_by_reader_before"] = reader.execute(CHATS).fetchone()[0]
        run_and_kill_after(d, "raw__crm__opportunities")
        seen["published_untouched_by_ingest_kill"] = _mtime(d.published) == published
        runs.append(run_stagewise(d, persistent=True))  # must not wait for the reader
        seen["chats_seen_by_reader_after"] = reader.execute(CHATS).fetchone()[0]
    seen["chats_published_after"] = _scalar(d.published, CHATS)[0]
    seen["rerun_after_ingest_kill"] = runs[-1].output
    seen["marts_after_ingest_kill"] = marts_content(d.published)

    originals = [p for source in ("crm", "wecom") for p in (d.extracts / source).rglob("*") if p.is_file()]
    for path in originals:
        shutil.copy(path, path.with_name("zz-redelivered-" + path.name))
    seen["redelivered"] = len(originals)
    published = _mtime(d.published)
    run_and_kill_after(d, LAST_INGEST_STEP, 8.0, "--rebuild")
    seen["published_untouched_by_dbt_kill"] = _mtime(d.published) == published
    runs.append(run_stagewise(d, persistent=True))
    seen["rerun_after_dbt_kill"] = runs[-1].output
    seen["marts_after_dbt_kill"] = marts_content(d.published)
    published = _mtime(d.published)
    runs.append(run_stagewise(d))
    seen["nothing_new_run"] = runs[-1].output
    seen["published_untouched_by_nothing_new"] = _mtime(d.published) == published
    with duckdb.connect(str(d.warehouse), read_only=True) as con:
        seen["redelivered_statuses"] = dict(con.execute(
            "select status, count(*) from raw._load_manifest where file_path like '%zz-redelivered-%' group by 1"
        ).fetchall())  # fmt: skip
        seen["manifest_files"] = con.execute(
            "select count(*), count(distinct file_path) from raw._load_manifest"
        ).fetchone()
