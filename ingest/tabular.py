"""CSV and XLSX files as all-text tables whose `_source_line` is the line (or sheet row) a record starts on.

CSV: UTF-8, UTF-8 with BOM or GB18030/GBK, comma-separated, one header row. polars parses the common
case; files with quoted line breaks or rows with extra fields go through the `csv` module, which
knows where each record starts and lets a bad row be rejected alone. XLSX: the first sheet, read by
fastexcel (calamine); cells come back as text, dates as `YYYY-MM-DD HH:MM:SS`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import fastexcel
import polars as pl

from ingest.frames import FileRejected

ROW_ERROR = "_error"
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def decode_csv(data: bytes) -> str:
    """The file's text, or FileRejected when it is empty, binary or in no accepted encoding."""
    if not data.strip():
        raise FileRejected("empty file (no header row)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("UTF-16 text is not accepted (expected UTF-8, UTF-8 with BOM, or GB18030/GBK)")
    if b"\x00" in data[:8192] or data.startswith(b"PK\x03\x04"):
        raise FileRejected("binary content, not a CSV text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:8192]
        if sum(ch in _CONTROL for ch in head) > len(head) // 100:
            raise FileRejected("binary content, not a CSV text file")
        return text
    raise FileRejected("unknown encoding (expected UTF-8, UTF-8 with BOM, or GB18030/GBK)")


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        count = seen.get(header, 0)
        seen[header] = count + 1
        unique.append(header if count == 0 else f"{header}_duplicated_{count - 1}")
    return unique


def _csv_fast(text: str) -> pl.DataFrame | None:
    """polars' parse, when every record is one physical line; None when the slow path must decide."""
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError:
        return None
    if frame.width and frame.select(pl.any_horizontal(pl.all().str.contains("[\r\n]")).any()).item():
        return None
    # A blank line is an all-null row in polars' output, so the index still counts physical lines.
    return frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_source_line"))


def _csv_slow(text: str) -> pl.DataFrame:
    """The `csv` module's parse: exact start lines; a row with extra non-empty fields gets an `_error`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = _unique_headers(next(reader))
        columns: list[list[str | None]] = [[] for _ in headers]
        lines: list[int] = []
        errors: list[str | None] = []
        start = reader.line_num + 1
        for record in reader:
            extra = [v for v in record[len(headers) :] if v.strip()]
            padded = record[: len(headers)] + [None] * (len(headers) - len(record))
            for column, value in zip(columns, padded, strict=True):
                column.append(value)
            lines.append(start)
            errors.append(f"row has {len(record)} fields, the header has {len(headers)}" if extra else None)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileRejected(f"malformed CSV at line {reader.line_num}: {exc}") from exc
    data: dict[str, list] = dict(zip(headers, columns, strict=True))
    frame = pl.DataFrame(data, schema={h: pl.String for h in headers})
    return frame.with_columns(
        pl.Series("_source_line", lines, dtype=pl.Int64), pl.Series(ROW_ERROR, errors, dtype=pl.String)
    )


def read_csv_text(text: str) -> pl.DataFrame:
    frame = _csv_fast(text)
    return frame if frame is not None else _csv_slow(text)


def read_xlsx(path: Path) -> pl.DataFrame:
    """The first sheet, every cell as text; sheet row numbers kept (header = row 1)."""
    try:
        sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own hierarchy; any failure means unreadable
        raise FileRejected(f"unreadable XLSX: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    if frame.width == 0:
        raise FileRejected("empty workbook (the first sheet has no header row)")
    frame = frame.with_columns(pl.all().cast(pl.String))
    return frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_source_line"))


def read_table(path: Path) -> pl.DataFrame:
    """All cells of a CSV or of the first XLSX sheet as text, blank rows dropped, with `_source_line`."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = read_csv_text(decode_csv(path.read_bytes()))
    elif suffix == ".xlsx":
        if path.stat().st_size == 0:
            raise FileRejected("empty file (no header row)")
        frame = read_xlsx(path)
    else:
        raise FileRejected(f"unsupported file type {suffix!r} (expected .csv or .xlsx)")
    cells = [c for c in frame.columns if c not in ("_source_line", ROW_ERROR)]
    if not cells:
        return frame
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells])
    if ROW_ERROR in frame.columns:
        blank = blank & pl.col(ROW_ERROR).is_null()
    return frame.filter(~blank)
