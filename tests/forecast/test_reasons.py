"""Per-deal reasons: the largest factors, in words, in both languages."""

from __future__ import annotations

import numpy as np
import polars as pl

from forecast.reasons import deal_reasons


def _deal(**overrides: object) -> pl.DataFrame:
    row = {
        "state": "quote", "stage_name": "报价", "probability": 0.5, "lead_source": "web", "typical_days": 15.0,
        "days_in_stage": 47.0, "days_since_last_touch": 15.0, "touches_recent": 0, "regressions": 0, "reopens": 0,
        "skipped_required": False, "amount": 1000.0, "deal_age_days": 80.0,
    }  # fmt: skip
    return pl.DataFrame([row | overrides])


def test_the_three_largest_factors_largest_first_with_their_direction() -> None:
    factors = {
        "stage": np.array([0.05]),  # below the threshold: not worth a word
        "owner": np.array([np.log(0.7 / 0.3)]),  # the owner wins 70 % where the stage says 50 %
        "source": np.array([0.0]),
        "stall": np.array([-1.2]),
        "touch": np.array([-0.9]),
        "age": np.array([0.2]),
    }
    english, chinese = deal_reasons(_deal(), factors)
    assert english == [
        "↓ 3.0× longer in 报价 than usual (47 vs 15 days); ↓ no touch for 15 days; "
        "↑ owner wins 71% from 报价 (all: 51%)"
    ]
    assert chinese == [
        "↓ 在报价停留时间是通常的3.0倍（47天，通常15天）; ↓ 15天未跟进; ↑ 负责人在报价阶段赢单率71%（整体51%）"
    ]


def test_no_factor_large_enough_gives_no_reason() -> None:
    english, chinese = deal_reasons(_deal(), {"stage": np.array([0.1]), "owner": np.array([-0.1])})
    assert english == [None] and chinese == [None]


def test_the_path_and_the_stage_key_when_the_stage_has_no_name() -> None:
    deal = _deal(stage_name=None, regressions=1, skipped_required=True)
    english, _ = deal_reasons(deal, {"stage": np.array([np.log(0.2 / 0.8)]), "path": np.array([-0.5])})
    assert english == ["↓ deals in quote win 20% (stage table 50%); ↓ went back a stage, skipped a required stage"]
