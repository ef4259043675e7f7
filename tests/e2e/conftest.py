"""The drop matrix, shared by the end-to-end test modules (each drop is run once, on first use)."""

from __future__ import annotations

import pytest

from tests.e2e.matrix import Matrix


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    return Matrix.for_session(tmp_path_factory)
