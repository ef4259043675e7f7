"""Where every opportunity stood at each cutoff instant, from the events before that instant only."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from forecast.inputs import OUTCOMES, History

DAY_US = 86_400_000_000


def cutoff_frame(cutoffs: dict[date, datetime]) -> pl.DataFrame:
    """One row per snapshot date with the instant it stands for."""
    return pl.DataFrame(
        {"snapshot_date": list(cutoffs), "cutoff_at": list(cutoffs.values())},
        schema={"snapshot_date": pl.Date, "cutoff_at": pl.Datetime("us", "UTC")},
    )


def days_between(start: str | pl.Expr, end: str | pl.Expr) -> pl.Expr:
    start = pl.col(start) if isinstance(start, str) else start
    end = pl.col(end) if isinstance(end, str) else end
    return (end - start).dt.total_microseconds() / DAY_US


def _stage_orders(stages: pl.DataFrame) -> pl.DataFrame:
    """(pipeline, state) → order, with won one past the last stage and a running count of required stages."""
    stages = stages.sort("pipeline_key", "stage_order").with_columns(
        required_through=pl.col("is_required").cast(pl.Int64).cum_sum().over("pipeline_key")
    )
    columns = ["pipeline_key", "stage_key", "stage_order", "required_through"]
    won = stages.group_by("pipeline_key").agg(
        stage_key=pl.lit("won"),
        stage_order=pl.col("stage_order").max() + 1,
        required_through=pl.col("required_through").max(),
    )
    return pl.concat([stages.select(columns), won.select(columns)], how="vertical")


def transitions_flagged(history: History) -> pl.DataFrame:
    """Transitions with their pipeline and the regression, reopen and required-skip flags."""
    orders = _stage_orders(history.stages)
    frm = orders.rename({"stage_key": "from_state", "stage_order": "from_order", "required_through": "from_req"})
    to = orders.rename({"stage_key": "to_state", "stage_order": "to_order", "required_through": "to_req"})
    before_to = orders.rename({"stage_key": "_k", "stage_order": "_o", "required_through": "req_before_to"})
    flagged = (
        history.transitions.join(history.opportunities.select("opportunity_id", "pipeline_key"), on="opportunity_id")
        .join(frm, on=["pipeline_key", "from_state"], how="left")
        .join(to, on=["pipeline_key", "to_state"], how="left")
        .with_columns(_o=pl.col("to_order") - 1)
        .join(before_to.drop("_k"), on=["pipeline_key", "_o"], how="left")
    )
    return flagged.sort("opportunity_id", "seq").select(
        "opportunity_id",
        "pipeline_key",
        "seq",
        "from_state",
        "to_state",
        "transitioned_at",
        "first_seen_late",
        is_regression=(pl.col("to_order") < pl.col("from_order")) & (pl.col("to_state") != "won"),
        is_reopen=pl.col("from_state").is_in(OUTCOMES)
        & pl.col("to_order").is_not_null()
        & (pl.col("to_state") != "won"),
        skipped_required=(
            (pl.col("to_order") > pl.col("from_order") + 1) & (pl.col("req_before_to") > pl.col("from_req"))
        ).fill_null(False),
        is_forward=(pl.col("to_order") > pl.col("from_order")).fill_null(False),
        days_in_from_state=days_between(
            pl.col("transitioned_at").shift(1).over("opportunity_id", order_by="seq"), pl.col("transitioned_at")
        ),
    )


def _as_of(states: pl.DataFrame, versions: pl.DataFrame, value: str) -> pl.DataFrame:
    """Add a versioned attribute's value at each row's cutoff: the latest version that started before it."""
    return (
        states.sort("cutoff_at")
        .join_asof(
            versions.sort("valid_from").select("opportunity_id", "valid_from", value),
            left_on="cutoff_at",
            right_on="valid_from",
            by="opportunity_id",
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .drop("valid_from")
    )


def _seen_in_any_order(grid: pl.DataFrame, flagged: pl.DataFrame) -> pl.DataFrame:
    """Per (snapshot date, opportunity): its transitions before the cutoff, folded. Any order of seq and time."""
    seen = grid.join_where(flagged, pl.col("transitioned_at") < pl.col("cutoff_at"))
    return (
        seen.sort("seq")
        .group_by("snapshot_date", "opportunity_id")
        .agg(
            pl.col("cutoff_at").first(),
            pl.col("pipeline_key").first(),
            state=pl.col("to_state").last(),
            entered_at=pl.col("transitioned_at").last(),
            stay_unknown=pl.col("first_seen_late").last(),
            created_at=pl.col("transitioned_at").min(),
            regressions=pl.col("is_regression").sum(),
            reopens=pl.col("is_reopen").sum(),
            skipped_required=pl.col("skipped_required").any(),
        )
    )


def _seen_in_time_order(grid: pl.DataFrame, flagged: pl.DataFrame) -> pl.DataFrame:
    """The same fold when every deal's transitions are in time order (seq never goes back in time): the
    transitions before a cutoff are then a prefix, so running totals and one as-of join give the fold without
    pairing every transition with every later snapshot date (memory: deals × dates, not transitions × dates)."""
    running = (
        flagged.sort("opportunity_id", "seq")
        .with_columns(
            created_at=pl.col("transitioned_at").first().over("opportunity_id"),
            regressions=pl.col("is_regression").fill_null(False).cum_sum().over("opportunity_id"),
            reopens=pl.col("is_reopen").fill_null(False).cum_sum().over("opportunity_id"),
            skipped_required=pl.col("skipped_required").cum_max().over("opportunity_id"),
        )
        # transitions at one instant: the last of them carries the totals of all
        .unique(["opportunity_id", "transitioned_at"], keep="last", maintain_order=True)
    )
    deals = running.group_by("opportunity_id").agg(pl.col("created_at").first())
    pairs = grid.join_where(deals, pl.col("created_at") < pl.col("cutoff_at")).drop("created_at")
    return (
        pairs.sort("cutoff_at")
        .join_asof(
            running.sort("transitioned_at"),
            left_on="cutoff_at",
            right_on="transitioned_at",
            by="opportunity_id",
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .select(
            "snapshot_date",
            "opportunity_id",
            "cutoff_at",
            "pipeline_key",
            state=pl.col("to_state"),
            entered_at=pl.col("transitioned_at"),
            stay_unknown=pl.col("first_seen_late"),
            created_at=pl.col("created_at"),
            regressions=pl.col("regressions"),
            reopens=pl.col("reopens"),
            skipped_required=pl.col("skipped_required"),
        )
    )


def deal_states(history: History, cutoffs: dict[date, datetime]) -> pl.DataFrame:
    """One row per (snapshot date, opportunity created before its cutoff): state, timings, flags, owner, amount."""
    grid = cutoff_frame(cutoffs)
    flagged = transitions_flagged(history).filter(pl.col("transitioned_at").is_not_null())
    in_time_order = flagged.select(
        (pl.col("transitioned_at").diff().over("opportunity_id", order_by="seq") >= pl.duration()).all()
    ).item()
    seen = _seen_in_time_order(grid, flagged) if in_time_order else _seen_in_any_order(grid, flagged)
    states = seen.with_columns(
        is_open=~pl.col("state").is_in(OUTCOMES),
        # a first stay seen late has no known length (fct_stage_transitions.first_seen_late)
        days_in_stage=pl.when(~pl.col("stay_unknown")).then(days_between("entered_at", "cutoff_at")),
        deal_age_days=days_between("created_at", "cutoff_at"),
    )
    states = _as_of(_as_of(states, history.owners, "owner_id"), history.amounts, "amount")
    return (
        states.join(history.opportunities.select("opportunity_id", "lead_source"), on="opportunity_id", how="left")
        .join(
            history.stages.select(
                "pipeline_key", pl.col("stage_key").alias("state"), "stage_order", "probability", "stage_name"
            ),
            on=["pipeline_key", "state"],
            how="left",
        )
        .sort("snapshot_date", "opportunity_id")
    )
