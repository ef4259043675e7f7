"""`stagewise kpi` reads the published marts through reporting/ and storage/ only: no Dagster, no orchestration.lib."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.reporting.test_html_report import build_marts

PROBE = """
import json, sys
from orchestration.cli import main
code = main(["kpi", "--warehouse", sys.argv[1]])
heavy = ("dagster", "dagster_dbt", "dbt", "great_expectations")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith("orchestration.lib"))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def test_kpi_prints_the_headline_without_importing_dagster(tmp_path):
    build_marts(tmp_path / "marts.duckdb")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "stagewise.duckdb")], capture_output=True, text=True, check=True
    )
    text, probe = done.stdout.rsplit("\n", 2)[0], json.loads(done.stdout.strip().splitlines()[-1])
    assert probe == {"code": 0, "loaded": []}
    assert text.startswith("Headline KPIs for 2026-10 (company):")  # read from marts.duckdb beside the warehouse


def test_kpi_without_a_warehouse_says_to_run_first(tmp_path, capsys):
    from orchestration.cli import main

    assert main(["kpi", "--warehouse", str(tmp_path / "stagewise.duckdb")]) == 2
    assert "run `stagewise run` first" in capsys.readouterr().err
