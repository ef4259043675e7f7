"""The bench's numbers: one run's phases from its progress lines, the machine, and the Markdown table per scale."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

STEP = re.compile(r"^\s+ok\s+(\S+) \(([\d.]+)s\)$", re.MULTILINE)
FORECAST_NODE = "model.stagewise.fct_forecast_opportunities"
PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "dagster-dbt", "polars", "great-expectations")


@dataclass(frozen=True)
class RunResult:
    label: str
    seconds: float
    peak_bytes: int
    phases: dict[str, float] = field(default_factory=dict)

    @classmethod
    def floor(cls, report: dict) -> RunResult:
        return cls("floor", report["seconds"], report["peak_bytes"])

    @classmethod
    def from_output(cls, label: str, report: dict, dbt_nodes: list[dict]) -> RunResult:
        """Seconds per phase: ingest per entity, checks, dbt (the forecast inside it), publish, report, other."""
        steps = {name: float(seconds) for name, seconds in STEP.findall(report["stdout"])}
        phases: dict[str, float] = {}
        for name, seconds in steps.items():
            if name.startswith("raw__") or name == "stage_config":
                key = f"ingest {name.removeprefix('raw__')}"
            elif name.startswith("gx_"):
                key = "checks (Great Expectations)"
            elif name == "dbt_models":
                key = "dbt build (models and tests)"
            elif name == "published__marts":
                key = "publish"
            else:
                key = "report"
            phases[key] = phases.get(key, 0.0) + seconds
        forecast = [n["execution_time"] for n in dbt_nodes if n["unique_id"] == FORECAST_NODE]
        if forecast:
            phases["  of which the forecast model"] = forecast[0]
        phases["other (start-up, orchestration)"] = report["seconds"] - sum(steps.values())
        return cls(label, report["seconds"], report["peak_bytes"], phases)

    @property
    def ingest_seconds(self) -> float:
        return sum(s for k, s in self.phases.items() if k.startswith("ingest "))


def _commit() -> str:
    """The commit measured; "-dirty" when files other than the results themselves differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent,
                              check=True).stdout  # fmt: skip

    try:
        changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
        return git("rev-parse", "--short", "HEAD").strip() + ("-dirty" if set(changed) - {"bench/RESULTS.md"} else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, str]:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")  # fmt: skip
    commit = _commit()
    return {
        "commit": commit,
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "machine": f"{os.cpu_count()} cores, {int(memory) / 2**20:.0f} GiB, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        "versions": ", ".join(f"{name} {version(name)}" for name in PACKAGES),
    }


def _phase_order(phase: str) -> tuple[int, str]:
    order = ("ingest", "checks", "dbt", "  of which", "publish", "report", "other")
    return next(i for i, prefix in enumerate(order) if phase.startswith(prefix)), phase


def _cell(seconds: float, floor: float) -> str:
    return f"{seconds:,.1f} s ({seconds / floor:.2f}×)"


def section(scale: float, facts: dict, runs: list[RunResult], host: dict[str, str]) -> str:
    floor, *pipeline = runs
    lines = [
        f"### Scale {scale:g} — {host['date']}, commit {host['commit']}",
        "",
        f"{host['machine']}; {host['versions']}. Demo written in {facts['generated_seconds']:.0f} s.",
        "",
        "| entity | rows | input bytes |",
        "|---|---:|---:|",
    ]
    lines += [f"| {folder} | {rows:,} | {size:,} |" for folder, (rows, size) in facts["inputs"].items()]
    total_rows = sum(rows for rows, _ in facts["inputs"].values())
    total_bytes = sum(size for _, size in facts["inputs"].values())
    lines += [f"| **total** | **{total_rows:,}** | **{total_bytes:,}** |", ""]
    lines += ["| | " + " | ".join(r.label for r in runs) + " |", "|---|" + "---:|" * len(runs)]
    lines.append("| **wall time** (× floor) | " + " | ".join(_cell(r.seconds, floor.seconds) for r in runs) + " |")
    lines.append("| **peak memory** | " + " | ".join(f"{r.peak_bytes / 2**30:.2f} GiB" for r in runs) + " |")
    full = pipeline[0]
    shares = " | ".join(f"{r.seconds / full.seconds:.0%}" for r in pipeline)
    lines.append(f"| share of the full build | | {shares} |")
    phases = sorted(dict.fromkeys(k for r in pipeline for k in r.phases), key=_phase_order)
    for phase in phases:
        cells = [_cell(r.phases[phase], floor.seconds) if phase in r.phases else "—" for r in pipeline]
        lines.append(f"| {phase} | | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_results(path: Path, scale: float, facts: dict, runs: list[RunResult], host: dict[str, str]) -> str:
    """Put this run's section into `path`: it replaces the section of the same scale and commit, others stay."""
    text = section(scale, facts, runs, host)
    begin, end = f"<!-- bench scale={scale:g} commit={host['commit']} -->", "<!-- end -->"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if begin in old:
        head, rest = old.split(begin, 1)
        old = head + rest.split(end, 1)[1].lstrip("\n")
    marker = "<!-- results -->"
    block = f"{begin}\n{text}{end}\n\n"
    new = old.replace(marker, marker + "\n\n" + block, 1) if marker in old else old + block
    path.write_text(new, encoding="utf-8")
    return text
