"""A small simulated sales history (not the demo generator): deals whose hidden quality drives passing, stalls
and touches, so a point-in-time model has something real to learn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from forecast.inputs import History
from tests.forecast.rows import history_from_rows

START = datetime(2025, 1, 1, tzinfo=UTC)
STAGES = (("open", 1, 0.2, False), ("demo", 2, 0.4, True), ("offer", 3, 0.7, False))
OWNERS = {"alice": 0.8, "bob": 0.0, "carol": -0.8}
SOURCES = {"referral": 0.6, "web": 0.0, "ads": -0.6}


def _at(days: float) -> datetime:
    return START + timedelta(days=float(days))


def simulate(n_deals: int = 400, days: int = 365, seed: int = 3) -> History:
    rng = np.random.default_rng(seed)
    transitions, opportunities, owners, amounts, touches = [], [], [], [], []
    for n in range(n_deals):
        opp, owner = f"O{n:04d}", rng.choice(list(OWNERS))
        source = rng.choice(list(SOURCES))
        quality = OWNERS[owner] + SOURCES[source] + rng.normal(0, 0.5)
        t = rng.uniform(0, days - 20)
        opportunities.append((opp, "p1", source))
        owners.append((opp, owner, datetime(1900, 1, 1, tzinfo=UTC)))
        amounts.append((opp, float(round(np.exp(rng.normal(11, 0.5)), -2)), datetime(1900, 1, 1, tzinfo=UTC)))
        state, seq = None, 1
        for stage, *_ in STAGES:
            transitions.append((opp, seq, state, stage, _at(t)))
            state, seq = stage, seq + 1
            passing = rng.random() < 1 / (1 + np.exp(-(0.6 + quality)))
            stall = not passing and rng.random() < 0.7
            stay = 8 * np.exp(rng.normal(0, 0.4)) * (4.5 if stall else 1.0)
            rate = 0.4 * np.exp(quality / 2) * (0.15 if stall else 1.0)
            for k in range(rng.poisson(rate * stay)):
                touches.append((opp, _at(t + rng.uniform(0, stay)), k))
            t += stay
            if t >= days:
                break
            if not passing:
                transitions.append((opp, seq, state, "lost", _at(t)))
                break
        else:
            transitions.append((opp, seq, state, "won", _at(t)))
    stages = [("p1", key, order, prob, required) for key, order, prob, required in STAGES]
    touches = [(opp, at) for opp, at, _ in touches]
    return history_from_rows(transitions, opportunities, owners, amounts, touches, stages)
