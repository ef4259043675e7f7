"""Great Expectations imported the way stagewise uses it; `expectations.runner` is its only caller.

Two adjustments, both here:
- DuckDB is listed among GX's persisted-connection dialects (a private setting, hence the exact GX pin): GX reads
  metric results after closing its SQLAlchemy connection, which DuckDB does not survive (see `expectations.runner`).
- pyspark (installed for the Spark target, docs/scale-out.md) is hidden from GX while GX imports: GX would import
  `pyspark.sql.connect`, whose dependency check ends the process when the main module has no file (a pytest-xdist
  worker, `python -c`). stagewise validates in DuckDB only, so GX's Spark support stays off.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Dialect(str):
    """GX compares dialect names as strings and reads `.value` from its enum members: be both."""

    @property
    def value(self) -> str:
        return str(self)


@contextmanager
def _pyspark_hidden() -> Iterator[None]:
    if "pyspark" in sys.modules:  # already imported by this process: nothing to hide
        yield
        return
    sys.modules["pyspark"] = None  # type: ignore[assignment]  # `import pyspark` raises ImportError meanwhile
    try:
        yield
    finally:
        if sys.modules.get("pyspark") is None:
            del sys.modules["pyspark"]


def import_gx() -> Any:
    """The `great_expectations` module, imported quietly, with the adjustments above (idempotent)."""
    with warnings.catch_warnings(), _pyspark_hidden():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module
    if "duckdb" not in engine_module._PERSISTED_CONNECTION_DIALECTS:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (
            *engine_module._PERSISTED_CONNECTION_DIALECTS,
            _Dialect("duckdb"),
        )
    return gx
