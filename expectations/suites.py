"""The suite files (expectations/<layer>/<table>.json), read as plain JSON: what each validates and on which rows.

Suite files are GX 1.x suites whose `meta` says what they validate: `table` (the DuckDB relation),
`asset_keys` (the assets they check) and `batch` (which rows: `whole_table`, `files_loaded_this_run` or
`manifest_rows_this_run`). Every expectation's `meta` carries a `severity` (`error` blocks downstream,
`warning` is recorded) and a one-line `why`.

Reading a spec is cheap (done when Dagster loads definitions); Great Expectations itself (≈3 s to import)
is imported only by `expectations.runner`, when something is validated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning"]
BatchKind = Literal["whole_table", "files_loaded_this_run", "manifest_rows_this_run"]
SEVERITIES: tuple[str, ...] = ("error", "warning")
BATCH_KINDS: tuple[str, ...] = ("whole_table", "files_loaded_this_run", "manifest_rows_this_run")
EXPECTATIONS_DIR = Path(__file__).resolve().parent
LAYERS = ("raw", "staging", "marts")


class SuiteFileError(ValueError):
    """A suite file is unusable; the message names the file and the expectation."""


@dataclass(frozen=True)
class SuiteSpec:
    """One suite file, parsed as JSON (no GX import)."""

    path: Path
    name: str
    layer: str
    table: str
    asset_keys: tuple[tuple[str, ...], ...]
    batch: BatchKind
    expectations: tuple[dict[str, Any], ...]
    entity: str | None = None  # the manifest entity, when it is not the asset key's name

    @property
    def check_name(self) -> str:
        return "gx_" + self.table.split(".")[-1].lstrip("_")


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    column: str | None
    severity: Severity
    why: str
    success: bool
    observed: str
    error: str | None = None
    sample: tuple[str, ...] = ()
    skipped: bool = False  # a relation it reads (meta.requires) does not exist yet


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    layer: str
    table: str
    status: Literal["passed", "failed", "skipped"]
    rows: int | None
    seconds: float
    outcomes: tuple[ExpectationOutcome, ...] = ()
    note: str = ""
    asset_key: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def blocking(self) -> bool:
        """True when an error-severity expectation failed: downstream must not run."""
        return any(o.severity == "error" for o in self.failures)


def read_spec(path: Path) -> SuiteSpec:
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data.get("meta") or {}
    where = f"{path}"
    for key in ("table", "asset_keys", "batch"):
        if key not in meta:
            raise SuiteFileError(f"{where}: suite meta lacks `{key}`")
    if meta["batch"] not in BATCH_KINDS:
        raise SuiteFileError(f"{where}: meta.batch {meta['batch']!r} is not one of {BATCH_KINDS}")
    expectations = data.get("expectations") or []
    for i, exp in enumerate(expectations):
        exp_meta = exp.get("meta") or {}
        if exp_meta.get("severity") not in SEVERITIES:
            raise SuiteFileError(f"{where}: expectation {i} ({exp.get('type')}): meta.severity must be error|warning")
        if not str(exp_meta.get("why", "")).strip():
            raise SuiteFileError(f"{where}: expectation {i} ({exp.get('type')}): meta.why is empty")
        query = (exp.get("kwargs") or {}).get("unexpected_rows_query")
        if query is not None and "{batch}" not in query:
            raise SuiteFileError(f"{where}: expectation {i}: unexpected_rows_query must read {{batch}}")
    return SuiteSpec(
        path=path,
        name=data["name"],
        layer=path.parent.name,
        table=meta["table"],
        asset_keys=tuple(tuple(k) for k in meta["asset_keys"]),
        batch=meta["batch"],
        expectations=tuple(expectations),
        entity=meta.get("entity"),
    )


def read_specs(layer: str, root: Path = EXPECTATIONS_DIR) -> list[SuiteSpec]:
    return [read_spec(p) for p in sorted((root / layer).glob("*.json"))]


def batch_query(spec: SuiteSpec, entity: str | None = None, since: datetime | None = None) -> str:
    """The rows a suite validates. Raw suites see only what `entity` loaded since `since` (the run start)."""
    if spec.batch == "whole_table":
        return f"select * from {spec.table}"
    if entity is None or since is None:
        raise ValueError(f"{spec.name}: batch {spec.batch} needs the entity and the run start")
    if not entity.replace("_", "").isalnum():
        raise ValueError(f"{entity!r} is not an entity name")
    stamp = since.astimezone(UTC).isoformat()
    this_run = f"entity = '{entity}' and loaded_at >= timestamptz '{stamp}'"
    if spec.batch == "manifest_rows_this_run":
        return f"select * from {spec.table} where {this_run}"
    return (
        f"select * from {spec.table} where _source_file in "
        f"(select file_path from raw._load_manifest where {this_run} and status = 'loaded')"
    )
