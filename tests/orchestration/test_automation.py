"""The schedule and the new-files sensor that keep the warehouse fresh."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.automation import schedules
from orchestration.defs.automation.schedules import extract_fingerprint, new_extract_files


def _daily_refresh() -> dg.ScheduleDefinition:
    return schedules.defs().resolve_schedule_def("daily_refresh")


def test_daily_refresh_runs_in_business_time(monkeypatch, tmp_path):
    monkeypatch.setenv("STAGEWISE_EXTRACTS_DIR", str(tmp_path))  # no pipelines.yml: the project default
    monkeypatch.delenv("STAGEWISE_STAGES", raising=False)
    assert _daily_refresh().cron_schedule == "0 6 * * *"
    assert _daily_refresh().execution_timezone == "Asia/Shanghai"


def test_daily_refresh_follows_the_configured_business_timezone(monkeypatch, tmp_path):
    (tmp_path / "pipelines.yml").write_text(
        "business_timezone: America/Sao_Paulo\npipelines:\n  - key: default\n    stages: [{key: quote}]\n"
    )
    monkeypatch.setenv("STAGEWISE_EXTRACTS_DIR", str(tmp_path))
    monkeypatch.delenv("STAGEWISE_STAGES", raising=False)
    assert _daily_refresh().execution_timezone == "America/Sao_Paulo"
    (tmp_path / "pipelines.yml").write_text("business_timezone: Mars/Olympus\n")  # unusable: the default, no crash
    assert _daily_refresh().execution_timezone == "Asia/Shanghai"


def test_sensor_requests_one_run_per_new_delivery(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGEWISE_EXTRACTS_DIR", str(tmp_path))
    (tmp_path / "crm").mkdir()
    (tmp_path / "crm" / "a.csv").write_text("x\n")
    first = new_extract_files(dg.build_sensor_context(cursor=None))
    assert len(first.run_requests) == 1
    again = new_extract_files(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(again, dg.SkipReason)
    (tmp_path / "crm" / "b.csv").write_text("y\n")
    assert extract_fingerprint(tmp_path) != first.cursor
    later = new_extract_files(dg.build_sensor_context(cursor=first.cursor))
    assert len(later.run_requests) == 1


def test_sensor_skips_when_extracts_dir_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("STAGEWISE_EXTRACTS_DIR", str(tmp_path / "missing"))
    assert isinstance(new_extract_files(dg.build_sensor_context()), dg.SkipReason)
