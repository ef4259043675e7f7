"""WeCom external contacts (`externalcontact/get` lines, `batch/get_by_user` pages) as text cells, a row per relation.

Two readers give the same cells, row for row:
- the record reader (`contact_records`): plain Python over `json`, one dict per record; the reference.
- the fast reader (`contact_chunks`): lines parsed by orjson in bounded chunks and written straight into
  row tuples. A line it cannot take as is (not JSON for orjson, an `errcode` envelope, a body or entry of
  an unexpected type) goes through the record reader, so its cells and error text are the reference's.
polars' NDJSON reader (used for messages) was slower than `json` on these nested bodies, and it cannot
tell which keys a record had or in which order, which `_extra` keeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from ingest.jsonfiles import (
    OrjsonValueDumps,
    envelope_error,
    extra_json,
    json_document,
    json_lines,
    json_text,
    line_blocks,
    parse_line,
    text,
    texts,
)
from ingest.rowframes import frame_from_rows, gc_paused
from ingest.schemas import WECOM_EXTERNAL_CONTACTS

Record = dict[str, Any]
CHUNK_BYTES = 8 << 20  # whole lines; the cells of one chunk are all that is held at a time

_CONTACT_COLUMNS = ("external_userid", "name", "type", "gender", "unionid", "corp_name", "corp_full_name", "position")
_FOLLOW_COLUMNS = ("userid", "createtime", "remark", "description", "add_way", "state", "oper_userid")
_CONTACT_KEYS = frozenset(_CONTACT_COLUMNS)
_FOLLOW_KEYS = frozenset((*_FOLLOW_COLUMNS, "remark_mobiles", "tag_id"))
CELLS = pl.Schema(
    {c.name: pl.List(pl.String) if c.kind == "text_list" else pl.String() for c in WECOM_EXTERNAL_CONTACTS.columns}
    | {"_source_line": pl.Int64(), "json_path": pl.String(), "_error": pl.String(), "_extra": pl.String()}
)
_NAMES = tuple(CELLS.names())
# orjson reads integers beyond 64 bits (from -9223372036854775809 down) as floats, json as integers; and
# numbers of 19 or more digits are where float parsers are hardest to get right. A line with a run of 19
# digits or dots goes to the reference (found by mapping them to 0, much faster than a regex).
_DIGITS_AS_ZERO, _LONG_RUN = bytes.maketrans(b"123456789.", b"0000000000"), b"0" * 19


# ---- the record reader (the reference) ----


def _tag_ids(follow: Record) -> Any:
    tags = follow.get("tag_id")
    if tags is None and isinstance(follow.get("tags"), list):
        tags = [t.get("tag_id") for t in follow["tags"] if isinstance(t, dict) and t.get("tag_id")]
    return tags


def _relation(contact: Any, follow: Any) -> Record:
    if not isinstance(contact, dict) or not isinstance(follow, dict):
        return {"_error": "external_contact and follow_user entries must be JSON objects"}
    return {
        **{k: text(contact.get(k)) for k in _CONTACT_COLUMNS},
        **{k: text(follow.get(k)) for k in _FOLLOW_COLUMNS},
        "remark_mobiles": texts(follow.get("remark_mobiles")),
        "tag_ids": texts(_tag_ids(follow)),
        "_extra": extra_json((contact, _CONTACT_KEYS), ({k: v for k, v in follow.items()}, _FOLLOW_KEYS)),
    }


def _get_body_records(body: Any, line: int) -> Iterator[Record]:
    """One `externalcontact/get` body: a record per follow_user relation."""
    error = envelope_error(body)
    if error:
        yield {"_source_line": line, "json_path": "$", "_error": error}
        return
    follows = body.get("follow_user") or []
    if not isinstance(follows, list) or not follows:
        yield {"_source_line": line, "json_path": "$.follow_user", "_error": "no follow_user relation"}
        return
    for i, follow in enumerate(follows):
        yield {
            **_relation(body.get("external_contact") or {}, follow),
            "_source_line": line,
            "json_path": f"$.follow_user[{i}]",
        }


def _page_item_record(item: Any, i: int) -> Record:
    path = f"$.external_contact_list[{i}]"
    if not isinstance(item, dict):
        return {"_source_line": 1, "json_path": path, "_error": "not a JSON object"}
    record = _relation(item.get("external_contact") or {}, item.get("follow_info") or {})
    return {**record, "_source_line": 1, "json_path": path}


def _page_items(body: Any) -> list[Any] | Record:
    """A `batch/get_by_user` page's items, or the error record of a page that has none to give."""
    error = envelope_error(body)
    items = body.get("external_contact_list") if not error else None
    if error or not isinstance(items, list):
        return {"_source_line": 1, "json_path": "$", "_error": error or "external_contact_list must be a list"}
    return items


def _is_get_body(body: Any) -> bool:
    return isinstance(body, dict) and "follow_user" in body  # a single `get` body saved as .json


def contact_records(path: Path) -> Iterator[Record]:
    """Every record of the file, one dict each (the reference reader)."""
    if path.suffix.lower() == ".json":
        body = json_document(path)
        if _is_get_body(body):
            yield from _get_body_records(body, 1)
            return
        items = _page_items(body)
        yield from [items] if isinstance(items, dict) else (_page_item_record(it, i) for i, it in enumerate(items))
        return
    for line, body, error in json_lines(path):
        if error:
            yield {"_source_line": line, "json_path": "$", "_error": error}
        else:
            yield from _get_body_records(body, line)


