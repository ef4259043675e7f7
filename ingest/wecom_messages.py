"""The message archive (会话内容存档): millions of JSON lines, read in bounded chunks.

Each chunk of lines goes through polars' NDJSON reader with an explicit schema (the fast path). A
chunk that polars refuses (a truncated line, a value of the wrong JSON type) is re-read line by line
with `json`, so only the broken lines are rejected and each keeps its line number.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from ingest.jsonfiles import line_blocks, text, texts
from ingest.schemas import WECOM_MESSAGES

CHUNK_BYTES = 32 << 20  # about 100k archive lines: memory per chunk stays bounded whatever the file size
_ARCHIVE_SCHEMA = pl.Schema(
    {
        "msgid": pl.String(),
        "action": pl.String(),
        "from": pl.String(),
        "tolist": pl.List(pl.String()),
        "roomid": pl.String(),
        "msgtime": pl.String(),
        "msgtype": pl.String(),
        "text": pl.Struct({"content": pl.String()}),
        "user": pl.String(),
        "time": pl.String(),
    }
)
# The archive writes its epochs as JSON numbers; reading them as integers is the faster common case.
_ARCHIVE_SCHEMA_INT = pl.Schema({**_ARCHIVE_SCHEMA, "msgtime": pl.Int64(), "time": pl.Int64()})
_CELLS = pl.Schema(
    {
        **{c.name: pl.List(pl.String()) if c.kind == "text_list" else pl.String() for c in WECOM_MESSAGES.columns},
        "_source_line": pl.Int64(),
        "_error": pl.String(),
    }
)


def _read_ndjson(data: bytes, rows: int) -> pl.DataFrame | None:
    for schema in (_ARCHIVE_SCHEMA_INT, _ARCHIVE_SCHEMA):
        try:
            frame = pl.read_ndjson(io.BytesIO(data), schema=schema)
        except pl.exceptions.PolarsError:
            continue
        if frame.height == rows:
            return frame.with_columns(pl.col("msgtime", "time").cast(pl.String))
    return None


def _fast(data: bytes, numbers: pl.Series) -> pl.DataFrame | None:
    frame = _read_ndjson(data, len(numbers))
    if frame is None:
        return None
    return frame.select(
        "msgid",
        "action",
        pl.col("from").alias("from_id"),
        "tolist",
        "roomid",
        "msgtime",
        "msgtype",
        pl.col("text").struct.field("content").alias("content"),
        pl.col("user").alias("switch_user"),
        pl.col("time").alias("switch_time"),
        numbers.alias("_source_line"),
        pl.lit(None, pl.String).alias("_error"),
    )


def _record(body: Any, line: int) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {"_source_line": line, "_error": "not a JSON object"}
    content = body.get("text")
    return {
        "msgid": text(body.get("msgid")),
        "action": text(body.get("action")),
        "from_id": text(body.get("from")),
        "tolist": texts(body.get("tolist")),
        "roomid": text(body.get("roomid")),
        "msgtime": text(body.get("msgtime")),
        "msgtype": text(body.get("msgtype")),
        "content": text(content.get("content")) if isinstance(content, dict) else None,
        "switch_user": text(body.get("user")),
        "switch_time": text(body.get("time")),
        "_source_line": line,
    }


def _slow(lines: list[bytes], numbers: list[int]) -> pl.DataFrame:
    records = []
    for raw, line in zip(lines, numbers, strict=True):
        try:
            records.append(_record(json.loads(raw), line))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            records.append({"_source_line": line, "_error": f"invalid JSON: {reason}"})
    return pl.DataFrame(records, schema=_CELLS)


def _cells(data: bytes, first_number: int) -> pl.DataFrame:
    """Cells of a run of whole lines starting at line `first_number`."""
    # The common case: every line is a record, numbered in order. polars skips blank lines, so a run
    # with one comes back short and takes the exact path below.
    count = data.count(b"\n") + 1
    fast = _fast(data, pl.int_range(first_number, first_number + count, dtype=pl.Int64, eager=True))
    if fast is not None:
        return fast
    pieces = [piece.strip() for piece in data.split(b"\n")]
    lines = [line for line in pieces if line]
    numbers_list = [first_number + i for i, line in enumerate(pieces) if line]
    if not lines:
        return pl.DataFrame(schema=_CELLS)
    fast = _fast(b"\n".join(lines), pl.Series(numbers_list, dtype=pl.Int64))
    return fast if fast is not None else _slow(lines, numbers_list)


def message_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[pl.DataFrame]:
    """Text cells of every non-blank line, about `chunk_bytes` of the file at a time (whole lines only)."""
    for block, first_number, _ in line_blocks(path, chunk_bytes):
        yield _cells(block, first_number)
