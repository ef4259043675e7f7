"""Point-in-time win probabilities and expected revenue for open opportunities (see docs/forecast.md).

Pure polars + numpy: no dbt, Dagster or DuckDB import. The dbt Python models in
`dbt_project/models/marts/forecast/` read the warehouse, build a `History` and call `forecast_opportunities`.
"""

from forecast.inputs import History
from forecast.predict import forecast_opportunities

__all__ = ["History", "forecast_opportunities"]
