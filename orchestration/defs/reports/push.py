"""The morning summary in the team's WeCom group, and a notice there when a run launched by Dagster fails.

`wecom_summary` runs after the KPI report and posts `reporting.wecom.morning_summary` of the published marts to the
robot of `settings.webhook_url()` (STAGEWISE_WECOM_WEBHOOK); without a webhook it posts nothing. Optional, like the
report: a post that fails after its retries is a warning, never a failed run. `wecom_failure_notice` posts a short
notice for failed runs of `dagster dev` (schedule, sensor, UI); `stagewise run` posts its own (orchestration/run.py),
so runs it launched (tagged with its process id) are skipped here.
"""

from datetime import datetime

import dagster as dg

from orchestration.lib.instance import PID_TAG
from orchestration.settings import StagewiseSettings
from reporting.wecom import push_failure, push_summary

REPORT_FILE = "kpi_report.html"


@dg.asset(
    key=["published", "wecom_summary"],
    deps=[dg.AssetKey(["published", "kpi_report"])],
    group_name="published",
    kinds={"wecom"},
    pool="duckdb",
    description="企业微信晨报: the morning summary posted to the WeCom group robot (STAGEWISE_WECOM_WEBHOOK).",
)
def wecom_summary(context: dg.AssetExecutionContext, settings: StagewiseSettings) -> dg.MaterializeResult:
    webhook = settings.webhook_url()
    if not webhook:
        context.log.info("No WeCom webhook configured (STAGEWISE_WECOM_WEBHOOK): nothing posted")
        return dg.MaterializeResult(metadata={"posted": False, "reason": "no webhook configured"})
    result = push_summary(webhook, settings.files.published, settings.report_location(REPORT_FILE))
    if not result.ok:
        context.log.warning(
            "WeCom summary not posted (the published marts are unaffected) after %d attempts: %s",
            result.attempts,
            result.error,
        )
    return dg.MaterializeResult(metadata={"posted": result.ok, "attempts": result.attempts, "error": result.error})


@dg.run_failure_sensor(
    name="wecom_failure_notice",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a short notice to the WeCom group robot when a run launched by Dagster fails.",
)
def wecom_failure_notice(context: dg.RunFailureSensorContext, settings: StagewiseSettings) -> dg.SkipReason | None:
    if PID_TAG in context.dagster_run.tags:
        return dg.SkipReason("a `stagewise run`: it posts its own failure notice")
    webhook = settings.webhook_url()
    if not webhook:
        return dg.SkipReason("no WeCom webhook configured")
    reasons = [f"step {event.step_key} failed" for event in context.get_step_failure_events()]
    when = f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, run {context.dagster_run.run_id}"
    result = push_failure(webhook, reasons or ["run failed"], "the run's page in the Dagster UI", when)
    if not result.ok:
        context.log.warning("WeCom failure notice not posted: %s", result.error)
    return None
