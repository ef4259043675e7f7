"""WeCom API payloads (JSON exactly as the API returns it) flattened into text cells per record.

A record that cannot be used (truncated JSON line, `errcode` != 0 envelope) becomes a cell row with
an `_error`, so it is counted and quarantined rather than dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from ingest.frames import FileRejected
from ingest.schemas import (
    WECOM_BEHAVIOR,
    WECOM_CONTACT_EVENTS,
    WECOM_CORP_TAGS,
    WECOM_EXTERNAL_CONTACTS,
    WECOM_MESSAGES,
    Entity,
)

Record = dict[str, Any]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _texts(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        value = [value]
    return [str(v) for v in value]


def _json_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed body or None, error) for every non-blank line."""
    with path.open("rb") as handle:
        head = handle.read(8192)
        if b"\x00" in head:
            raise FileRejected("binary content, not JSON lines")
        handle.seek(0)
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw), None
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield number, None, f"invalid JSON: {exc.msg if hasattr(exc, 'msg') else exc}"


def _json_document(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileRejected(f"invalid JSON document: {exc}") from exc


def _envelope_error(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "not a JSON object"
    code = body.get("errcode", 0)
    if str(code) != "0":
        return f"API error envelope errcode={code} errmsg={body.get('errmsg', '')}"
    return None


def _relation(contact: Record, follow: Record) -> Record:
    tags = follow.get("tag_id")
    if tags is None and isinstance(follow.get("tags"), list):
        tags = [t.get("tag_id") for t in follow["tags"] if isinstance(t, dict) and t.get("tag_id")]
    keys = ("name", "type", "gender", "unionid", "corp_name", "corp_full_name", "position")
    return {
        "external_userid": _text(contact.get("external_userid")),
        **{k: _text(contact.get(k)) for k in keys},
        "userid": _text(follow.get("userid")),
        "createtime": _text(follow.get("createtime")),
        "remark": _text(follow.get("remark")),
        "description": _text(follow.get("description")),
        "remark_mobiles": _texts(follow.get("remark_mobiles")),
        "add_way": _text(follow.get("add_way")),
        "state": _text(follow.get("state")),
        "oper_userid": _text(follow.get("oper_userid")),
        "tag_ids": _texts(tags),
    }


def _external_contact_records(path: Path) -> Iterator[Record]:
    if path.suffix.lower() == ".json":
        body = _json_document(path)
        error = _envelope_error(body)
        if error:
            raise FileRejected(error)
        for i, item in enumerate(body.get("external_contact_list") or []):
            yield {
                **_relation(item.get("external_contact") or {}, item.get("follow_info") or {}),
                "_source_line": 1,
                "json_path": f"$.external_contact_list[{i}]",
            }
        return
    for line, body, error in _json_lines(path):
        error = error or _envelope_error(body)
        if error:
            yield {"_source_line": line, "json_path": "$", "_error": error}
            continue
        follows = body.get("follow_user") or []
        if not follows:
            yield {"_source_line": line, "json_path": "$.follow_user", "_error": "no follow_user relation"}
        for i, follow in enumerate(follows):
            yield {
                **_relation(body.get("external_contact") or {}, follow),
                "_source_line": line,
                "json_path": f"$.follow_user[{i}]",
            }


_EVENT_KEYS = {
    "ToUserName": "to_user_name", "FromUserName": "from_user_name", "CreateTime": "create_time",
    "MsgType": "msg_type", "Event": "event", "ChangeType": "change_type", "UserID": "user_id",
    "ExternalUserID": "external_user_id", "Source": "source", "State": "state",
    "WelcomeCode": "welcome_code", "FailReason": "fail_reason",
}  # fmt: skip


def _contact_event_records(path: Path) -> Iterator[Record]:
    for line, body, error in _json_lines(path):
        if error or not isinstance(body, dict):
            yield {"_source_line": line, "json_path": "$", "_error": error or "not a JSON object"}
            continue
        yield {
            **{ours: _text(body.get(theirs)) for theirs, ours in _EVENT_KEYS.items()},
            "_source_line": line,
        }


_BEHAVIOR_KEYS = (
    "stat_time", "chat_cnt", "message_cnt", "reply_percentage", "avg_reply_time",
    "negative_feedback_cnt", "new_apply_cnt", "new_contact_cnt",
)  # fmt: skip


def _behavior_records(path: Path) -> Iterator[Record]:
    for line, body, error in _json_lines(path):
        error = error or _envelope_error(body)
        if error:
            yield {"_source_line": line, "json_path": "$", "_error": error}
            continue
        for i, day in enumerate(body.get("behavior_data") or []):
            yield {
                "userid": _text(body.get("userid")),
                **{k: _text(day.get(k)) for k in _BEHAVIOR_KEYS},
                "_source_line": line,
                "json_path": f"$.behavior_data[{i}]",
            }


def _message_records(path: Path) -> Iterator[Record]:
    for line, body, error in _json_lines(path):
        if error or not isinstance(body, dict):
            yield {"_source_line": line, "json_path": "$", "_error": error or "not a JSON object"}
            continue
        text = body.get("text")
        yield {
            "msgid": _text(body.get("msgid")),
            "action": _text(body.get("action")),
            "from_id": _text(body.get("from")),
            "tolist": _texts(body.get("tolist")),
            "roomid": _text(body.get("roomid")),
            "msgtime": _text(body.get("msgtime")),
            "msgtype": _text(body.get("msgtype")),
            "content": _text(text.get("content")) if isinstance(text, dict) else None,
            "switch_user": _text(body.get("user")),
            "switch_time": _text(body.get("time")),
            "_source_line": line,
        }


def _corp_tag_records(path: Path) -> Iterator[Record]:
    body = _json_document(path)
    error = _envelope_error(body)
    if error:
        raise FileRejected(error)
    for g, group in enumerate(body.get("tag_group") or []):
        for t, tag in enumerate(group.get("tag") or []):
            yield {
                "tag_id": _text(tag.get("id")),
                "tag_name": _text(tag.get("name")),
                "tag_order": _text(tag.get("order")),
                "tag_create_time": _text(tag.get("create_time")),
                "tag_deleted": _text(tag.get("deleted")),
                "group_id": _text(group.get("group_id")),
                "group_name": _text(group.get("group_name")),
                "group_order": _text(group.get("group_order", group.get("order"))),
                "group_create_time": _text(group.get("create_time")),
                "group_deleted": _text(group.get("deleted")),
                "_source_line": 1,
                "json_path": f"$.tag_group[{g}].tag[{t}]",
            }


READERS: dict[str, Callable[[Path], Iterator[Record]]] = {
    WECOM_EXTERNAL_CONTACTS.name: _external_contact_records,
    WECOM_CONTACT_EVENTS.name: _contact_event_records,
    WECOM_BEHAVIOR.name: _behavior_records,
    WECOM_MESSAGES.name: _message_records,
    WECOM_CORP_TAGS.name: _corp_tag_records,
}


def read_wecom_cells(entity: Entity, path: Path) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {
        c.name: pl.List(pl.String) if c.kind == "text_list" else pl.String() for c in entity.columns
    }
    schema |= {"_source_line": pl.Int64(), "json_path": pl.String(), "_error": pl.String()}
    return pl.DataFrame(list(READERS[entity.name](path)), schema=schema)
