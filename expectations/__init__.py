"""Data quality with Great Expectations: the JSON suites (raw/, staging/, marts/) and the Python that runs them.

- `suites`: read a suite file (plain JSON) and the rows it validates;
- `runner`: validate inside DuckDB with GX (the only module importing GX);
- `report`: the validation report (JSON lines log, validation.json, a static HTML page).

No Dagster here: `orchestration/defs/quality` wraps these as asset checks.
"""
