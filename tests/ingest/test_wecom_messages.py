"""The message archive's chunked reader: the fast and the line-by-line paths agree, line numbers stay true."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ingest.wecom_messages import message_chunks


def message(i: int) -> str:
    body = {"msgid": f"m{i}", "action": "send", "from": "zhangsan", "tolist": ["wmA", 7], "roomid": ""}
    return json.dumps(body | {"msgtime": 1700000000000 + i, "msgtype": "text", "text": {"content": f"c{i}"}})


def test_chunks_are_bounded_and_keep_line_numbers_across_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join([message(1), "", message(2), message(3), "   ", message(4), message(5)]) + "\n")
    chunks = list(message_chunks(path, chunk_bytes=400))  # a line is ~200 bytes: chunks of whole lines
    assert [c.height for c in chunks] == [2, 2, 1]
    merged = pl.concat(chunks)
    assert merged["_source_line"].to_list() == [1, 3, 4, 6, 7]
    assert merged["msgid"].to_list() == ["m1", "m2", "m3", "m4", "m5"]
    assert merged["tolist"].to_list()[0] == ["wmA", "7"]  # numbers inside lists are coerced to text
    assert merged["_error"].null_count() == 5


def test_a_broken_line_only_costs_itself(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join([message(1), '{"msgid": "m2", "tolist": "wmB"}', '{"msgid": "m3"', message(4)]))
    chunks = list(message_chunks(path, chunk_bytes=len(message(1)) + 40))
    assert len(chunks) == 3  # lines 1-2 (a string where a list is due), line 3 (truncated), line 4
    merged = pl.concat(chunks).select("msgid", "tolist", "content", "_source_line", "_error")
    assert merged.rows() == [
        ("m1", ["wmA", "7"], "c1", 1, None),
        ("m2", ["wmB"], None, 2, None),
        (None, None, None, 3, "invalid JSON: Expecting ',' delimiter"),
        ("m4", ["wmA", "7"], "c4", 4, None),
    ]
