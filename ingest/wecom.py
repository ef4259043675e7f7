"""WeCom API payloads (JSON exactly as the API returns it) flattened into text cells per record.

A record that cannot be used (truncated JSON line, `errcode` != 0 envelope) becomes a cell row with
an `_error`, so it is counted and quarantined rather than dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from ingest.frames import FileRejected
from ingest.jsonfiles import (
    EMPTY_FILE,
    envelope_error,
    extra_json,
    is_blank_file,
    json_document,
    json_lines,
    text,
)
from ingest.schemas import (
    WECOM_BEHAVIOR,
    WECOM_CONTACT_EVENTS,
    WECOM_CORP_TAGS,
    WECOM_EXTERNAL_CONTACTS,
    WECOM_MESSAGES,
    Entity,
)
from ingest.wecom_contacts import contact_chunks
from ingest.wecom_messages import message_chunks

Record = dict[str, Any]


_EVENT_KEYS = {
    "ToUserName": "to_user_name", "FromUserName": "from_user_name", "CreateTime": "create_time",
    "MsgType": "msg_type", "Event": "event", "ChangeType": "change_type", "UserID": "user_id",
    "ExternalUserID": "external_user_id", "Source": "source", "State": "state",
    "WelcomeCode": "welcome_code", "FailReason": "fail_reason",
}  # fmt: skip


def _contact_event_records(path: Path) -> Iterator[Record]:
    for line, body, error in json_lines(path):
        if error or not isinstance(body, dict):
            yield {"_source_line": line, "json_path": "$", "_error": error or "not a JSON object"}
            continue
        yield {
            **{ours: text(body.get(theirs)) for theirs, ours in _EVENT_KEYS.items()},
            "_extra": extra_json((body, set(_EVENT_KEYS))),
            "_source_line": line,
        }


_BEHAVIOR_KEYS = (
    "stat_time", "chat_cnt", "message_cnt", "reply_percentage", "avg_reply_time",
    "negative_feedback_cnt", "new_apply_cnt", "new_contact_cnt",
)  # fmt: skip


def _behavior_records(path: Path) -> Iterator[Record]:
    for line, body, error in json_lines(path):
        error = error or envelope_error(body)
        if error:
            yield {"_source_line": line, "json_path": "$", "_error": error}
            continue
        days = body.get("behavior_data") or []
        if not isinstance(days, list):
            yield {"_source_line": line, "json_path": "$.behavior_data", "_error": "behavior_data must be a list"}
            continue
        for i, day in enumerate(days):
            if not isinstance(day, dict):
                yield {"_source_line": line, "json_path": f"$.behavior_data[{i}]", "_error": "not a JSON object"}
                continue
            yield {
                "userid": text(body.get("userid")),
                **{k: text(day.get(k)) for k in _BEHAVIOR_KEYS},
                "_extra": extra_json((day, set(_BEHAVIOR_KEYS))),
                "_source_line": line,
                "json_path": f"$.behavior_data[{i}]",
            }


def _corp_tag_records(path: Path) -> Iterator[Record]:
    body = json_document(path)
    error = envelope_error(body)
    if error:
        yield {"_source_line": 1, "json_path": "$", "_error": error}
        return
    groups = body.get("tag_group") or []
    groups = [groups] if isinstance(groups, dict) else groups  # add_corp_tag answers with one group object
    for g, group in enumerate(groups):
        tags = group.get("tag") if isinstance(group, dict) else None
        if not isinstance(tags, list):
            yield {"_source_line": 1, "json_path": f"$.tag_group[{g}]", "_error": "a tag group needs a tag list"}
            continue
        for t, tag in enumerate(tags):
            if not isinstance(tag, dict):
                yield {"_source_line": 1, "json_path": f"$.tag_group[{g}].tag[{t}]", "_error": "not a JSON object"}
                continue
            yield {
                "tag_id": text(tag.get("id")),
                "tag_name": text(tag.get("name")),
                "tag_order": text(tag.get("order")),
                "tag_create_time": text(tag.get("create_time")),
                "tag_deleted": text(tag.get("deleted")),
                "group_id": text(group.get("group_id")),
                "group_name": text(group.get("group_name")),
                "group_order": text(group.get("group_order", group.get("order"))),
                "group_create_time": text(group.get("create_time")),
                "group_deleted": text(group.get("deleted")),
                "_source_line": 1,
                "json_path": f"$.tag_group[{g}].tag[{t}]",
            }


READERS: dict[str, Callable[[Path], Iterator[Record]]] = {
    WECOM_CONTACT_EVENTS.name: _contact_event_records,
    WECOM_BEHAVIOR.name: _behavior_records,
    WECOM_CORP_TAGS.name: _corp_tag_records,
}


def cell_schema(entity: Entity) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {
        c.name: pl.List(pl.String) if c.kind == "text_list" else pl.String() for c in entity.columns
    }
    return schema | {"_source_line": pl.Int64(), "json_path": pl.String(), "_error": pl.String(), "_extra": pl.String()}


def read_wecom_chunks(entity: Entity, path: Path) -> Iterator[pl.DataFrame]:
    """The file's records as text cells; messages and contact lines come in bounded chunks, others in one frame.

    An empty JSON-lines file is a delivery of zero records (a quiet day); an empty `.json` document is
    not a response at all and is rejected.
    """
    if is_blank_file(path):
        if path.suffix.lower() == ".jsonl":
            yield pl.DataFrame(schema=cell_schema(entity))
            return
        raise FileRejected(EMPTY_FILE)
    if entity is WECOM_MESSAGES:
        yield from message_chunks(path)
        return
    if entity is WECOM_EXTERNAL_CONTACTS:
        yield from contact_chunks(path)
        return
    yield pl.DataFrame(list(READERS[entity.name](path)), schema=cell_schema(entity))
