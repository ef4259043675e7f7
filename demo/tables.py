"""Byte-deterministic writers for CRM-style CSV and XLSX files and WeCom JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

try:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter
except ModuleNotFoundError as exc:  # an optional extra: only the demo writes XLSX
    raise ModuleNotFoundError(
        "the demo generator needs openpyxl, installed with the `demo` extra: pip install -e '.[demo]' "
        "(make install does it)",
        name="openpyxl",
    ) from exc

Cell = str | int | float | None
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]], encoding: str = "utf-8") -> int:
    """Write a CSV export; `encoding` is utf-8, utf-8-sig (BOM) or gbk (strict: Chinese Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding, errors="strict"))
    return count


class _FixedTimeZip(ZipFile):
    """A zip archive whose members all carry the same timestamp, so equal workbooks are equal bytes."""

    def writestr(self, zinfo_or_arcname: str | ZipInfo, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=_FIXED_ZIP_TIME)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        self.writestr(str(arcname), Path(filename).read_bytes())


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]], notes: Sequence[str]) -> int:
    """Write the data on the first sheet and a second sheet 说明 with free-text notes (never data)."""
    workbook = Workbook(write_only=True)
    data_sheet = workbook.create_sheet("数据")
    data_sheet.append(list(header))
    count = 0
    for row in rows:
        data_sheet.append(list(row))
        count += 1
    notes_sheet = workbook.create_sheet("说明")
    for note in notes:
        notes_sheet.append([note])
    workbook.properties.creator = "stagewise demo"
    workbook.properties.created = workbook.properties.modified = datetime(2020, 1, 1)
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", ZIP_DEFLATED)
    ExcelWriter(workbook, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return count


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_line(body: dict[str, Any]) -> str:
    return _COMPACT.encode(body) + "\n"


class JsonLinesWriter:
    """Streams JSON lines to a file, flushing every `chunk` lines so memory stays flat."""

    def __init__(self, path: Path, chunk: int = 5_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self._pending: list[str] = []
        self._chunk = chunk
        self.count = 0

    def write(self, body: dict[str, Any]) -> None:
        self._pending.append(json_line(body))
        self.count += 1
        if len(self._pending) >= self._chunk:
            self.flush()

    def flush(self) -> None:
        self._handle.write("".join(self._pending))
        self._pending.clear()

    def close(self) -> int:
        self.flush()
        self._handle.close()
        return self.count


def write_jsonl(path: Path, bodies: Iterable[dict[str, Any]]) -> int:
    writer = JsonLinesWriter(path)
    for body in bodies:
        writer.write(body)
    return writer.close()


def write_json(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n")
