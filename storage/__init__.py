"""The warehouse files: where they live, opening DuckDB, publishing the marts. No Dagster here."""

from storage.connection import connect, table_exists
from storage.files import WarehouseFiles
from storage.publish import PublishRefused, publish_marts

__all__ = ["PublishRefused", "WarehouseFiles", "connect", "publish_marts", "table_exists"]
