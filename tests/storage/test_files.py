"""Every file of a deployment is named from its warehouse path, in one place."""

from __future__ import annotations

from pathlib import Path

from storage import WarehouseFiles


def test_paths_beside_the_warehouse():
    files = WarehouseFiles(Path("/data/warehouse/stagewise.duckdb"))
    assert files.published == Path("/data/warehouse/marts.duckdb")
    assert files.reports_dir == Path("/data/warehouse/reports")
    assert files.logs_dir == Path("/data/warehouse/logs")


def test_the_marts_are_read_from_the_published_file_once_it_exists(tmp_path):
    files = WarehouseFiles(tmp_path / "stagewise.duckdb")
    assert files.marts_source() == files.warehouse
    files.published.write_bytes(b"")
    assert files.marts_source() == files.published
