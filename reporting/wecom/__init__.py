"""The morning summary in the team's WeCom group: composed from the published marts (`summary`) and posted to a
group robot's webhook (`robot`). No Dagster: the push asset and the failure notices call `push_summary` and
`push_failure`, which never raise."""

from __future__ import annotations

from pathlib import Path

from reporting.wecom.robot import DEFAULT_RETRY, PostResult, Retry, post
from reporting.wecom.summary import failure_notice, morning_summary
from storage import connect


def push_summary(webhook: str, published: Path, report: str, retry: Retry = DEFAULT_RETRY) -> PostResult:
    """Post the morning summary of the published marts file; a failure to read them is returned, not raised."""
    try:
        with connect(published, read_only=True) as con:
            content = morning_summary(con, report)
    except Exception as exc:  # noqa: BLE001 - an optional product: report why, never fail the caller
        return PostResult(False, 0, f"summary not composed: {type(exc).__name__}: {exc}")
    return post(webhook, content, retry)


def push_failure(
    webhook: str, reasons: list[str], log_path: str, when: str, retry: Retry = DEFAULT_RETRY
) -> PostResult:
    return post(webhook, failure_notice(reasons, log_path, when), retry)


__all__ = ["PostResult", "Retry", "failure_notice", "morning_summary", "post", "push_failure", "push_summary"]
