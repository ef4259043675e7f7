"""One demo extracts directory (scale 0.1), generated once for the demo tests that only read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import write_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("demo")
    return root, write_demo(root, scale=0.1)
