"""The floor: every extract file read once, fully parsed, into memory by DuckDB — no stagewise code involved.

No pipeline that loads these files can beat it by much, so every bench figure is also given as a ratio to it.
CSV and JSON are read by DuckDB; XLSX (which DuckDB reads only through an extension downloaded at run time) by
fastexcel into Arrow; CSV files that are not UTF-8 (CRM exports in GB18030) are transcoded in memory first.
Run as its own process (`python -m bench.floor DIR`) so that its peak memory is its own.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import duckdb

READERS = {
    ".csv": "read_csv('{path}', all_varchar = true, header = true)",
    ".jsonl": "read_json('{path}', format = 'newline_delimited', sample_size = -1)",
    ".json": "read_json('{path}', sample_size = -1)",
}


def _load(con: duckdb.DuckDBPyConnection, path: Path, n: int) -> int:
    if path.suffix == ".xlsx":
        import fastexcel

        sheet = fastexcel.read_excel(path).load_sheet(0).to_arrow()  # noqa: F841 - read by the query below
        con.execute(f"create table t{n} as select * from sheet")
    else:
        try:
            con.execute(f"create table t{n} as select * from {READERS[path.suffix].format(path=path)}")
        except duckdb.Error:  # not UTF-8 (GB18030 exports): transcode in memory, as any reader of such a file must
            import pyarrow.csv as pacsv

            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            options = pacsv.ConvertOptions(strings_can_be_null=False, column_types=None)
            parsed = pacsv.read_csv(io.BytesIO(text.encode("utf-8")), convert_options=options)  # noqa: F841
            con.execute(f"create table t{n} as select * from parsed")
    return con.execute(f"select count(*) from t{n}").fetchone()[0]


def read_everything(extracts: Path) -> tuple[int, int, float]:
    """(files, rows, seconds) for reading every extract file under `extracts` into one in-memory database."""
    files = sorted(p for p in extracts.rglob("*") if p.is_file() and p.suffix in (*READERS, ".xlsx"))
    started = time.perf_counter()
    with duckdb.connect(":memory:") as con:
        rows = sum(_load(con, path, n) for n, path in enumerate(files))
    return len(files), rows, time.perf_counter() - started


if __name__ == "__main__":
    count, total, seconds = read_everything(Path(sys.argv[1]))
    print(f"{count} files, {total} rows, {seconds:.2f} s")
