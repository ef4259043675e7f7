"""`python -m bench`: demo generation, ingest throughput, and a full `stagewise run`, timed.

Numbers depend on the machine (the reference machine has 2 cores); compare runs on the same one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from bench.synthetic import write_messages, write_opportunities
from demo import write_demo
from ingest.load import ensure_raw_tables, load_entity
from ingest.schemas import CRM_OPPORTUNITIES, ENTITIES, WECOM_MESSAGES, Entity
from ingest.stages import load_stage_config


def _timed(label: str, rows: int | None, action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    rate = f"{rows / seconds:>12,.0f} rows/s" if rows else ""
    print(f"{label:<48} {seconds:>8.2f} s {rate}")
    return seconds


def bench_ingest(work: Path, messages: int, opportunities: int) -> None:
    extracts = work / "synthetic"
    write_messages(extracts / "wecom/messages/2026-11-28T0200.jsonl", messages)
    write_opportunities(extracts / "crm/opportunities/2026-11-28T0200.csv", opportunities)
    config = load_stage_config(None, None)
    with duckdb.connect(str(work / "ingest.duckdb")) as con:
        ensure_raw_tables(con, ENTITIES)

        def load(entity: Entity) -> None:
            load_entity(con, extracts, entity, config)

        for entity, rows in ((CRM_OPPORTUNITIES, opportunities), (WECOM_MESSAGES, messages)):
            _timed(f"ingest {entity.name} ({rows:,} rows)", rows, lambda e=entity: load(e))
        _timed("ingest re-run, nothing new (hash only)", None, lambda: load(WECOM_MESSAGES))


def bench_pipeline(work: Path, scale: float) -> None:
    extracts, warehouse = work / "demo", work / "warehouse" / "stagewise.duckdb"
    _timed(f"stagewise demo --scale {scale}", None, lambda: write_demo(extracts, scale=scale))
    command = [sys.executable, "-m", "orchestration.cli", "run", "--extracts", str(extracts),
               "--warehouse", str(warehouse)]  # fmt: skip
    for label in ("stagewise run (first, everything new)", "stagewise run (again, nothing new)"):
        _timed(f"{label}", None, lambda: subprocess.run(command, check=True, capture_output=True))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale for the full-pipeline run")
    parser.add_argument("--messages", type=int, default=1_000_000, help="synthetic archive messages to ingest")
    parser.add_argument("--opportunities", type=int, default=200_000, help="synthetic opportunity rows to ingest")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stagewise-bench-") as tmp:
        bench_ingest(Path(tmp), args.messages, args.opportunities)
        bench_pipeline(Path(tmp), args.scale)


if __name__ == "__main__":
    main()
