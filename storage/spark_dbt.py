"""dbt on the Spark target, in this process: `stagewise-dbt` is `dbt` plus Python models in session mode.

dbt-spark runs Python models only on Databricks clusters. With `method: session` the Spark session lives in
the dbt process itself, so a Python model can simply run there: this module adds a `session` submission
method that executes the model's compiled code (dbt-spark's own wrapper: refs as Spark DataFrames, the
returned frame written with `saveAsTable`) against that session, and makes it the default when the profile's
method is `session`. The forecast model thereby runs unchanged on both engines (docs/scale-out.md). On a
cluster (thrift, Databricks) dbt-spark's own methods apply. Everything else is plain dbt.
"""

from __future__ import annotations

import sys
from typing import Any

SESSION_METHOD = "session"


class SessionPythonJob:
    """Runs a compiled dbt-spark Python model in the active Spark session (dbt's PythonJobHelper protocol)."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.name = parsed_model.get("original_file_path", parsed_model.get("name", "python model"))

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()  # the session dbt-spark's SQL statements already opened
        exec(compile(compiled_code, self.name, "exec"), {"spark": spark, "__name__": "dbt_python_model"})  # noqa: S102


def enable_session_python_models() -> None:
    """Register the `session` submission method with dbt-spark (idempotent)."""
    from dbt.adapters.spark.impl import SparkAdapter

    if getattr(SparkAdapter, "_stagewise_session_models", False):
        return
    helpers = SparkAdapter.python_submission_helpers.fget
    default = SparkAdapter.default_python_submission_method.fget
    SparkAdapter.python_submission_helpers = property(lambda self: {**helpers(self), SESSION_METHOD: SessionPythonJob})
    SparkAdapter.default_python_submission_method = property(
        lambda self: SESSION_METHOD if self.config.credentials.method == SESSION_METHOD else default(self)
    )
    SparkAdapter._stagewise_session_models = True


def run_dbt(args: list[str]) -> int:
    """`dbt <args>` in this process, with session-mode Python models; dbt's exit code (0 ok, 1 failed, 2 error)."""
    from dbt.cli.main import dbtRunner

    enable_session_python_models()
    result = dbtRunner().invoke(args)
    if result.exception is not None:
        return 2
    return 0 if result.success else 1


def main() -> None:
    sys.exit(run_dbt(sys.argv[1:]))


if __name__ == "__main__":
    main()
