"""Opportunities moving through their pipeline, with the irregular paths real CRMs record."""

from __future__ import annotations

import math
import random

from demo.actors import Deal, Prospect, Rep
from demo.clock import DAY, business_time
from demo.config import LOST_REASONS, PIPELINES, SOURCES

HURDLE_LOGIT = 0.35  # per-stage pass log-odds of an average deal: ~30% of closed deals are won
FORCED = ("skip_required", "regression", "won_reopen_lost", "lost_then_won", "invalid", "owner_change")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def new_deal(rng: random.Random, opp_id: str, prospect: Prospect, pipeline_key: str, created: int) -> Deal:
    pipeline = PIPELINES[pipeline_key]
    deal = Deal(opp_id, prospect, pipeline, created, engagement=math.exp(rng.gauss(0.0, 0.5)))
    base = 25_000 if pipeline_key == "renewal" else 60_000
    amount = round(min(2_000_000, max(5_000, math.exp(rng.gauss(math.log(base), 0.7)))), -3)
    deal.amounts = [(created, amount)]
    deal.owners = [(created, prospect.owner)]
    typical = sum(s.base_days for s in pipeline.stages) * rng.uniform(0.8, 1.8)
    deal.expected_close = created + int(typical * DAY)
    return deal


def _win_logit(rng: random.Random, deal: Deal) -> float:
    amount = deal.amounts[0][1]
    z = deal.prospect.owner.skill + SOURCES[deal.prospect.source][1] + 0.9 * math.log(deal.engagement)
    z -= 0.25 * math.log(amount / 60_000)
    return z + rng.gauss(0.0, 0.35) + (0.9 if deal.pipeline.key == "renewal" else 0.0)


def simulate(rng: random.Random, deal: Deal, horizon: int) -> None:
    """Walk the deal through its stages until an outcome or the horizon (then it stays open)."""
    stages, scenario = deal.pipeline.stages, deal.scenario
    last = len(stages) - 1
    i = 1 if deal.pipeline.key == "default" and not scenario and rng.random() < 0.1 else 0
    t, z, regressed = deal.created, _win_logit(rng, deal), False
    deal.transitions, deal.stalled = [(t, stages[i].key)], [False]
    while True:
        passing = rng.random() < _sigmoid(HURDLE_LOGIT + z)
        forced_through = scenario == "skip_required" and i == 0 or scenario == "regression" and not regressed
        if scenario == "won_reopen_lost" or forced_through:
            passing = True
        elif scenario == "lost_then_won":
            passing = i < last
        invalid = scenario == "invalid" or (i <= 1 and rng.random() < 0.015)
        days = stages[i].base_days * math.exp(rng.gauss(0.0, 0.45))
        stall = not passing and not invalid and rng.random() < 0.7
        if stall:
            days *= rng.uniform(3.0, 6.0)
        elif invalid or not passing:
            days *= rng.uniform(0.4, 1.0)
        elif rng.random() < 0.06:
            days *= rng.uniform(2.0, 3.0)
        deal.stalled[-1] = stall
        t = business_time(rng, t + int(days * DAY))
        if t >= horizon:
            return
        if invalid or not passing:
            _close(rng, deal, t, "invalid" if invalid else "lost")
            break
        if i == last:
            _close(rng, deal, t, "won")
            break
        if i >= 1 and not regressed and (scenario == "regression" or rng.random() < 0.03):
            regressed, i = True, i - 1
        elif i + 2 <= last and (scenario == "skip_required" and i == 0 or rng.random() < 0.05):
            i += 2
            z -= 0.6 if stages[i - 1].required else 0.0
        else:
            i += 1
        deal.transitions.append((t, stages[i].key))
        deal.stalled.append(False)
        if stages[i].key == "quote":
            deal.amounts.append((t, round(deal.amounts[-1][1] * rng.uniform(0.8, 1.25), -3)))
    _after_close(rng, deal, horizon)


def _close(rng: random.Random, deal: Deal, t: int, outcome: str) -> None:
    deal.transitions.append((t, outcome))
    deal.stalled.append(False)
    if outcome == "lost":
        deal.lost_reason = rng.choice(LOST_REASONS)


def _after_close(rng: random.Random, deal: Deal, horizon: int) -> None:
    """Reopen a won deal that then falls through, or revive a lost one that is finally won."""
    outcome = deal.transitions[-1][1]
    reopen_won = outcome == "won" and (deal.scenario == "won_reopen_lost" or rng.random() < 0.01)
    revive_lost = outcome == "lost" and (deal.scenario == "lost_then_won" or rng.random() < 0.015)
    if not (reopen_won or revive_lost):
        return
    stage = deal.pipeline.stages[-1].key
    reopened = business_time(rng, deal.transitions[-1][0] + rng.randint(5, 25) * DAY)
    closed = business_time(rng, reopened + rng.randint(5, 20) * DAY)
    if reopened >= horizon:
        return
    deal.transitions.append((reopened, stage))
    deal.stalled.append(False)
    if closed < horizon:
        _close(rng, deal, closed, "lost" if reopen_won else "won")
        if revive_lost:
            deal.lost_reason = ""


def change_owner(rng: random.Random, deal: Deal, ts: int, new_owner: Rep) -> None:
    """Hand an open deal to another rep at `ts` (a rep left, or the manager reassigned it)."""
    if deal.owners[-1][1] is not new_owner and ts > deal.created:
        deal.owners.append((ts, new_owner))


def is_open_at(deal: Deal, ts: int) -> bool:
    return deal.created < ts and deal.state_at(ts)[1] not in ("won", "lost", "invalid")
