"""Shared test set-up: telemetry off, GX's import warning silenced, and a parsed dbt manifest."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def dbt_manifest():
    """`dbt parse` once per session so the Dagster definitions can load (as `stagewise run` does)."""
    from orchestration.lib.dbt import prepare_manifest

    return prepare_manifest()
