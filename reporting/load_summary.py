"""The per-entity ingest load summary printed at the end of `stagewise run`, read from the manifest and the rejects
of the raw schema (`ingest.schemas` names them)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from ingest.layout import unknown_delivery_warnings
from ingest.schemas import ENTITIES, MANIFEST_TABLE, NOTES_TABLE, REJECTS_TABLE
from reporting.formatting import fmt
from storage import table_exists

TOP_REASONS = 5
_HEADERS = ("entity", "files loaded", "rows loaded", "duplicates skipped", "files rejected", "rows rejected")
_ORDER = {e.name: i for i, e in enumerate(ENTITIES)}


def _since_clause(since: datetime | None, column: str) -> tuple[str, list[object]]:
    return (f"where {column} >= ?", [since]) if since is not None else ("", [])


def _entity_rows(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[tuple]:
    where, params = _since_clause(since, "loaded_at")
    rows = con.execute(
        f"""select entity,
                   count(*) filter (where status = 'loaded'),
                   coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0),
                   count(*) filter (where status = 'duplicate'),
                   count(*) filter (where status = 'rejected'),
                   coalesce(sum(rows_rejected) filter (where status = 'loaded'), 0)
            from {MANIFEST_TABLE} {where} group by entity""",
        params,
    ).fetchall()
    return sorted(rows, key=lambda r: (_ORDER.get(r[0], len(_ORDER)), r[0]))


def _render_table(rows: list[tuple]) -> list[str]:
    cells = [_HEADERS, *[(r[0], *(fmt(v, "count") for v in r[1:])) for r in rows]]
    totals = tuple(fmt(sum(r[i] for r in rows), "count") for i in range(1, len(_HEADERS)))
    cells.append(("total", *totals))
    widths = [max(len(c[i]) for c in cells) for i in range(len(_HEADERS))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return [line(cells[0]), rule, *(line(c) for c in cells[1:-1]), rule, line(cells[-1])]


def _top_row_reasons(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[str]:
    where, params = _since_clause(since, "loaded_at")
    rows = con.execute(
        f"""select entity, coalesce(column_name, '(record)') as col, rule, count(*) as n,
                   min(file_path || coalesce(':' || line, '') || coalesce(' ' || json_path, '')) as example
            from {REJECTS_TABLE} {where}
            group by all order by n desc, entity, col, rule limit {TOP_REASONS}""",
        params,
    ).fetchall()
    return [f"  {fmt(n, 'count')} × {entity}.{col}: {rule} (e.g. {example})" for entity, col, rule, n, example in rows]


def _rejected_files(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[str]:
    where, params = _since_clause(since, "loaded_at")
    conjunction = "and" if where else "where"
    rows = con.execute(
        f"""select file_path, reason from {MANIFEST_TABLE} {where} {conjunction} status = 'rejected'
            order by file_path limit {TOP_REASONS + 1}""",
        params,
    ).fetchall()
    shown = [f"  {path}: {reason}" for path, reason in rows[:TOP_REASONS]]
    if len(rows) > TOP_REASONS:
        shown.append(f"  … more in {MANIFEST_TABLE} (status = 'rejected')")
    return shown


def _data_quality_notes(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[str]:
    where, params = _since_clause(since, "loaded_at")
    rows = con.execute(
        f"""select entity, column_name, note, sum(rows) as n, min(file_path || ':' || first_line) as example
            from {NOTES_TABLE} {where}
            group by all order by n desc, entity, column_name, note""",
        params,
    ).fetchall()
    return [f"  {fmt(n, 'count')} × {entity}.{col}: {note} (e.g. {example})" for entity, col, note, n, example in rows]


def _sections(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[str]:
    out = []
    rejected_files = _rejected_files(con, since)
    if rejected_files:
        out += ["", f"Files rejected whole (see {MANIFEST_TABLE}):", *rejected_files]
    reasons = _top_row_reasons(con, since) if table_exists(con, REJECTS_TABLE) else []
    if reasons:
        out += ["", f"Top reject reasons (rows in {REJECTS_TABLE}; file:line or JSON path):", *reasons]
    notes = _data_quality_notes(con, since) if table_exists(con, NOTES_TABLE) else []
    if notes:
        out += ["", f"Data-quality notes: values loaded, but adjusted (counts in {NOTES_TABLE}):", *notes]
    return out


def load_summary(
    con: duckdb.DuckDBPyConnection, since: datetime | None = None, extracts_dir: Path | None = None
) -> str:
    """Files and rows loaded, duplicates skipped, files and rows rejected per entity, with the top reasons.

    `since` limits the summary to loads stamped at or after it (e.g. the run's start); None covers all loads.
    With `extracts_dir`, deliveries outside the extract contract (never read) are named as warnings.
    Read-only: works on a read-only connection and on a warehouse where nothing was loaded yet.
    """
    scope = f"since {since.isoformat(timespec='seconds')}" if since is not None else "all loads"
    unknown = unknown_delivery_warnings(extracts_dir) if extracts_dir is not None else []
    warnings = ["", "WARNING: delivered but not read (not in the extract contract):", *(f"  {u}" for u in unknown)]
    warnings = warnings if unknown else []
    if not table_exists(con, MANIFEST_TABLE):
        out = [f"Ingest summary ({scope}): nothing loaded yet ({MANIFEST_TABLE} does not exist)."]
    elif not (rows := _entity_rows(con, since)):
        out = [f"Ingest summary ({scope}): no new files."]
    else:
        out = [f"Ingest summary ({scope})", *_render_table(rows), *_sections(con, since)]
    return "\n".join(out + warnings)
