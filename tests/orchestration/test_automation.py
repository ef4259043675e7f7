"""The schedule and the new-files sensor that keep the warehouse fresh."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.defs.automation.schedules import daily_refresh, extract_fingerprint, new_extract_files
from orchestration.settings import StagewiseSettings


def _settings(extracts: Path) -> StagewiseSettings:
    return StagewiseSettings(extracts_dir=str(extracts), warehouse=str(extracts.parent / "w.duckdb"))


def _daily_refresh(extracts: Path) -> dg.ScheduleDefinition:
    return daily_refresh(_settings(extracts).business_timezone())


def test_daily_refresh_runs_in_business_time(tmp_path):
    schedule = _daily_refresh(tmp_path)  # no pipelines.yml: the project default
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"


def test_daily_refresh_follows_the_configured_business_timezone(tmp_path):
    (tmp_path / "pipelines.yml").write_text(
        "business_timezone: America/Sao_Paulo\npipelines:\n  - key: default\n    stages: [{key: quote}]\n"
    )
    assert _daily_refresh(tmp_path).execution_timezone == "America/Sao_Paulo"
    (tmp_path / "pipelines.yml").write_text("business_timezone: Mars/Olympus\n")  # unusable: the default, no crash
    assert _daily_refresh(tmp_path).execution_timezone == "Asia/Shanghai"


def test_an_explicit_stages_file_sets_the_time_zone(tmp_path):
    stages = tmp_path / "elsewhere.yml"
    stages.write_text("business_timezone: Europe/Paris\npipelines:\n  - key: default\n    stages: [{key: quote}]\n")
    settings = StagewiseSettings(
        extracts_dir=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"), stages_file=str(stages)
    )
    assert daily_refresh(settings.business_timezone()).execution_timezone == "Europe/Paris"


def test_sensor_requests_one_run_per_new_delivery(tmp_path):
    resources = {"settings": _settings(tmp_path)}
    (tmp_path / "crm").mkdir()
    (tmp_path / "crm" / "a.csv").write_text("x\n")
    first = new_extract_files(dg.build_sensor_context(cursor=None, resources=resources))
    assert len(first.run_requests) == 1
    again = new_extract_files(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert isinstance(again, dg.SkipReason)
    (tmp_path / "crm" / "b.csv").write_text("y\n")
    assert extract_fingerprint(tmp_path) != first.cursor
    later = new_extract_files(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert len(later.run_requests) == 1


def test_sensor_skips_when_extracts_dir_is_missing(tmp_path):
    resources = {"settings": _settings(tmp_path / "missing")}
    assert isinstance(new_extract_files(dg.build_sensor_context(resources=resources)), dg.SkipReason)
