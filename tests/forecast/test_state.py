"""Deal state at a cutoff: the stage, its timing and flags, owner and amount, from earlier events only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from forecast.inputs import History
from forecast.state import deal_states

T = pl.Datetime("us", "UTC")


def _history() -> History:
    at = [datetime(2026, 1, d, 12, tzinfo=UTC) for d in (1, 5, 9, 20)]
    return History.from_frames(
        transitions=pl.DataFrame(
            {"opportunity_id": ["A"] * 4, "seq": [1, 2, 3, 4], "from_state": [None, "s1", "s3", "s2"],
             "to_state": ["s1", "s3", "s2", "won"], "transitioned_at": at}, schema_overrides={"transitioned_at": T}),
        opportunities=pl.DataFrame({"opportunity_id": ["A"], "pipeline_key": ["p"], "lead_source": ["web"]}),
        owners=pl.DataFrame({"opportunity_id": ["A", "A"], "owner_id": ["u1", "u2"],
                             "valid_from": [datetime(1900, 1, 1, tzinfo=UTC), datetime(2026, 1, 10, tzinfo=UTC)]}),
        amounts=pl.DataFrame({"opportunity_id": ["A", "A"], "amount": [100.0, 150.0],
                              "valid_from": [datetime(1900, 1, 1, tzinfo=UTC), datetime(2026, 1, 10, tzinfo=UTC)]}),
        touches=pl.DataFrame(schema={"opportunity_id": pl.String, "touched_at": T}),
        stages=pl.DataFrame({"pipeline_key": ["p"] * 3, "stage_key": ["s1", "s2", "s3"], "stage_order": [1, 2, 3],
                             "probability": [0.1, 0.4, 0.7], "is_required": [False, True, False]}),
    )  # fmt: skip


def test_state_at_each_cutoff_sees_only_earlier_events() -> None:
    cutoffs = {
        date(2026, 1, 9): datetime(2026, 1, 9, 12, tzinfo=UTC),  # the regression happens exactly now: unseen
        date(2026, 1, 15): datetime(2026, 1, 15, tzinfo=UTC),
        date(2026, 1, 21): datetime(2026, 1, 21, tzinfo=UTC),
    }
    rows = deal_states(_history(), cutoffs).sort("snapshot_date").to_dicts()
    first, second, third = rows
    assert (first["state"], first["regressions"], first["skipped_required"]) == ("s3", 0, True)
    assert first["days_in_stage"] == 4.0 and first["deal_age_days"] == 8.0
    assert (first["owner_id"], first["amount"]) == ("u1", 100.0)
    assert (second["state"], second["regressions"], second["is_open"]) == ("s2", 1, True)
    assert (second["owner_id"], second["amount"], second["probability"]) == ("u2", 150.0, 0.4)
    assert (third["state"], third["is_open"]) == ("won", False)


def test_a_first_stay_seen_late_has_no_days_in_stage() -> None:
    """A deal without stage log first seen in s3: how long it sat there before is unknown, until it moves."""
    history = _history()
    late = History.from_frames(
        **{name: getattr(history, name) for name in ("opportunities", "owners", "amounts", "touches", "stages")},
        transitions=history.transitions.with_columns(first_seen_late=pl.col("seq") == 1),
    )
    cutoffs = {date(2026, 1, 3): datetime(2026, 1, 3, tzinfo=UTC), date(2026, 1, 9): datetime(2026, 1, 9, tzinfo=UTC)}
    first, second = deal_states(late, cutoffs).sort("snapshot_date").to_dicts()
    assert (first["state"], first["days_in_stage"], first["deal_age_days"]) == ("s1", None, 1.5)
    assert (second["state"], second["days_in_stage"]) == ("s3", 3.5)
    assert deal_states(history, cutoffs).sort("snapshot_date")["days_in_stage"].to_list() == [1.5, 3.5]
