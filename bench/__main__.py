"""`make bench SCALE=N` (`python -m bench --scale N`): the demo at scale N, then four timed runs in one go.

1. the floor: DuckDB reads every extract file once, fully parsed, into memory (bench/floor.py);
2. a full build: `stagewise run` on a new warehouse, every delivery but the last day's;
3. one more day: the last day's delivery arrives (the demo writes it as a daily file), `stagewise run` again;
4. nothing new: `stagewise run` once more.
Each run is a child process (bench/measure.py reports its wall time and peak memory); the seconds per phase come
from the run's own progress lines and dbt's run results. The table goes to stdout and into bench/RESULTS.md
(the section of this scale and commit is replaced, the others kept). Numbers depend on the machine: compare
runs made on the same one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.report import RunResult, machine, write_results
from demo import delivery_stem, write_demo

END = date(2026, 11, 28)  # the day held back and delivered as "one more day"
RESULTS = Path(__file__).with_name("RESULTS.md")


def _measure(command: list[str]) -> dict:
    wrapped = [sys.executable, "-m", "bench.measure", "--", *command]
    report = json.loads(subprocess.run(wrapped, capture_output=True, text=True, check=True).stdout)
    if report["code"] != 0:
        output = report["stdout"][-3000:] + report["stderr"]
        raise SystemExit(f"{' '.join(command)} failed ({report['code']}):\n{output}")
    return report


def _run(label: str, extracts: Path, warehouse: Path) -> RunResult:
    command = [sys.executable, "-m", "orchestration.cli", "run", "--extracts", str(extracts),
               "--warehouse", str(warehouse)]  # fmt: skip
    started = time.time()
    report = _measure(command)
    results = warehouse.parent / "dbt_target" / "run_results.json"
    built = results.exists() and results.stat().st_mtime >= started  # a run with nothing new builds nothing
    nodes = json.loads(results.read_text(encoding="utf-8"))["results"] if built else []
    result = RunResult.from_output(label, report, nodes)
    print(f"{label:<14} {result.seconds:8.1f} s  peak {result.peak_bytes / 2**30:5.2f} GiB", flush=True)
    return result


def _hold_back(extracts: Path, stem: str, into: Path) -> list[Path]:
    """Move the files of the delivery named `stem` out of `extracts` (keeping their relative paths)."""
    moved = []
    for path in sorted(extracts.rglob(f"{stem}*")):
        target = into / path.relative_to(extracts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved.append(target)
    return moved


def bench(scale: float, work: Path) -> tuple[dict, list[RunResult]]:
    extracts, held, warehouse = work / "extracts", work / "next_day", work / "warehouse" / "stagewise.duckdb"
    started = time.perf_counter()
    counts = write_demo(extracts, scale=scale, end_date=END, daily_days=1)
    generated = time.perf_counter() - started
    print(f"demo at scale {scale:g} written in {generated:.1f} s", flush=True)
    inputs = {
        folder: (rows, sum(p.stat().st_size for p in (extracts / folder).rglob("*") if p.is_file()))
        for folder, rows in sorted(counts.items())
    }
    _hold_back(extracts, delivery_stem(END), held)
    floor = _measure([sys.executable, "-m", "bench.floor", str(extracts)])
    runs = [RunResult.floor(floor)]
    print(f"{'floor':<14} {runs[0].seconds:8.1f} s  peak {runs[0].peak_bytes / 2**30:5.2f} GiB", flush=True)
    runs.append(_run("full build", extracts, warehouse))
    shutil.copytree(held, extracts, dirs_exist_ok=True)
    runs.append(_run("one more day", extracts, warehouse))
    runs.append(_run("nothing new", extracts, warehouse))
    return {"inputs": inputs, "generated_seconds": generated}, runs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale (1 ≈ 130k messages, 80 ≈ 10M)")
    parser.add_argument("--work", type=Path, help="directory for the extracts and warehouse (default: a temporary one)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the Markdown file to update")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stagewise-bench-") as tmp:
        work = args.work or Path(tmp)
        facts, runs = bench(args.scale, work)
    section = write_results(args.results, args.scale, facts, runs, machine())
    print(section)


if __name__ == "__main__":
    main()
