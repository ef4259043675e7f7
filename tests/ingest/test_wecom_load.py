"""WeCom payloads as the API returns them: both contact forms, envelopes, broken lines, epochs, tags."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from ingest.load import FileOutcome
from ingest.schemas import (
    WECOM_BEHAVIOR,
    WECOM_CONTACT_EVENTS,
    WECOM_CORP_TAGS,
    WECOM_EXTERNAL_CONTACTS,
    WECOM_MESSAGES,
    Entity,
)
from tests.ingest.conftest import jsonl, put, rows

Load = Callable[[Entity], list[FileOutcome]]
CONTACT = {"external_userid": "wmA", "name": "李四", "type": 1, "gender": 1, "avatar": "http://x/0"}


def get_body(userid: str, add_way: int | str, **follow: object) -> dict:
    return {
        "errcode": 0,
        "errmsg": "ok",
        "external_contact": CONTACT,
        "follow_user": [{"userid": userid, "createtime": 1700000000, "add_way": add_way, **follow}],
    }


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return rows(con, "select line, json_path, column_name, value, rule from raw._rejects order by line, json_path")


def test_get_lines_truncated_line_and_error_envelope(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    good = get_body("zhangsan", 1, remark_mobiles=[13800000001, "138-0000-0002"], tags=[{"tag_id": "et1"}])
    text = jsonl(good, {"errcode": 40096, "errmsg": "invalid external userid"}, get_body("lisi", 99))
    put(extracts, "wecom/external_contacts/a.jsonl", text + '{"errcode":0,"external_contact":{"external_us')
    assert load(WECOM_EXTERNAL_CONTACTS) == [FileOutcome("wecom/external_contacts/a.jsonl", "loaded", 4, 2, 2)]
    assert rejects(con) == [
        (2, "$", None, None, "API error envelope errcode=40096 errmsg=invalid external userid"),
        (4, "$", None, None, "invalid JSON: Unterminated string starting at"),
    ]
    got = rows(
        con,
        """select userid, add_way, remark_mobiles, tag_ids, createtime, _source_line, _extra
           from raw.wecom__external_contacts order by userid""",
    )
    created = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    assert got == [
        ("lisi", 99, None, None, created, 3, '{"avatar": "http://x/0"}'),  # unknown add_way: the int loads
        (
            "zhangsan",
            1,
            ["13800000001", "138-0000-0002"],
            ["et1"],
            created,
            1,
            '{"avatar": "http://x/0", "tags": [{"tag_id": "et1"}]}',
        ),
    ]


def test_batch_page_form_and_relation_grain(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    page = {
        "errcode": 0,
        "errmsg": "ok",
        "external_contact_list": [
            {
                "external_contact": CONTACT,
                "follow_info": {"userid": "u1", "createtime": "1700000000", "tag_id": ["et1", "et2"], "add_way": "201"},
            },
            {
                "external_contact": CONTACT,
                "follow_info": {"userid": "u2", "createtime": 1700000001, "add_way": 16, "state": "ch1"},
            },
            {"external_contact": CONTACT, "follow_info": {"createtime": 1700000002}},
        ],
        "next_cursor": "",
    }
    put(extracts, "wecom/external_contacts/p1.json", json.dumps(page, indent=2))
    assert load(WECOM_EXTERNAL_CONTACTS) == [FileOutcome("wecom/external_contacts/p1.json", "loaded", 3, 2, 1)]
    assert rows(
        con, "select external_userid, userid, add_way, state, tag_ids from raw.wecom__external_contacts order by 2"
    ) == [
        ("wmA", "u1", 201, None, ["et1", "et2"]),
        ("wmA", "u2", 16, "ch1", None),
    ]
    assert rejects(con) == [(1, "$.external_contact_list[2]", "userid", None, "required value missing")]


def test_error_page_counts_as_one_rejected_record(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    put(extracts, "wecom/external_contacts/p.json", '{"errcode": 45033, "errmsg": "api freq out of limit"}')
    put(extracts, "wecom/external_contacts/q.json", '{"errcode": 0, "external_contact_list": [')
    assert load(WECOM_EXTERNAL_CONTACTS) == [
        FileOutcome("wecom/external_contacts/p.json", "loaded", 1, 0, 1),
        FileOutcome(
            "wecom/external_contacts/q.json",
            "rejected",
            reason="invalid JSON document: Expecting value: line 1 column 42 (char 41)",
        ),
    ]
    assert rejects(con) == [(1, "$", None, None, "API error envelope errcode=45033 errmsg=api freq out of limit")]


def test_empty_jsonl_is_a_quiet_day_but_empty_json_and_binary_are_rejected(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    put(extracts, "wecom/contact_events/a.jsonl", b"")
    put(extracts, "wecom/contact_events/b.jsonl", b"\x1f\x8b\x08\x00\x00\x00\x00\x00")
    put(extracts, "wecom/corp_tags/a.json", b"\n")
    assert load(WECOM_CONTACT_EVENTS) == [
        FileOutcome("wecom/contact_events/a.jsonl", "loaded", 0, 0, 0),
        FileOutcome("wecom/contact_events/b.jsonl", "rejected", reason="binary content, not JSON lines"),
    ]
    assert load(WECOM_CORP_TAGS) == [FileOutcome("wecom/corp_tags/a.json", "rejected", reason="empty file")]
    assert rows(con, "select count(*) from raw.wecom__contact_events") == [(0,)]


def test_contact_events_keep_callback_fields(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    event = {"ToUserName": "ww1", "FromUserName": "sys", "CreateTime": 1700000000, "MsgType": "event",
             "Event": "change_external_contact", "ChangeType": "del_external_contact", "UserID": "zhangsan",
             "ExternalUserID": "wmA", "Source": "DELETE_BY_TRANSFER", "AgentID": 7}  # fmt: skip
    put(extracts, "wecom/contact_events/a.jsonl", jsonl(event, event) + "\n")
    assert load(WECOM_CONTACT_EVENTS) == [
        FileOutcome("wecom/contact_events/a.jsonl", "loaded", 2, 2, 0, rows_superseded=1)
    ]
    assert rows(
        con, "select change_type, user_id, external_user_id, source, create_time, _extra from raw.wecom__contact_events"
    ) == [
        (
            "del_external_contact",
            "zhangsan",
            "wmA",
            "DELETE_BY_TRANSFER",
            dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC),
            '{"AgentID": 7}',
        )
    ]


def test_behavior_missing_reply_stats_stay_null(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    pull = {"userid": "zhangsan", "behavior_data": [
        {"stat_time": 1700064000, "chat_cnt": 10, "message_cnt": 40, "reply_percentage": 60.25, "avg_reply_time": 12},
        {"stat_time": 1700150400, "chat_cnt": 0, "message_cnt": 0, "new_apply_cnt": "3"},
    ]}  # fmt: skip
    put(extracts, "wecom/behavior/a.jsonl", jsonl(pull))
    load(WECOM_BEHAVIOR)
    assert rows(
        con,
        "select chat_cnt, reply_percentage, avg_reply_time, new_apply_cnt from raw.wecom__behavior order by stat_time",
    ) == [
        (10, 60.25, 12.0, None),
        (0, None, None, 3),
    ]


def test_corp_tags_list_and_single_group_forms(extracts: Path, load: Load, con: duckdb.DuckDBPyConnection) -> None:
    tag = {"id": "t1", "name": "A类", "order": "1", "deleted": True}
    group = {"group_id": "g1", "group_name": "等级", "order": "2", "create_time": 1700000000, "tag": [tag]}
    listed = {"errcode": 0, "tag_group": [group]}
    single = {"errcode": 0, "tag_group": {"group_id": "g2", "group_name": "产品", "group_order": 3,
              "tag": [{"id": "t2", "name": "X", "order": 0}]}}  # fmt: skip
    put(extracts, "wecom/corp_tags/a.json", json.dumps(listed))
    put(extracts, "wecom/corp_tags/b.json", json.dumps(single))
    load(WECOM_CORP_TAGS)
    assert rows(
        con,
        "select tag_id, tag_name, tag_order, tag_deleted, group_id, group_order from raw.wecom__corp_tags order by 1",
    ) == [
        ("t1", "A类", 1, True, "g1", 2),
        ("t2", "X", 0, None, "g2", 3),
    ]


def test_messages_ms_epochs_switch_rows_and_bad_lines(
    extracts: Path, load: Load, con: duckdb.DuckDBPyConnection
) -> None:
    text = (
        jsonl(
            {
                "msgid": "m1",
                "action": "send",
                "from": "zhangsan",
                "tolist": ["wmA"],
                "roomid": "",
                "msgtime": 1700000000123,
                "msgtype": "text",
                "text": {"content": "你好"},
            },
            {"msgid": "m2", "action": "switch", "time": 1700000000456, "user": "zhangsan"},
            {
                "msgid": "m3",
                "action": "send",
                "from": "wmA",
                "tolist": "zhangsan",
                "msgtime": "1700000000",
                "msgtype": "image",
                "image": {"md5sum": "x"},
            },
        )
        + "\n[1, 2]\n"
    )
    put(extracts, "wecom/messages/a.jsonl", text)
    assert load(WECOM_MESSAGES) == [FileOutcome("wecom/messages/a.jsonl", "loaded", 4, 2, 2)]
    assert rows(
        con,
        "select msgid, from_id, tolist, msgtime, content, switch_user, switch_time, _source_line"
        " from raw.wecom__messages order by 1",
    ) == [
        (
            "m1",
            "zhangsan",
            ["wmA"],
            dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.UTC),
            "你好",
            None,
            None,
            1,
        ),
        ("m2", None, None, None, None, "zhangsan", dt.datetime(2023, 11, 14, 22, 13, 20, 456000, tzinfo=dt.UTC), 2),
    ]
    assert rejects(con) == [
        (3, None, "msgtime", "1700000000", "not epoch milliseconds (13 digits)"),  # seconds where ms are due
        (5, None, None, None, "not a JSON object"),
    ]


def test_each_wecom_folder_accepts_its_own_file_types(extracts: Path, load: Load) -> None:
    put(extracts, "wecom/corp_tags/a.jsonl", '{"errcode": 0, "tag_group": []}\n')
    put(extracts, "wecom/messages/a.json", "[]")
    assert load(WECOM_CORP_TAGS) == [
        FileOutcome("wecom/corp_tags/a.jsonl", "rejected", reason="unsupported file type '.jsonl' (expected .json)")
    ]
    assert load(WECOM_MESSAGES)[0].reason == "unsupported file type '.json' (expected .jsonl)"
