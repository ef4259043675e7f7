"""`stagewise kpi` and `stagewise report` read the published marts through reporting/ and storage/ only: no Dagster,
no orchestration.lib."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.reporting.tiny_marts import build_marts

PROBE = """
import json, sys
from orchestration.cli import main
codes = [main(["kpi", "--warehouse", sys.argv[1]]),
         main(["report", "--warehouse", sys.argv[1], "--lang", "en", "--month", "2026-09"])]
heavy = ("dagster", "dagster_dbt", "dbt", "great_expectations")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith("orchestration.lib"))
print(json.dumps({"codes": codes, "loaded": loaded}))
"""


def test_kpi_and_report_read_the_marts_without_importing_dagster(tmp_path):
    build_marts(tmp_path / "marts.duckdb")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "stagewise.duckdb")], capture_output=True, text=True, check=True
    )
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == {"codes": [0, 0], "loaded": []}
    assert lines[0] == "Headline KPIs for 2026-10 (company):"  # read from marts.duckdb beside the warehouse
    report = tmp_path / "reports" / "kpi_report.en.html"
    assert lines[-2] == f"Report: {report}"
    page = report.read_text(encoding="utf-8")
    assert "<title>Sales KPI report — 2026-09</title>" in page and '<html lang="en">' in page
    assert not (tmp_path / "reports" / "kpi_report.html").exists()


def test_kpi_names_the_report_once_there_is_one(tmp_path, capsys):
    from orchestration.cli import main

    build_marts(tmp_path / "marts.duckdb")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "kpi_report.html").write_text("page", encoding="utf-8")
    assert main(["kpi", "--warehouse", str(tmp_path / "stagewise.duckdb")]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"Report: {tmp_path / 'reports' / 'kpi_report.html'}")


@pytest.mark.parametrize("verb", ["kpi", "report"])
def test_without_a_warehouse_says_to_run_first(tmp_path, capsys, verb):
    from orchestration.cli import main

    assert main([verb, "--warehouse", str(tmp_path / "stagewise.duckdb")]) == 2
    assert "run `stagewise run` first" in capsys.readouterr().err


def test_a_month_that_is_not_yyyy_mm_is_refused(tmp_path, capsys):
    from orchestration.cli import main

    with pytest.raises(SystemExit):
        main(["report", "--warehouse", str(tmp_path / "w.duckdb"), "--month", "2026-13"])
    assert "'2026-13' is not a month: expected YYYY-MM" in capsys.readouterr().err
