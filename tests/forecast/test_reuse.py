"""The digest of what an as-of date saw: unchanged by what cannot reach its prediction, changed by what can."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from forecast.calendar import cutoff
from forecast.inputs import History
from forecast.reuse import as_of_digests
from tests.forecast.synthetic import simulate

TZ = "Asia/Shanghai"
AS_OF = date(2025, 8, 1)
AT = cutoff(AS_OF, TZ)
T = pl.Datetime("us", "UTC")
T_OWNERS = {"opportunity_id": pl.String, "owner_id": pl.String, "valid_from": T}
T_AMOUNTS = {"opportunity_id": pl.String, "amount": pl.Float64, "valid_from": T}
T_TOUCHES = {"opportunity_id": pl.String, "touched_at": T}


@pytest.fixture(scope="module")
def history() -> History:
    return simulate()


def _digest(history: History) -> str:
    return as_of_digests(history, [AS_OF], TZ, 90)[AS_OF]


def _with(history: History, **frames: pl.DataFrame) -> History:
    tables = {
        name: getattr(history, name)
        for name in ("transitions", "opportunities", "owners", "amounts", "touches", "stages")
    }
    return History.from_frames(**{**tables, **frames})


def test_a_deal_created_later_and_versions_delivered_again_leave_the_digest_as_it_was(history: History) -> None:
    old = datetime(1900, 1, 1, tzinfo=UTC)
    later = pl.DataFrame(
        {"opportunity_id": ["LATE"], "seq": [1], "from_state": [None], "to_state": [history.transitions["to_state"][0]],
         "transitioned_at": [AT + timedelta(days=3)], "first_seen_late": [False]},
        schema=history.transitions.schema,
    )  # fmt: skip
    owner = pl.DataFrame({"opportunity_id": ["LATE"], "owner_id": ["eve"], "valid_from": [old]}, schema=T_OWNERS)
    amount = pl.DataFrame({"opportunity_id": ["LATE"], "amount": [5.0], "valid_from": [old]}, schema=T_AMOUNTS)
    touch = pl.DataFrame({"opportunity_id": ["LATE"], "touched_at": [AT - timedelta(days=9)]}, schema=T_TOUCHES)
    changed = _with(
        history,
        transitions=pl.concat([history.transitions, later]),
        opportunities=pl.concat(
            [history.opportunities, history.opportunities.head(1).with_columns(opportunity_id=pl.lit("LATE"))]
        ),
        # valid from the beginning, or before the cutoff: yet LATE is in no snapshot before AS_OF
        owners=pl.concat([history.owners, owner]),
        amounts=pl.concat([history.amounts, history.amounts, amount]),  # and every version delivered twice
        touches=pl.concat([history.touches, touch]),
    )
    assert _digest(changed) == _digest(history)
    assert as_of_digests(changed, [AS_OF + timedelta(days=30)], TZ, 90) != as_of_digests(
        history, [AS_OF + timedelta(days=30)], TZ, 90
    )


def test_an_earlier_touch_or_amount_or_another_horizon_changes_the_digest(history: History) -> None:
    seen = history.touches.filter(pl.col("touched_at") < AT)
    touch_moved = _with(history, touches=pl.concat([seen.tail(-1), history.touches.filter(pl.col("touched_at") >= AT)]))
    early = history.transitions.sort("transitioned_at")["opportunity_id"][0]  # a deal in the snapshots before AS_OF
    is_early = pl.col("opportunity_id") == early
    amount_changed = _with(
        history,
        amounts=history.amounts.with_columns(amount=pl.when(is_early).then(pl.col("amount") + 1).otherwise("amount")),
    )
    digest = _digest(history)
    assert _digest(touch_moved) != digest
    assert _digest(amount_changed) != digest
    assert as_of_digests(history, [AS_OF], TZ, 60)[AS_OF] != digest
    assert as_of_digests(history, [AS_OF], "UTC", 90)[AS_OF] != digest
