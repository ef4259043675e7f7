"""The bench's bookkeeping: phases read from a run's progress lines, and RESULTS.md sections replaced, not piled up."""

from __future__ import annotations

from bench.report import RunResult, write_results

OUTPUT = """stagewise run: a -> b
  ok   stage_config (0.2s)
  ok   raw__crm__leads (1.5s)
  ok   raw__wecom__messages (2.5s)
  ok   gx_raw__crm__leads (0.5s)
  ok   gx_marts (1.0s)
  ok   dbt_models (20.0s)
  ok   published__marts (0.3s)
  ok   published__kpi_report (1.0s)
"""
NODES = [{"unique_id": "model.stagewise.fct_forecast_opportunities", "execution_time": 2.5}]
HOST = {"commit": "abc1234", "date": "2026-12-03", "machine": "2 cores", "versions": "duckdb 1"}
FACTS = {"inputs": {"crm/leads": (10, 1000), "wecom/messages": (90, 9000)}, "generated_seconds": 1.0}


def test_phases_come_from_the_progress_lines_and_the_rest_is_other():
    result = RunResult.from_output("full build", {"stdout": OUTPUT, "seconds": 30.0, "peak_bytes": 2**30}, NODES)
    assert result.phases == {
        "ingest stage_config": 0.2,
        "ingest crm__leads": 1.5,
        "ingest wecom__messages": 2.5,
        "checks (Great Expectations)": 1.5,
        "dbt build (models and tests)": 20.0,
        "publish": 0.3,
        "report": 1.0,
        "  of which the forecast model": 2.5,
        "other (start-up, orchestration)": 30.0 - 27.0,
    }
    assert result.ingest_seconds == 4.2


def test_a_rerun_on_the_same_commit_and_scale_replaces_its_section(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\n<!-- results -->\n\nfooter\n", encoding="utf-8")
    floor = RunResult("floor", 2.0, 2**29)
    runs = [floor, RunResult.from_output("full build", {"stdout": OUTPUT, "seconds": 30.0, "peak_bytes": 2**30}, [])]
    write_results(path, 1.0, FACTS, runs, HOST)
    write_results(path, 10.0, FACTS, runs, HOST)
    text = write_results(path, 1.0, FACTS, runs, {**HOST, "date": "2026-12-04"})
    content = path.read_text(encoding="utf-8")
    assert content.count("### Scale 1 ") == 1 and content.count("### Scale 10 ") == 1
    assert "2026-12-04" in content and content.endswith("footer\n")
    assert "| **wall time** (× floor) | 2.0 s (1.00×) | 30.0 s (15.00×) |" in text
    assert "| **total** | **100** | **10,000** |" in text
