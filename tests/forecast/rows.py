"""A forecast `History` from plain row tuples: the one way the test worlds (synthetic, degenerate, Markov) build it."""

from __future__ import annotations

import polars as pl

from forecast.inputs import History

TIME = pl.Datetime("us", "UTC")


def history_from_rows(
    transitions: list[tuple], opportunities: list[tuple], owners: list[tuple], amounts: list[tuple],
    touches: list[tuple], stages: list[tuple],
) -> History:  # fmt: skip
    """Rows, column for column:
    transitions (opportunity_id, seq, from_state, to_state, transitioned_at), opportunities (opportunity_id,
    pipeline_key, lead_source), owners (opportunity_id, owner_id, valid_from), amounts (opportunity_id, amount,
    valid_from), touches (opportunity_id, touched_at), stages (pipeline_key, stage_key, stage_order, probability,
    is_required)."""

    def frame(rows: list[tuple], schema: dict) -> pl.DataFrame:
        return pl.DataFrame(rows, schema=schema, orient="row")

    return History.from_frames(
        transitions=frame(transitions, {"opportunity_id": pl.String, "seq": pl.Int64, "from_state": pl.String,
                                        "to_state": pl.String, "transitioned_at": TIME}),
        opportunities=frame(opportunities, {"opportunity_id": pl.String, "pipeline_key": pl.String,
                                            "lead_source": pl.String}),
        owners=frame(owners, {"opportunity_id": pl.String, "owner_id": pl.String, "valid_from": TIME}),
        amounts=frame(amounts, {"opportunity_id": pl.String, "amount": pl.Float64, "valid_from": TIME}),
        touches=frame(touches, {"opportunity_id": pl.String, "touched_at": TIME}),
        stages=frame(stages, {"pipeline_key": pl.String, "stage_key": pl.String, "stage_order": pl.Int64,
                              "probability": pl.Float64, "is_required": pl.Boolean}),
    )  # fmt: skip
