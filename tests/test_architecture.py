"""The import rules of docs/architecture.md, and the module size rule, checked by reading the source (no imports).

- ingest/ imports neither Dagster, orchestration (the CLI included), demo nor reporting;
- demo/ (the producer of the file contract) imports neither Dagster nor orchestration;
- reporting/, storage/, expectations/ and forecast/ import neither Dagster nor orchestration;
- no two top-level packages import each other, directly or through others;
- no Python module is longer than 250 lines unless its opening docstring or comments say why
  (a line containing "Longer than 250 lines because").

Packages that do not exist (yet) are simply not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {".venv", ".git", "target", "dbt_packages", "logs", "__pycache__", "build", "dist"}
DAGSTER = ("dagster", "dagster_dbt", "dagster_pipes", "dagster_webserver")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "ingest": (*DAGSTER, "orchestration", "demo", "reporting"),
    "demo": (*DAGSTER, "orchestration"),
    "reporting": (*DAGSTER, "orchestration"),
    "storage": (*DAGSTER, "orchestration"),
    "expectations": (*DAGSTER, "orchestration"),
    "forecast": (*DAGSTER, "orchestration"),
}
MAX_LINES = 250
REASON = "longer than 250 lines because"
HEAD_LINES = 15  # where the reason must be: the opening docstring or comment


def _python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(ROOT).parts
        if not any(part in SKIPPED_DIRS or part.startswith(".") for part in relative[:-1]):
            yield path


def _packages() -> dict[str, list[Path]]:
    """Top-level folders of the project holding Python code, with their modules."""
    found = {}
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name not in SKIPPED_DIRS):
        if not folder.name.startswith(".") and (files := list(_python_files(folder))):
            found[folder.name] = files
    return found


def _imported_packages(path: Path, own: str) -> set[str]:
    """The top-level names a module imports anywhere in it (also inside functions and TYPE_CHECKING blocks)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(own if node.level else (node.module or "").split(".")[0])
    return names


PACKAGES = _packages()
IMPORTS = {package: {path: _imported_packages(path, package) for path in files} for package, files in PACKAGES.items()}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    if package not in IMPORTS:
        pytest.skip(f"{package}/ does not exist")
    broken = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in IMPORTS[package].items()
        for name in sorted(names & set(FORBIDDEN[package]))
    ]
    assert not broken, f"{package}/ may not import {', '.join(FORBIDDEN[package])}:\n" + "\n".join(broken)


def _package_graph() -> dict[str, set[str]]:
    return {
        package: {name for names in modules.values() for name in names if name in PACKAGES and name != package}
        for package, modules in IMPORTS.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle between packages, as the path that closes it, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [node, nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_no_two_packages_import_each_other() -> None:
    cycle = _cycle(_package_graph())
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_module_is_long_without_a_reason() -> None:
    too_long = []
    for files in PACKAGES.values():
        for path in files:
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > MAX_LINES and not any(REASON in line.lower() for line in lines[:HEAD_LINES]):
                too_long.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
    assert not too_long, (
        f"modules over {MAX_LINES} lines with no 'Longer than {MAX_LINES} lines because …' at their top "
        "(split them, or say why they are one piece):\n" + "\n".join(too_long)
    )
