"""The WeCom robot push against a stand-in robot on 127.0.0.1: the payload's shape and size, no mobile numbers,
retries (and the longer pause after the rate-limit errcode), and giving up without raising."""

from __future__ import annotations

import json
import re
import socket

import pytest

from reporting.wecom import failure_notice, post, push_failure, push_summary
from reporting.wecom.robot import MAX_CONTENT_BYTES, RATE_LIMITED, Retry
from storage import connect
from tests.reporting.robot_server import OK, robot_server

MOBILE = re.compile(r"1[3-9]\d{9}")
FAST = Retry(attempts=3, pause=0.0, rate_limited_pause=0.0, timeout=5.0)


@pytest.fixture(autouse=True)
def own_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with the robot's minute empty: posts of other tests do not count against it."""
    from reporting.wecom import robot

    monkeypatch.setattr(robot, "WINDOW", robot.RateWindow())


def content_of(message: dict) -> str:
    assert set(message) == {"msgtype", "markdown"} and message["msgtype"] == "markdown"
    assert set(message["markdown"]) == {"content"}
    content = message["markdown"]["content"]
    assert len(content.encode("utf-8")) <= MAX_CONTENT_BYTES
    assert not MOBILE.search(content)
    return content


def test_morning_summary_is_posted_as_markdown(reference) -> None:
    with connect(reference.published, read_only=True) as con:
        month = con.execute(
            "select max(month_start) filter (where month_start < (select max(month_start) from marts.kpi_monthly)) "
            "from marts.kpi_monthly"
        ).fetchone()[0]
        won_deals = con.execute(
            "select value from marts.kpi_monthly "
            "where month_start = ? and scope_type = 'company' and kpi = 'won_deals'",
            [month],
        ).fetchone()[0]
        top_owner = con.execute(
            "select r.rep_name from marts.kpi_open_deal_alerts a join marts.dim_reps r on a.owner_id = r.rep_id "
            "group by a.opportunity_id, r.rep_name order by count(*) desc, max(a.amount) desc nulls last, "
            "max(a.days_since_last_touch) desc nulls last, a.opportunity_id limit 1"
        ).fetchone()[0]
    with robot_server() as robot:
        result = push_summary(robot.url, reference.published, "https://bi.example.cn/reports/kpi_report.html", FAST)
    assert result.ok and result.attempts == 1
    (message,) = robot.messages()
    content = content_of(message)
    assert f"销售晨报 · {month:%Y-%m}" in content
    assert f"赢单数: **{won_deals:,.0f}**" in content and "环比" in content
    assert "瓶颈阶段" in content and "本月目标进度" in content
    assert top_owner in content  # the top alert names its owner
    assert "(https://bi.example.cn/reports/kpi_report.html)" in content


def test_a_500_is_retried_then_succeeds() -> None:
    pauses: list[float] = []
    with robot_server([(500, {"error": "busy"})]) as robot:
        result = post(robot.url, "晨报", Retry(pause=0.5, rate_limited_pause=9.0), sleep=pauses.append)
    assert result.ok and result.attempts == 2 and len(robot.received) == 2
    assert pauses == [0.5]


def test_the_rate_limit_errcode_waits_for_the_robots_minute() -> None:
    pauses: list[float] = []
    limited = (200, {"errcode": RATE_LIMITED, "errmsg": "api freq out of limit"})
    with robot_server([limited, limited, OK]) as robot:
        result = post(robot.url, "晨报", Retry(attempts=4, pause=1.0, rate_limited_pause=60.0), sleep=pauses.append)
    assert result.ok and result.attempts == 3
    assert pauses == [60.0, 60.0]


def test_it_gives_up_without_raising() -> None:
    with robot_server([(500, {})] * 3) as robot:
        result = post(robot.url, "晨报", FAST)
    assert not result.ok and result.attempts == 3 and result.error == "HTTP 500" and len(robot.received) == 3
    with socket.socket() as free:  # nobody listens on a port just released
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = push_failure(
        f"http://127.0.0.1:{port}/send", ["step dbt_models failed: boom"], "/tmp/run.log", "now", FAST
    )
    assert not result.ok and result.attempts == 3


def test_a_long_message_is_cut_to_the_limit_and_masks_mobiles() -> None:
    text = "客户 13812345678 (+86 139-1234-5678) " + "很长的内容" * 400
    with robot_server() as robot:
        assert post(robot.url, text, FAST).ok
    content = content_of(robot.messages()[0])
    assert content.endswith("…") and content.startswith("客户 1**********")
    assert json.loads(robot.received[0])  # valid JSON after the cut on a character boundary


def test_the_failure_notice_names_steps_not_their_messages() -> None:
    notice = failure_notice(
        ["step dbt_models failed: row 12 message_text '请回电 13912345678'", "blocking check raw_x failed"],
        "/w/logs/run.log",
        "2026-11-03 06:00 UTC",
    )
    assert "step dbt_models failed; blocking check raw_x failed" in notice
    assert "请回电" not in notice and not MOBILE.search(notice) and "/w/logs/run.log" in notice


def test_the_process_keeps_to_twenty_posts_a_minute() -> None:
    from reporting.wecom.robot import RateWindow

    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    window = RateWindow(limit=20, seconds=60.0)
    for _ in range(20):
        window.wait(sleep, clock=lambda: now[0])
        now[0] += 1.0
    assert pauses == []
    window.wait(sleep, clock=lambda: now[0])  # the 21st, 20 s after the first: waits for the minute to pass
    assert pauses == [40.0]
