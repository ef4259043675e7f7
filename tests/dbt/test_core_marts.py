"""The core marts of the reference warehouse (a year of demo history through the real pipeline) hold the
cases the transition logic exists for. The delivery-by-delivery build is compared with a build of everything
at once by the drop matrix's arrival pair (tests/e2e/test_drop_matrix.py)."""

from __future__ import annotations

import duckdb

from tests.pipeline import Deployment


def test_transitions_come_from_the_log_and_the_snapshots_and_deals_reopen(reference: Deployment) -> None:
    with duckdb.connect(str(reference.warehouse), read_only=True) as con:
        origins = dict(con.sql("select origin, count(*) from marts.fct_stage_transitions group by 1").fetchall())
        reopened = con.sql("select count(*) from marts.fct_opportunities where reopen_count > 0").fetchall()[0][0]
    assert origins.get("log", 0) > 0 and origins.get("snapshot", 0) > 0, origins
    assert reopened > 0
