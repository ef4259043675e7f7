"""The validation report: a JSON-lines log of every suite result, rendered to `validation.json` and a static HTML page.

Each check appends its results to `<reports_dir>/validation_log.jsonl`, then the JSON and HTML are rewritten from
the log, so the report is current after every layer, even when a later step fails. Newest run on top, failing
suites first, failing expectations first. The page is self-contained: no scripts, no external styles.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from expectations.suites import SuiteResult

LOG_NAME = "validation_log.jsonl"
KEEP_RUNS = 30
_RANK = {"error": 0, "warning": 1, "skipped": 2, "passed": 3}


def suite_state(result: dict[str, Any]) -> str:
    """`error` / `warning` (the worst failed severity), `skipped` or `passed`."""
    failed = [o for o in result["outcomes"] if not o["success"]]
    if any(o["severity"] == "error" for o in failed):
        return "error"
    if failed:
        return "warning"
    return "skipped" if result["status"] == "skipped" else "passed"


def record(reports_dir: Path, run_id: str, run_started: datetime, results: list[SuiteResult]) -> Path:
    """Append results of one check to the log and re-render; return the HTML path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat()
    with (reports_dir / LOG_NAME).open("a", encoding="utf-8") as log:
        for result in results:
            entry = {"run_id": run_id, "run_started": run_started.isoformat(), "recorded_at": now, **asdict(result)}
            log.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    return render(reports_dir)


def load_runs(reports_dir: Path) -> list[dict[str, Any]]:
    """Runs, newest first, each with its suite results ordered failures first."""
    path = reports_dir / LOG_NAME
    runs: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            run = runs.setdefault(entry["run_id"], {"run_id": entry["run_id"], "run_started": entry["run_started"]})
            run.setdefault("suites", []).append(entry)
    ordered = sorted(runs.values(), key=lambda r: r["run_started"], reverse=True)[:KEEP_RUNS]
    for run in ordered:
        for suite in run["suites"]:
            suite["state"] = suite_state(suite)
            suite["outcomes"].sort(key=lambda o: (o["success"], o["severity"] != "error"))
        run["suites"].sort(key=lambda s: (_RANK[s["state"]], s["layer"], s["table"]))
        states = [s["state"] for s in run["suites"]]
        run["counts"] = {state: states.count(state) for state in _RANK}
    return ordered


def failure_lines(reports_dir: Path, run_id: str | None = None) -> list[str]:
    """One line per failed expectation of a run (default: the newest), errors first, for the command line."""
    runs = load_runs(reports_dir)
    run = next((r for r in runs if run_id is None or r["run_id"] == run_id), None)
    if run is None:
        return []
    lines = []
    for suite in run["suites"]:
        if suite["status"] == "skipped":
            lines.append(f"SKIPPED {suite['table']}: {suite['note']}")
        for o in suite["outcomes"]:
            if not o["success"]:
                column = f" [{o['column']}]" if o["column"] else ""
                lines.append(
                    f"{o['severity'].upper():7} {suite['table']} {o['type']}{column}: {o['observed']} — {o['why']}"
                )
    lines.sort(key=lambda line: (not line.startswith("ERROR"), line.startswith("SKIPPED")))
    return lines


def render(reports_dir: Path) -> Path:
    runs = load_runs(reports_dir)
    (reports_dir / "validation.json").write_text(
        json.dumps({"generated_at": datetime.now(UTC).isoformat(), "runs": runs}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    target = reports_dir / "validation.html"
    target.write_text(_page(runs), encoding="utf-8")
    return target


_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h2{margin-top:2em;border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%;margin:.4em 0 1em}
td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}.error{background:#fde2e1}.warning{background:#fff4cc}.skipped{background:#eee}
.passed{background:#e6f4ea}summary{cursor:pointer;padding:3px}code{font-size:12px}.why{color:#555}"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _suite_html(suite: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr class='{('passed' if o['success'] else o['severity']) if not o.get('skipped') else 'skipped'}'>"
        f"<td>{'skipped' if o.get('skipped') else ('ok' if o['success'] else o['severity'])}</td>"
        f"<td><code>{_esc(o['type'])}</code></td><td>{_esc(o['column'])}</td><td>{_esc(o['observed'])}"
        f"{'<br><code>' + '<br>'.join(map(_esc, o['sample'])) + '</code>' if o['sample'] else ''}</td>"
        f"<td class='why'>{_esc(o['why'])}</td></tr>"
        for o in suite["outcomes"]
    )
    failed = sum(not o["success"] for o in suite["outcomes"])
    summary = (
        f"<b>{_esc(suite['state'].upper())}</b> {_esc(suite['table'])} — {failed} failed of "
        f"{len(suite['outcomes'])}, rows {_esc(suite['rows'])}, {suite['seconds']} s {_esc(suite['note'])}"
    )
    table = (
        f"<table><tr><th>result</th><th>expectation</th><th>column</th><th>observed</th><th>why</th></tr>{rows}</table>"
        if rows
        else ""
    )
    opened = " open" if suite["state"] in ("error", "warning") else ""
    return f"<details{opened}><summary class='{suite['state']}'>{summary}</summary>{table}</details>"


def _page(runs: list[dict[str, Any]]) -> str:
    body = []
    for run in runs:
        counts = ", ".join(f"{n} {state}" for state, n in run["counts"].items() if n)
        body.append(f"<h2>Run {_esc(run['run_id'])} — started {_esc(run['run_started'])}</h2><p>{_esc(counts)}</p>")
        body.extend(_suite_html(s) for s in run["suites"])
    content = "".join(body) or "<p>No validation results yet.</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>stagewise validation</title>"
        f"<style>{_CSS}</style></head><body><h1>stagewise data validation</h1>"
        "<p>Great Expectations suites from <code>expectations/</code>. Error failures block downstream assets; "
        f"warnings are recorded.</p>{content}</body></html>\n"
    )
