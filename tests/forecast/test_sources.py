"""From warehouse relations to the forecast's history: amounts are known from when they were seen."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from forecast.sources import BEGINNING, _amount_versions

T = pl.Datetime("us", "UTC")


def test_an_amount_first_seen_on_a_closed_deal_is_not_back_dated_to_its_creation() -> None:
    delivered = [datetime(2017, 6, 1, tzinfo=UTC), datetime(2017, 7, 1, tzinfo=UTC), datetime(2018, 1, 1, tzinfo=UTC)]
    snapshots = pl.DataFrame(
        {
            "opportunity_id": ["OPEN", "OPEN", "LOST"],
            "amount": [100.0, 120.0, 0.0],
            "amount_original": [100.0, 120.0, 0.0],
            "is_reported_closed": [False, True, True],
            "updated_at": [None, None, None],
            "delivered_at": delivered,
            "source_file": ["a", "b", "c"],
            "source_line": [1, 1, 1],
        },
        schema_overrides={"updated_at": T, "delivered_at": T},
    )
    versions = {(r["opportunity_id"], r["amount"]): r["valid_from"] for r in _amount_versions(snapshots).to_dicts()}
    assert versions[("OPEN", 100.0)] == BEGINNING.replace(tzinfo=UTC)  # seen while open: holds from creation
    assert versions[("OPEN", 120.0)] == delivered[1]
    assert versions[("LOST", 0.0)] == delivered[2]  # first seen lost: unknown before that delivery
