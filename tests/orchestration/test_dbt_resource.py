"""The dbt resource starts no `dbt --version` process and opens no adapter in the Dagster process."""

from __future__ import annotations

from importlib.metadata import version

import dagster_dbt.core.resource
import pytest
from packaging.version import Version

from orchestration.lib.dbt import dbt_resource


def test_dbts_version_comes_from_the_installed_package_and_no_adapter_is_opened(monkeypatch: pytest.MonkeyPatch):
    def no_process(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("a `dbt --version` process was started")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_process)
    resource = dbt_resource()
    assert resource._cli_version == Version(version("dbt-core"))
    assert resource._initialize_dbt_core_adapter(["build"]) is None
