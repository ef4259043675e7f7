"""Whether this run would rebuild the marts of the last published build: then it stops after the load manifest.

The fingerprint of a build covers everything the published marts and report are made from: the files whose rows
are in the raw layer and the stage configuration (`storage.build_stamp.loaded_files_digest`), the dbt project and
its parse-time settings (`orchestration.lib.dbt.project_fingerprint`), the dbt vars, the engine, and the code of
the packages that compute, check, publish and render (forecast, expectations, storage, reporting). Re-delivered
duplicates and rejected files change none of it. The marts are a function of these inputs only (no model reads
the clock), so an unchanged fingerprint means the same marts, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import expectations
import forecast
import reporting
import storage
from orchestration.lib.dbt import dbt_vars, digest_files, project_fingerprint
from orchestration.settings import StagewiseSettings
from storage import connect
from storage.build_stamp import clear_stamp, loaded_files_digest, published_stamp, write_stamp

CODE_PACKAGES = (forecast, expectations, storage, reporting)
CODE_SUFFIXES = {".py", ".json", ".yml", ".yaml", ".html", ".css", ".j2"}


def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        root = Path(package.__file__).parent
        files = sorted(p for p in root.rglob("*") if p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts)
        digest_files(digest, root, files, label=f"{package.__name__}/")
    return digest.hexdigest()


def build_fingerprint(settings: StagewiseSettings) -> str:
    with connect(settings.warehouse_path, read_only=True) as con:
        inputs = loaded_files_digest(con)
    build_vars = json.dumps(dbt_vars(settings.stage_config()), sort_keys=True)
    parts = [inputs, project_fingerprint(), code_fingerprint(), build_vars, settings.dbt_engine]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def already_published(warehouse: Path, published: Path, fingerprint: str) -> bool:
    """The last published build had this fingerprint and its marts file is still there."""
    if not published.exists():
        return False
    with connect(warehouse, read_only=True) as con:
        return published_stamp(con) == fingerprint


def forget_published(warehouse: Path) -> None:
    """A build is starting: until it is published, no build counts as the last published one."""
    with connect(warehouse) as con:
        clear_stamp(con)


def remember_published(warehouse: Path, fingerprint: str) -> None:
    with connect(warehouse) as con:
        write_stamp(con, fingerprint)
