"""Why a deal's p_win differs from its stage probability: the two or three factors that move it most, in words.

logit(p_win) − logit(stage probability) is a sum of terms: the chain's offset (stage, owner, source) and the
logistic model's intercept and coefficient × (standardized value − training mean). The terms are grouped into
factors a manager knows (the stage's real odds, the owner, the lead source, time in stage, touches, the path
taken, the amount, the deal's age); the factors with the largest absolute log-odds (at least MIN_LOG_ODDS)
are described, largest first, with ↑ (raises p_win) or ↓ (lowers it), in English and in Chinese.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

MIN_LOG_ODDS = 0.15  # smaller moves (about 3-4 points at p = 0.5) are not worth a manager's attention
TOP = 3
SEPARATOR = "; "

# feature column → factor; stage indicator columns ("pipeline:stage") and the intercept belong to "stage"
FACTOR_OF = {
    "chain_stage_shift": "stage",
    "chain_owner": "owner",
    "owner_effect": "owner",
    "chain_source": "source",
    "source_effect": "source",
    "log_days_in_stage": "stall",
    "stall_log_ratio": "stall",
    "stall_excess": "stall",
    "log_touches_recent": "touch",
    "log_touch_rate_stage": "touch",
    "log_touch_rate_life": "touch",
    "log_days_since_touch": "touch",
    "regressed": "path",
    "reopened": "path",
    "skipped_required": "path",
    "log_amount": "amount",
    "log_deal_age": "age",
}


def factor_log_odds(target: pl.DataFrame, names: tuple[str, ...], terms: np.ndarray, intercept: float) -> dict:
    """{factor: log-odds per target row}: the offset's chain terms plus the model's terms, grouped."""
    n = target.height
    factors: dict[str, np.ndarray] = {
        "stage": np.full(n, intercept) + target["chain_stage_shift"].to_numpy(),
        "owner": target["chain_owner"].to_numpy().copy(),
        "source": target["chain_source"].to_numpy().copy(),
    }
    for j, name in enumerate(names):
        factor = FACTOR_OF.get(name, "stage")
        factors[factor] = factors.get(factor, np.zeros(n)) + terms[:, j]
    return factors


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))


def _describe(factor: str, row: dict, stage_odds: float, value: float) -> tuple[str, str]:
    """(English, Chinese) words for one factor of one deal."""
    stage = row["stage_name"] or row["state"]
    base = _sigmoid(stage_odds)
    if factor == "stage":
        return (f"deals in {stage} win {_pct(base)} (stage table {_pct(row['probability'])})",
                f"{stage}阶段实际赢单率{_pct(base)}（阶段表{_pct(row['probability'])}）")  # fmt: skip
    if factor in ("owner", "source"):
        rate = _pct(_sigmoid(stage_odds + value))
        if factor == "owner":
            return (
                f"owner wins {rate} from {stage} (all: {_pct(base)})",
                f"负责人在{stage}阶段赢单率{rate}（整体{_pct(base)}）",
            )
        source = row["lead_source"]
        return (f"lead source {source} wins {rate} from {stage} (all: {_pct(base)})",
                f"来源{source}在{stage}阶段赢单率{rate}（整体{_pct(base)}）")  # fmt: skip
    if factor == "stall":
        days, usual = row["days_in_stage"], row["typical_days"]
        if days is None or usual is None:
            return f"time in {stage}", f"在{stage}阶段的停留时间"
        ratio = (days + 1.0) / (usual + 1.0)
        if ratio >= 1.0:
            return (f"{ratio:.1f}× longer in {stage} than usual ({days:.0f} vs {usual:.0f} days)",
                    f"在{stage}停留时间是通常的{ratio:.1f}倍（{days:.0f}天，通常{usual:.0f}天）")  # fmt: skip
        return (f"quicker than usual in {stage} ({days:.0f} vs {usual:.0f} days)",
                f"在{stage}推进快于通常（{days:.0f}天，通常{usual:.0f}天）")  # fmt: skip
    if factor == "touch":
        idle, recent = row["days_since_last_touch"], row["touches_recent"]
        if idle is not None and idle >= 7:
            return f"no touch for {idle:.0f} days", f"{idle:.0f}天未跟进"
        return f"{recent} touches in the last 14 days", f"近14天跟进{recent}次"
    if factor == "path":
        en, zh = [], []
        if row["regressions"]:
            en.append("went back a stage"), zh.append("曾退回前一阶段")
        if row["reopens"]:
            en.append("reopened after an outcome"), zh.append("结案后重新打开")
        if row["skipped_required"]:
            en.append("skipped a required stage"), zh.append("跳过必经阶段")
        return (", ".join(en) or "moved straight through the stages", "，".join(zh) or "按阶段顺序推进")
    if factor == "amount":
        return "amount", "金额"
    return f"open for {row['deal_age_days']:.0f} days", f"已开启{row['deal_age_days']:.0f}天"


def _amount_words(row: dict, median: float | None) -> tuple[str, str]:
    if row["amount"] is None or not median:
        return "amount unknown", "金额未知"
    ratio = row["amount"] / median
    return f"amount {ratio:.1f}× the typical open deal", f"金额为一般在谈商机的{ratio:.1f}倍"


def deal_reasons(target: pl.DataFrame, factors: dict[str, np.ndarray]) -> tuple[list[str | None], list[str | None]]:
    """(English, Chinese) reasons per target row: up to TOP factors, largest |log-odds| first, joined by "; "."""
    names = list(factors)
    matrix = np.column_stack([factors[f] for f in names])
    stage_logit = np.log(np.clip(target["probability"].fill_null(0.5).to_numpy(), 1e-3, 1 - 1e-3))
    stage_logit -= np.log(np.clip(1 - target["probability"].fill_null(0.5).to_numpy(), 1e-3, 1 - 1e-3))
    stage_odds = stage_logit + factors["stage"]
    median_amount = target["amount"].median()
    english, chinese = [], []
    for i, row in enumerate(target.iter_rows(named=True)):
        order = [j for j in np.argsort(-np.abs(matrix[i])) if abs(matrix[i, j]) >= MIN_LOG_ODDS][:TOP]
        en, zh = [], []
        for j in order:
            factor, value = names[j], float(matrix[i, j])
            words = (
                _amount_words(row, median_amount)
                if factor == "amount"
                else _describe(factor, row, stage_odds[i], value)
            )
            arrow = "↑ " if value > 0 else "↓ "
            en.append(arrow + words[0])
            zh.append(arrow + words[1])
        english.append(SEPARATOR.join(en) or None)
        chinese.append(SEPARATOR.join(zh) or None)
    return english, chinese