# ---- the fast reader ----


def _cell(value: Any) -> str | None:
    """`text(value)`, with its common cases first."""
    kind = value.__class__
    if kind is str or value is None:
        return value
    return str(value) if kind is int else text(value)


class _Rows:
    """Cells in `CELLS` order, one tuple per record, turned into a frame per chunk."""

    def __init__(self, parsed_by_orjson: bool) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.dumps = OrjsonValueDumps().dumps if parsed_by_orjson else json_text

    def record(self, record: Record) -> None:
        self.rows.append(tuple(record.get(name) for name in _NAMES))

    def relation(self, contact_cells: tuple, contact_extra: dict, follow: dict, line: int, path: str) -> None:
        extra = {k: v for k, v in follow.items() if k not in _FOLLOW_KEYS}
        if contact_extra:
            extra = {**contact_extra, **extra} if extra else contact_extra
        g = follow.get
        self.rows.append((
            contact_cells[0], _cell(g("userid")), *contact_cells[1:],
            _cell(g("createtime")), _cell(g("remark")), _cell(g("description")), texts(g("remark_mobiles")),
            _cell(g("add_way")), _cell(g("state")), _cell(g("oper_userid")), texts(_tag_ids(follow)),
            line, path, None, self.dumps(extra) if extra else None,
        ))  # fmt: skip

    def frame(self) -> pl.DataFrame:
        frame, self.rows = frame_from_rows(self.rows, CELLS), []
        return frame


def _contact_parts(contact: dict) -> tuple[tuple, dict]:
    g = contact.get
    cells = tuple([_cell(g(k)) for k in _CONTACT_COLUMNS])
    return cells, {k: v for k, v in contact.items() if k not in _CONTACT_KEYS}


def _take_get_body(rows: _Rows, body: Any, line: int) -> bool:
    """Write the body's relations if it is a plain successful `get` body; False leaves it to the reference."""
    if body.__class__ is not dict:
        return False
    code, follows, contact = body.get("errcode", 0), body.get("follow_user"), body.get("external_contact") or {}
    if code.__class__ is not int or code != 0 or follows.__class__ is not list or contact.__class__ is not dict:
        return False
    if not follows or any(f.__class__ is not dict for f in follows):
        return False
    cells, extra = _contact_parts(contact)
    for i, follow in enumerate(follows):
        rows.relation(cells, extra, follow, line, f"$.follow_user[{i}]")
    return True


def _block_frame(block: bytes, first_number: int, newline_after: bool) -> pl.DataFrame:
    rows, lines = _Rows(parsed_by_orjson=True), block.split(b"\n")
    with gc_paused():
        for number, raw in enumerate(lines, start=first_number):
            if not raw.strip():
                continue
            try:
                if _LONG_RUN not in raw.translate(_DIGITS_AS_ZERO) and _take_get_body(rows, orjson.loads(raw), number):
                    continue
            except orjson.JSONDecodeError:
                pass  # json may still read it (NaN, lone surrogates) or word the error: the reference decides
            # the line as the record reader sees it: json words some errors by what follows the last brace
            ending = b"\n" if newline_after or number < first_number + len(lines) - 1 else b""
            body, error = parse_line(raw + ending)
            if error:
                rows.record({"_source_line": number, "json_path": "$", "_error": error})
            else:
                for record in _get_body_records(body, number):
                    rows.record(record)
        return rows.frame()


def _take_page_item(rows: _Rows, item: Any, i: int) -> bool:
    """Write a page item's relation if its parts are objects; False leaves it to the reference."""
    if item.__class__ is not dict:
        return False
    contact, follow = item.get("external_contact") or {}, item.get("follow_info") or {}
    if contact.__class__ is not dict or follow.__class__ is not dict:
        return False
    cells, extra = _contact_parts(contact)
    rows.relation(cells, extra, follow, 1, f"$.external_contact_list[{i}]")
    return True


def _document_chunks(path: Path) -> Iterator[pl.DataFrame]:
    rows, body = _Rows(parsed_by_orjson=False), json_document(path)
    if _is_get_body(body):
        if not _take_get_body(rows, body, 1):
            for record in _get_body_records(body, 1):
                rows.record(record)
    elif isinstance(items := _page_items(body), dict):
        rows.record(items)
    else:
        for i, item in enumerate(items):
            if not _take_page_item(rows, item, i):
                rows.record(_page_item_record(item, i))
    yield rows.frame()


def contact_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[pl.DataFrame]:
    """The file's cells (`CELLS`), about `chunk_bytes` of JSON lines at a time; a `.json` page in one frame."""
    if path.suffix.lower() == ".json":
        yield from _document_chunks(path)
    else:
        for block, first_number, newline_after in line_blocks(path, chunk_bytes):
            yield _block_frame(block, first_number, newline_after)


def reference_frame(path: Path) -> pl.DataFrame:
    """The record reader's cells as one frame (what `contact_chunks` must equal)."""
    return pl.DataFrame(list(contact_records(path)), schema=CELLS)
