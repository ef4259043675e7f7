"""The Dagster side of the WeCom push: the summary asset after the report, and the run-failure sensor."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.defs.reports.push import wecom_failure_notice, wecom_summary
from orchestration.lib.instance import PID_TAG
from orchestration.settings import StagewiseSettings
from tests.reporting.robot_server import robot_server


@pytest.fixture(autouse=True)
def own_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with the robot's minute empty: posts of other tests do not count against it."""
    from reporting.wecom import robot

    monkeypatch.setattr(robot, "WINDOW", robot.RateWindow())


def _settings(warehouse, webhook: str = "") -> StagewiseSettings:
    return StagewiseSettings(extracts_dir=str(warehouse.parent), warehouse=str(warehouse), wecom_webhook=webhook)


def test_the_summary_follows_the_report_and_posts_to_the_configured_robot(reference):
    spec = wecom_summary.specs_by_key[dg.AssetKey(["published", "wecom_summary"])]
    assert {dep.asset_key for dep in spec.deps} == {dg.AssetKey(["published", "kpi_report"])}
    with robot_server() as robot:
        result = wecom_summary(dg.build_asset_context(), settings=_settings(reference.warehouse, robot.url))
    assert result.metadata["posted"] is True and len(robot.received) == 1
    content = robot.messages()[0]["markdown"]["content"]
    assert f"完整报告: {reference.warehouse.parent / 'reports' / 'kpi_report.html'}" in content


def test_without_a_webhook_nothing_is_posted(tmp_path, monkeypatch):
    monkeypatch.delenv("STAGEWISE_WECOM_WEBHOOK", raising=False)
    result = wecom_summary(dg.build_asset_context(), settings=_settings(tmp_path / "stagewise.duckdb"))
    assert result.metadata["posted"] is False


def test_unreadable_marts_warn_and_do_not_fail(tmp_path):
    (tmp_path / "marts.duckdb").write_bytes(b"not a database")
    with robot_server() as robot:
        result = wecom_summary(dg.build_asset_context(), settings=_settings(tmp_path / "stagewise.duckdb", robot.url))
    assert result.metadata["posted"] is False and "summary not composed" in result.metadata["error"]
    assert robot.received == []


@dg.asset
def breaks() -> None:
    raise RuntimeError("row 7: 请回电 13912345678")


def _failure_context(instance: dg.DagsterInstance, settings: StagewiseSettings, tags: dict[str, str] | None = None):
    result = dg.materialize([breaks], instance=instance, raise_on_error=False, tags=tags)
    return dg.build_run_status_sensor_context(
        sensor_name=wecom_failure_notice.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
        resources={"settings": settings},
    ).for_run_failure()


def test_a_failed_dagster_run_posts_a_notice_naming_the_step_only(tmp_path):
    with dg.DagsterInstance.ephemeral() as instance, robot_server() as robot:
        context = _failure_context(instance, _settings(tmp_path / "stagewise.duckdb", robot.url))
        wecom_failure_notice(context)
        cli_context = _failure_context(instance, _settings(tmp_path / "stagewise.duckdb", robot.url), {PID_TAG: "1"})
        wecom_failure_notice(cli_context)  # `stagewise run` posts its own notice
    (message,) = robot.messages()
    content = message["markdown"]["content"]
    assert "运行失败" in content and "step breaks failed" in content
    assert "请回电" not in content and "13912345678" not in content


def test_stagewise_run_posts_its_failure_notice(tmp_path, monkeypatch):
    import io

    from orchestration.run import _notify_failure

    out = io.StringIO()
    with robot_server() as robot:
        settings = _settings(tmp_path / "stagewise.duckdb", robot.url)
        _notify_failure(settings, ["step dbt_models failed: Database Error"], tmp_path / "run.log", out)
    assert "step dbt_models failed" in robot.messages()[0]["markdown"]["content"] and out.getvalue() == ""
    monkeypatch.setenv("STAGEWISE_WECOM_WEBHOOK", "http://127.0.0.1:9/nobody")  # the env var when no setting
    assert _settings(tmp_path / "stagewise.duckdb").webhook_url() == "http://127.0.0.1:9/nobody"
