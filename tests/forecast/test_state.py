"""Deal state at a cutoff: the stage, its timing and flags, owner and amount, from earlier events only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from forecast.features import touch_features
from forecast.inputs import History
from forecast.state import _seen_in_any_order, _seen_in_time_order, cutoff_frame, deal_states, transitions_flagged

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


def _deals_in_and_out_of_time_order() -> History:
    """A in time order with two moves at one instant; B whose seq 3 is dated before its seq 2 (a late correction)."""
    jan = [datetime(2026, 1, d, 12, tzinfo=UTC) for d in (1, 5, 5, 20, 3, 10, 7)]
    return History.from_frames(
        transitions=pl.DataFrame(
            {"opportunity_id": ["A"] * 4 + ["B"] * 3, "seq": [1, 2, 3, 4, 1, 2, 3],
             "from_state": [None, "s1", "s3", "s2", None, "s1", "s2"],
             "to_state": ["s1", "s3", "s2", "won", "s1", "s2", "s1"], "transitioned_at": jan},
            schema_overrides={"transitioned_at": T}),
        opportunities=pl.DataFrame({"opportunity_id": ["A", "B"], "pipeline_key": ["p"] * 2, "lead_source": ["w"] * 2}),
        owners=pl.DataFrame(schema={"opportunity_id": pl.String, "owner_id": pl.String, "valid_from": T}),
        amounts=pl.DataFrame(schema={"opportunity_id": pl.String, "amount": pl.Float64, "valid_from": T}),
        touches=pl.DataFrame(schema={"opportunity_id": pl.String, "touched_at": T}),
        stages=_history().stages,
    )  # fmt: skip


def test_the_running_fold_equals_the_pairwise_fold_and_out_of_time_order_deals_take_the_pairwise_one() -> None:
    history = _deals_in_and_out_of_time_order()
    grid = cutoff_frame({date(2026, 1, d): datetime(2026, 1, d, tzinfo=UTC) for d in (2, 4, 6, 8, 11, 21)})
    flagged = transitions_flagged(history)
    in_order = flagged.filter(pl.col("opportunity_id") == "A")
    keys = ["snapshot_date", "opportunity_id"]
    assert_frame_equal(_seen_in_time_order(grid, in_order).sort(keys), _seen_in_any_order(grid, in_order).sort(keys))
    states = {
        (r["snapshot_date"].day, r["opportunity_id"]): r
        for r in deal_states(history, dict(grid.iter_rows())).to_dicts()
    }
    # A at the 6th: both moves of the 5th seen, the later seq wins; B at the 8th: seq 3 (7th) seen, not seq 2 (10th)
    assert (states[(6, "A")]["state"], states[(6, "A")]["regressions"]) == ("s2", 1)
    assert (states[(8, "B")]["state"], states[(8, "B")]["regressions"]) == ("s1", 1)  # s2 -> s1 counts
    assert states[(11, "B")]["state"] == "s1" and states[(11, "B")]["entered_at"].day == 7
    assert (2, "B") not in states and (4, "B") in states


def test_touch_counts_are_the_touches_before_the_cutoff_recent_in_stage_and_over_the_life() -> None:
    cutoff = datetime(2026, 3, 1, tzinfo=UTC)
    states = pl.DataFrame(
        {"snapshot_date": [date(2026, 3, 1)] * 2, "opportunity_id": ["A", "B"], "cutoff_at": [cutoff] * 2,
         "entered_at": [datetime(2026, 2, 10, tzinfo=UTC)] * 2, "created_at": [datetime(2026, 1, 10, tzinfo=UTC)] * 2},
        schema_overrides={"cutoff_at": T, "entered_at": T, "created_at": T},
    )  # fmt: skip
    at = [datetime(2026, 1, 1), datetime(2026, 1, 20), datetime(2026, 2, 10), datetime(2026, 2, 15),
          datetime(2026, 2, 15), datetime(2026, 3, 1), datetime(2026, 3, 5)]  # fmt: skip
    touches = pl.DataFrame(
        {"opportunity_id": ["A"] * 7, "touched_at": [t.replace(tzinfo=UTC) for t in at]},
        schema_overrides={"touched_at": T},
    )
    rows = {r["opportunity_id"]: r for r in touch_features(states, touches).to_dicts()}
    # before the cutoff: 5 (the touch at the cutoff itself and the later one do not count); from 15 Feb: 2;
    # from the stage's start (10 Feb, inclusive): 3; from creation (10 Jan): 4; the last: 15 Feb
    a = rows["A"]
    assert (a["touches_recent"], a["touches_stage"], a["touches_life"]) == (2, 3, 4)
    assert a["last_touch_at"] == datetime(2026, 2, 15, tzinfo=UTC)
    assert (rows["B"]["touches_recent"], rows["B"]["touches_life"], rows["B"]["last_touch_at"]) == (0, 0, None)
