"""A sales world with a known answer: deals move between stages by a Markov chain whose transition
probabilities depend on the stage, the salesperson (skill, team, a per-stage knack) and the lead source.

Won is absorbing; lost is left again by a reopen (to the second stage) with a small probability, else final;
deals also regress one stage and skip one. Time spent in a stage is drawn independently of where the deal
goes next, so the probability that an open deal is eventually won depends only on (stage, owner, source):
`exact_p_win` computes it from the fundamental matrix N = (I - Q)^-1 of the absorbing chain. Every deal is
simulated to its end, so every deal open at an as-of date has a final outcome to score against.
Touches and amounts carry no signal here (a model that believes they do pays for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from forecast.inputs import History
from tests.forecast.rows import TIME, history_from_rows

START = datetime(2025, 1, 1, tzinfo=UTC)
HISTORY_DAYS = 548  # a year and a half of data
DEALS_PER_YEAR = 700
PIPELINE = "p1"
# stage key, configured probability (the CRM's table), median days in the stage
STAGES = (
    ("线索", 0.10, 12.0),
    ("需求确认", 0.30, 18.0),
    ("方案", 0.50, 21.0),
    ("报价", 0.70, 15.0),
    ("谈判", 0.90, 10.0),
)
# base log-weights per stage of the moves: forward one, skip one, back one, lost (forward from the last = won)
BASE = np.array(
    [
        [0.0, -2.5, -9.0, 0.3],
        [0.0, -2.2, -2.5, 0.2],
        [0.0, -2.3, -2.2, 0.0],
        [0.2, -9.0, -2.0, -0.1],
        [0.9, -9.0, -2.0, 0.0],
    ]
)
REOPEN = 0.05  # a lost deal comes back (to the second stage) with this probability
REOPEN_TO = 1
SOURCES = {"referral": (0.2, 0.5), "web": (0.4, 0.0), "event": (0.15, 0.2), "ads": (0.25, -0.45)}  # share, effect
TEAMS = {"华东": 0.25, "华南": 0.0, "华北": -0.25}
N_REPS = 12
LOST, WON = len(STAGES), len(STAGES) + 1  # chain indices after the stages: lost (transient: may reopen), won


@dataclass(frozen=True)
class Rep:
    name: str
    team: str
    skill: float
    knack: np.ndarray  # per-stage deviation from the rep's overall skill


def make_reps(rng: np.random.Generator) -> list[Rep]:
    skills = rng.permutation(np.linspace(-1.3, 1.3, N_REPS))
    teams = list(TEAMS)
    return [
        Rep(f"rep{i:02d}", teams[i % len(teams)], float(skills[i]), rng.normal(0.0, 0.3, len(STAGES)))
        for i in range(N_REPS)
    ]


def move_probabilities(rep: Rep, source: str) -> np.ndarray:
    """P[from stage, to state] over the chain states (stages, lost, won) for one owner and source."""
    k = len(STAGES)
    p = np.zeros((k + 2, k + 2))
    for s in range(k):
        boost = rep.skill + TEAMS[rep.team] + rep.knack[s] + SOURCES[source][1]
        weights = np.exp(BASE[s] + np.array([boost, 0.5 * boost, -0.5 * boost, -0.5 * boost]))
        weights /= weights.sum()
        targets = (s + 1 if s + 1 < k else WON, s + 2 if s + 2 < k else None, s - 1 if s > 0 else None, LOST)
        for target, w in zip(targets, weights, strict=True):
            if target is not None:
                p[s, target] += w
        p[s] /= p[s].sum()  # impossible moves (skip from the last stages, back from the first) are left out
    p[LOST, REOPEN_TO] = REOPEN
    return p


def exact_p_win(p: np.ndarray) -> np.ndarray:
    """Probability of absorption in won from each stage: B = N·R with N = (I - Q)^-1 the fundamental matrix.

    Transient states: the stages and lost (left by a reopen with probability REOPEN, else final).
    """
    k = len(STAGES)
    transient = list(range(k)) + [LOST]
    q = p[np.ix_(transient, transient)]
    to_won = p[transient, WON]
    fundamental = np.linalg.inv(np.eye(len(transient)) - q)
    return (fundamental @ to_won)[:k]


@dataclass(frozen=True)
class World:
    history: History  # everything before the end of the history (what the forecast may see)
    end: datetime
    outcomes: pl.DataFrame  # opportunity_id, won, closed_at (final outcome and when, simulated to the end)
    exact: pl.DataFrame  # owner_id, lead_source, stage_key, p_exact


def _lognormal_days(rng: np.random.Generator, median: float) -> float:
    return float(median * np.exp(rng.normal(0.0, 0.6)))


def simulate(seed: int = 11) -> World:
    rng = np.random.default_rng(seed)
    reps = make_reps(rng)
    sources, shares = list(SOURCES), np.array([v[0] for v in SOURCES.values()])
    chains = {(r.name, s): move_probabilities(r, s) for r in reps for s in sources}
    n_deals = rng.poisson(DEALS_PER_YEAR * HISTORY_DAYS / 365)
    transitions, opportunities, owners, amounts, touches, outcomes = [], [], [], [], [], []
    for n in range(n_deals):
        opp, rep, source = f"D{n:05d}", reps[rng.integers(N_REPS)], sources[rng.choice(len(sources), p=shares)]
        p = chains[(rep.name, source)]
        t = START + timedelta(days=float(rng.uniform(0, HISTORY_DAYS)))
        created = t
        opportunities.append((opp, PIPELINE, source))
        owners.append((opp, rep.name, datetime(1900, 1, 1, tzinfo=UTC)))
        amounts.append((opp, float(round(np.exp(rng.normal(11.0, 0.6)), -2)), datetime(1900, 1, 1, tzinfo=UTC)))
        state, seq, prev = 0, 1, None
        transitions.append((opp, seq, None, STAGES[0][0], t))
        while True:
            stay = _lognormal_days(rng, STAGES[state][2] if state < LOST else 30.0)
            t += timedelta(days=stay)
            if state == LOST and rng.random() >= REOPEN:
                break  # final loss: nothing more happens
            nxt = REOPEN_TO if state == LOST else int(rng.choice(len(p), p=p[state]))
            prev, state, seq = state, nxt, seq + 1
            name = "lost" if state == LOST else "won" if state == WON else STAGES[state][0]
            from_name = "lost" if prev == LOST else STAGES[prev][0]
            transitions.append((opp, seq, from_name, name, t))
            if state == WON:
                break
        outcomes.append((opp, state == WON, transitions[-1][4]))
        life = (t - created).total_seconds() / 86_400
        for _ in range(rng.poisson(0.4 * life / 7)):
            touches.append((opp, created + timedelta(days=float(rng.uniform(0, life)))))
    end = START + timedelta(days=HISTORY_DAYS)
    stages = [(PIPELINE, key, i + 1, prob, False) for i, (key, prob, _) in enumerate(STAGES)]
    history = history_from_rows(transitions, opportunities, owners, amounts, touches, stages)
    exact = pl.DataFrame(
        [
            (rep, source, STAGES[s][0], float(h))
            for (rep, source), p in chains.items()
            for s, h in enumerate(exact_p_win(p))
        ],
        schema=["owner_id", "lead_source", "stage_key", "p_exact"],
        orient="row",
    )
    return World(
        history=history.before(end),
        end=end,
        outcomes=pl.DataFrame(
            outcomes, schema={"opportunity_id": pl.String, "won": pl.Boolean, "closed_at": TIME}, orient="row"
        ),
        exact=exact,
    )
