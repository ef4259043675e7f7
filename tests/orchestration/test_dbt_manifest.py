"""`dbt parse` runs only when what it reads changed: the project's files, dbt's version, the parse-time settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.lib import dbt as dbt_lib


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "dbt_project"
    shutil.copytree(dbt_lib.DBT_PROJECT_DIR, root, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(dbt_lib, "DBT_PROJECT_DIR", root)
    monkeypatch.delenv("STAGEWISE_SALT", raising=False)
    monkeypatch.setenv("STAGEWISE_WAREHOUSE", str(tmp_path / "a" / "stagewise.duckdb"))
    return root


def test_the_fingerprint_is_stable_while_nothing_changes(project: Path, tmp_path: Path, monkeypatch) -> None:
    before = dbt_lib.project_fingerprint()
    (project / "target").mkdir()
    (project / "target" / "run_results.json").write_text("{}", encoding="utf-8")  # build output is not read
    monkeypatch.setenv("STAGEWISE_WAREHOUSE", str(tmp_path / "b" / "stagewise.duckdb"))  # same catalog name
    assert dbt_lib.project_fingerprint() == before


def test_an_edited_model_a_new_macro_or_another_salt_change_it(project: Path, monkeypatch) -> None:
    seen = {dbt_lib.project_fingerprint()}
    model = next((project / "models").rglob("*.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    seen.add(dbt_lib.project_fingerprint())
    (project / "macros" / "new_macro.sql").write_text("{% macro m() %}1{% endmacro %}\n", encoding="utf-8")
    seen.add(dbt_lib.project_fingerprint())
    monkeypatch.setenv("STAGEWISE_SALT", "another")
    seen.add(dbt_lib.project_fingerprint())
    monkeypatch.setenv("STAGEWISE_WAREHOUSE", "/elsewhere/other_name.duckdb")  # another catalog name
    seen.add(dbt_lib.project_fingerprint())
    assert len(seen) == 5
