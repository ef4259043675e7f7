"""The one number formatter of every report: the terminal summaries, the HTML page and the load summary."""

from __future__ import annotations

MISSING = "n/a"
_PATTERNS = {
    "pct": "{:.1%}",  # a share: 0.205 -> 20.5%
    "pct0": "{:.0%}",  # a rounded share in a sentence: 0.36 -> 36%
    "days": "{:.1f} days",
    "count": "{:,.0f}",
    "amount": "{:,.0f}",  # in the reporting currency, named in the label
    "score": "{:.3f}",  # a Brier score
}


def fmt(value: float | None, unit: str) -> str:
    """`value` written for a reader in `unit` (pct, pct0, days, count, amount, score); n/a when missing."""
    if value is None:
        return MISSING
    return _PATTERNS[unit].format(value)
