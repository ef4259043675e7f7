"""Shared helpers for WeCom JSON files: lines with their numbers, documents, envelopes, and text cells."""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ingest.frames import FileRejected

EMPTY_FILE = "empty file"


def is_blank_file(path: Path) -> bool:
    """True for a file with no bytes or only whitespace (read in bounded blocks)."""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            if block.strip():
                return False
    return True


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def extra_json(*parts: tuple[dict[str, Any], set[str]]) -> str | None:
    """Keys the raw table has no column for, as JSON text (kept, not dropped)."""
    extra = {k: v for body, used in parts if isinstance(body, dict) for k, v in body.items() if k not in used}
    return json.dumps(extra, ensure_ascii=False) if extra else None


class OrjsonValueDumps:
    """`json.dumps(mapping, ensure_ascii=False)` of mappings parsed by orjson, each list or object value
    encoded once (tag objects repeat). orjson's compact text is a faithful key for such values: they hold
    no NaN, infinity or integer beyond 64 bits (json reads those, orjson does not). One per chunk."""

    def __init__(self) -> None:
        self.encoded: dict[bytes, str] = {}

    def dumps(self, mapping: dict[str, Any]) -> str:
        parts = []
        for key, value in mapping.items():
            kind = value.__class__
            if kind is str:
                encoded = encode_basestring(value)
            elif kind is list or kind is dict:
                compact = orjson.dumps(value)
                encoded = self.encoded.get(compact) or self.encoded.setdefault(compact, json_text(value))
            else:
                encoded = json_text(value)
            parts.append(f"{encode_basestring(key)}: {encoded}")
        return "{" + ", ".join(parts) + "}"


json_text = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), built once


def texts(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        value = [value]
    return [str(v) for v in value]


def json_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed body or None, error) for every non-blank line."""
    with path.open("rb") as handle:
        reject_binary(handle)
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield number, *parse_line(raw)


def parse_line(raw: bytes) -> tuple[Any, str | None]:
    """(parsed body, None) or (None, the reason it is not JSON) for one line's bytes."""
    try:
        return json.loads(raw), None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, f"invalid JSON: {exc.msg if hasattr(exc, 'msg') else exc}"


def reject_binary(handle: BinaryIO) -> None:
    """FileRejected when the file's head holds a NUL byte; the handle is left at the start."""
    if b"\x00" in handle.read(8192):
        raise FileRejected("binary content, not JSON lines")
    handle.seek(0)


def line_blocks(path: Path, block_bytes: int) -> Iterator[tuple[bytes, int, bool]]:
    """(run of whole lines without its last newline, number of its first line, whether a newline followed it),
    about `block_bytes` of the file at a time."""
    with path.open("rb") as handle:
        reject_binary(handle)
        carry, first_number = b"", 1
        while block := handle.read(block_bytes):
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            complete, carry = data[:cut], data[cut + 1 :]
            yield complete, first_number, True
            first_number += complete.count(b"\n") + 1
        if carry.strip():
            yield carry, first_number, False


def json_document(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileRejected(f"invalid JSON document: {exc}") from exc


def envelope_error(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "not a JSON object"
    code = body.get("errcode", 0)
    if str(code).strip() != "0":
        return f"API error envelope errcode={code} errmsg={body.get('errmsg', '')}"
    return None
