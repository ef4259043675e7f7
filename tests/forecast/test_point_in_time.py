"""A prediction at as-of date D depends only on what happened before D: change the future, it stays identical."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecast import forecast_opportunities
from forecast.calendar import cutoff
from forecast.inputs import History
from tests.forecast.synthetic import simulate

TZ = "Asia/Shanghai"
AS_OF = date(2025, 8, 1)


@pytest.fixture(scope="module")
def history() -> History:
    return simulate()


def _rewrite_future(history: History, at) -> History:  # noqa: ANN001
    """Every event from `at` on changed: outcomes flipped, touches moved, owners and amounts changed, new deals."""
    future = pl.col("transitioned_at") >= at
    flipped = history.transitions.with_columns(
        to_state=pl.when(future & (pl.col("to_state") == "won")).then(pl.lit("lost"))
        .when(future & (pl.col("to_state") == "lost")).then(pl.lit("won"))
        .otherwise(pl.col("to_state")),
        transitioned_at=pl.when(future).then(pl.col("transitioned_at") + timedelta(days=3))
        .otherwise(pl.col("transitioned_at")),
    )  # fmt: skip
    newcomer = pl.DataFrame(
        {"opportunity_id": ["NEW1", "NEW1"], "seq": [1, 2], "from_state": [None, "open"],
         "to_state": ["open", "won"], "transitioned_at": [at + timedelta(days=1), at + timedelta(days=9)],
         "first_seen_late": [False, False]},
        schema=history.transitions.schema,
    )  # fmt: skip
    touches = pl.concat([
        history.touches.filter(pl.col("touched_at") < at),
        history.touches.filter(pl.col("touched_at") >= at).with_columns(pl.col("touched_at") + timedelta(hours=5)),
        history.touches.filter(pl.col("touched_at") >= at).head(50),
    ])  # fmt: skip
    owners = pl.concat([
        history.owners,
        history.owners.select("opportunity_id", owner_id=pl.lit("dave"), valid_from=pl.lit(at + timedelta(days=2))),
    ]).cast(history.owners.schema)  # fmt: skip
    amounts = pl.concat([
        history.amounts,
        history.amounts.select("opportunity_id", amount=pl.col("amount") * 3, valid_from=pl.lit(at)),
    ]).cast(history.amounts.schema)  # fmt: skip
    opportunities = pl.concat(
        [
            history.opportunities,
            pl.DataFrame({"opportunity_id": ["NEW1"], "pipeline_key": ["p1"], "lead_source": ["ads"]}),
        ]  # fmt: skip
    )
    return History.from_frames(
        transitions=pl.concat([flipped, newcomer]), opportunities=opportunities, owners=owners, amounts=amounts,
        touches=touches, stages=history.stages,
    )  # fmt: skip


def test_changing_the_future_leaves_the_past_prediction_identical(history: History) -> None:
    at = cutoff(AS_OF, TZ)
    before = forecast_opportunities(history, TZ, as_of=[AS_OF])
    after = forecast_opportunities(_rewrite_future(history, at), TZ, as_of=[AS_OF])
    assert before["p_win_method"].unique().to_list() == ["model"]
    assert before.height > 20
    assert_frame_equal(before, after, check_exact=True)  # the digest of what AS_OF saw included


def test_future_changes_do_reach_later_predictions(history: History) -> None:
    """The rewrite is not a no-op: a later as-of date sees it (else the test above could not fail)."""
    later = AS_OF + timedelta(days=61)
    rewritten = _rewrite_future(history, cutoff(AS_OF, TZ))
    original = forecast_opportunities(history, TZ, as_of=[later])
    changed = forecast_opportunities(rewritten, TZ, as_of=[later])
    assert not original.equals(changed)


def test_the_history_cut_at_the_as_of_date_gives_the_same_prediction(history: History) -> None:
    full = forecast_opportunities(history, TZ, as_of=[AS_OF])
    cut = forecast_opportunities(history.before(cutoff(AS_OF, TZ)), TZ, as_of=[AS_OF])
    assert_frame_equal(full, cut, check_exact=True)


def test_a_prediction_does_not_depend_on_which_other_dates_are_forecast(history: History) -> None:
    alone = forecast_opportunities(history, TZ, as_of=[AS_OF])
    together = forecast_opportunities(history, TZ, as_of=[date(2025, 6, 1), AS_OF, date(2025, 11, 1)])
    assert_frame_equal(alone, together.filter(pl.col("as_of_date") == AS_OF), check_exact=True)


def test_an_earlier_forecast_is_kept_where_its_history_is_unchanged_and_refitted_where_it_changed(
    history: History,
) -> None:
    later = AS_OF + timedelta(days=61)
    earlier = forecast_opportunities(history, TZ, as_of=[AS_OF, later])
    # mark the earlier rows: a kept row keeps the mark, a refitted one loses it
    marked = earlier.with_columns(p_win=pl.lit(0.123))
    rewritten = _rewrite_future(history, cutoff(AS_OF, TZ))  # changes what `later` saw, not what AS_OF saw
    result = forecast_opportunities(rewritten, TZ, as_of=[AS_OF, later], earlier=marked)
    kept, refitted = (result.filter(pl.col("as_of_date") == d) for d in (AS_OF, later))
    assert kept["p_win"].unique().to_list() == [0.123]
    assert_frame_equal(kept.drop("p_win"), earlier.filter(pl.col("as_of_date") == AS_OF).drop("p_win"))
    fresh = forecast_opportunities(rewritten, TZ, as_of=[later])
    assert_frame_equal(refitted, fresh, check_exact=True)
    assert 0.123 not in refitted["p_win"].to_list()
    # an earlier result of another shape (another version) is not trusted at all
    assert_frame_equal(
        forecast_opportunities(history, TZ, as_of=[AS_OF], earlier=marked.drop("p_win_reasons")),
        earlier.filter(pl.col("as_of_date") == AS_OF),
        check_exact=True,
    )
