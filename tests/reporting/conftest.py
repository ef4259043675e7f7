"""The ingest fixtures (an in-memory warehouse with the raw tables, the default stage config, an extracts folder)
for the load summary's tests, which load files first and then summarize them."""

from tests.ingest.conftest import con, config, extracts  # noqa: F401 - fixtures, registered by import
