"""The dbt project as Dagster sees it, and how its manifest gets prepared."""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from ingest.stages import StageConfig
from orchestration.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable(name: str = "dbt") -> str:
    """dagster-dbt does not install dbt: use the one beside this interpreter (the project's venv)."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


class StagewiseDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two costs it pays on every invocation that stagewise has no use for
    (together ~10 s of a run on the 2-core machine, whatever the data's size):

    - it starts a whole `dbt --version` process to learn dbt's version: the executable is this environment's own
      dbt (`dbt_executable`), so its version is the installed dbt-core's;
    - it opens a dbt adapter in the Dagster process, used only to fetch row counts and column metadata after the
      build (`.fetch_row_counts()`, `.fetch_column_metadata()`), which stagewise does not ask for: its checks and
      its run summary read the warehouse themselves.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: object) -> None:  # type: ignore[override]
        return None


def dbt_resource(engine: str = "duckdb") -> DbtCliResource:
    """dbt for the engine (orchestration.lib.engine): on Spark `stagewise-dbt`, which runs the Python models."""
    from orchestration.lib.engine import dbt_executable_name

    return StagewiseDbtCli(project_dir=DBT_PROJECT, dbt_executable=dbt_executable(dbt_executable_name(engine)))


# What the parsed manifest depends on besides the project's files: the salt var and the catalog name (the
# warehouse file's stem) are rendered into it.
PARSE_ENV = ("STAGEWISE_SALT",)
SOURCE_DIRS = ("models", "macros", "seeds", "tests", "analyses", "snapshots")


def project_fingerprint() -> str:
    """A digest of everything `dbt parse` reads: the project's files, dbt's version and the parse-time settings."""
    digest = hashlib.sha256(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')}".encode())
    warehouse = os.environ.get("STAGEWISE_WAREHOUSE", "")
    digest.update(f"{[os.environ.get(name) for name in PARSE_ENV]} {Path(warehouse).stem}".encode())
    root = Path(DBT_PROJECT_DIR)
    files = [root / "dbt_project.yml", root / "profiles.yml"]
    files += sorted(p for d in SOURCE_DIRS if (root / d).is_dir() for p in (root / d).rglob("*") if p.is_file())
    digest_files(digest, root, files)
    return digest.hexdigest()


def digest_files(digest: hashlib._Hash, root: Path, files: list[Path], label: str = "") -> None:
    """Add each file's path (relative to `root`, after `label`) and content to `digest`, in the given order."""
    for path in files:
        digest.update(f"{label}{path.relative_to(root)}".encode() + b"\0" + path.read_bytes() + b"\0")


def prepare_manifest() -> Path:
    """`dbt parse` so that the definitions can load outside `dagster dev` (CLI, tests, CI) — only when the
    project changed since the manifest was written: a current manifest is reused (a parse costs 4-10 s).
    One process parses at a time; another waits for it and then finds the manifest current."""
    manifest = Path(DBT_PROJECT.manifest_path)
    target = manifest.parent
    target.mkdir(parents=True, exist_ok=True)
    stamp = target / "manifest.fingerprint"
    with open(target / "parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = project_fingerprint()
        if manifest.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint:
            return manifest
        stamp.unlink(missing_ok=True)
        dbt_resource().cli(["parse", "--quiet"], target_path=target).wait()
        stamp.write_text(fingerprint, encoding="utf-8")
    return manifest


def dbt_vars(config: StageConfig) -> dict[str, str]:
    """The settings of pipelines.yml that dbt models read as vars (dbt_project.yml holds the same defaults)."""
    return {"business_timezone": config.business_timezone, "reporting_currency": config.reporting_currency}


def profile_vars(warehouse: Path) -> dict[str, str]:
    """The vars profiles.yml reads: the warehouse file dbt builds into (passed explicitly, never via os.environ)."""
    return {"stagewise_warehouse": str(warehouse)}
