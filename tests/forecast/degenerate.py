"""Small histories of the shapes real CRMs deliver that break a naive fit: one pipeline of two open stages,
no activity data, amounts only at close, too few deals, one outcome, a perfectly separating amount, years
in the past. Each deal: created in stage `s1`, half of them moved to `s2`, then won, lost or still open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from forecast.inputs import History
from tests.forecast.rows import history_from_rows

ALWAYS = datetime(1900, 1, 1, tzinfo=UTC)
STAGES = (("s1", 1, 0.2), ("s2", 2, 0.5))


@dataclass(frozen=True)
class Deal:
    opportunity_id: str
    created_at: datetime
    moved_at: datetime | None  # to s2
    outcome: str | None  # won / lost / None (still open)
    closed_at: datetime | None
    amount: float | None
    owner_id: str


def random_deals(
    n: int,
    start: datetime,
    days: int = 365,
    seed: int = 5,
    outcome: Callable[[np.random.Generator, int], str] | None = None,
    amount: Callable[[str | None, np.random.Generator], float | None] | None = None,
) -> list[Deal]:
    """`n` deals created over `days` from `start`; those created in the last 60 days stay open.

    `outcome(rng, i)` decides won/lost (default: won with probability 0.4 plus a rep effect);
    `amount(outcome, rng)` the amount known for the deal (default: a lognormal amount).
    """
    rng = np.random.default_rng(seed)
    owners = ("ann", "bo", "cy")
    deals = []
    for i in range(n):
        created = start + timedelta(days=float(rng.uniform(0, days)))
        owner = owners[i % 3]
        stays_open = created > start + timedelta(days=days - 60)
        result = None if stays_open else (outcome(rng, i) if outcome else _default_outcome(rng, i))
        moved = created + timedelta(days=float(rng.uniform(2, 10))) if i % 2 else None
        closed = created + timedelta(days=float(rng.uniform(12, 50))) if result else None
        value = amount(result, rng) if amount else float(round(np.exp(rng.normal(9, 0.5)), -1))
        deals.append(Deal(f"D{i:04d}", created, moved, result, closed, value, owner))
    return deals


def _default_outcome(rng: np.random.Generator, i: int) -> str:
    return "won" if rng.random() < 0.4 + 0.15 * (i % 3 - 1) else "lost"


def history_of(deals: list[Deal], touches: list[tuple[str, datetime]] | None = None) -> History:
    transitions = []
    for d in deals:
        states = [("s1", d.created_at)]
        if d.moved_at is not None:
            states.append(("s2", d.moved_at))
        if d.outcome is not None:
            states.append((d.outcome, max(d.closed_at, states[-1][1] + timedelta(days=1))))
        previous = None
        for seq, (state, at) in enumerate(states, start=1):
            transitions.append((d.opportunity_id, seq, previous, state, at))
            previous = state
    return history_from_rows(
        transitions,
        [(d.opportunity_id, "p", "unknown") for d in deals],
        [(d.opportunity_id, d.owner_id, ALWAYS) for d in deals],
        [(d.opportunity_id, d.amount, ALWAYS) for d in deals if d.amount is not None],
        touches or [],
        [("p", key, order, prob, False) for key, order, prob in STAGES],
    )
