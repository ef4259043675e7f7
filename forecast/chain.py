"""Win probabilities from the stage moves themselves: an absorbing Markov chain per owner and per lead source.

Every stage move before a cutoff counts (forward, skip, back, lost, won), also of deals still open, so the
chain learns from many more events than closed deals, and without waiting for outcomes. For each pipeline
and cutoff: the company's move probabilities per stage (a pseudo-move of weight PRIOR_MOVES towards the
configured stage probability keeps a stage without moves at the CRM's number); each owner's (and each lead
source's) moves shrunk towards the company's by empirical Bayes (prior weight per stage from the spread of
the groups' forward-move shares, `shrinkage.prior_strength`); then the probability of ending in won from
each stage, B = (I - Q)^-1·R. The model uses the log-odds of a group's B against the company's: the
owner's (source's) own effect at that very stage, learned from few deals without overfitting.
Outcomes are treated as absorbing (a reopen is rare; the logistic model's intercept absorbs the rest).
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from forecast.inputs import OUTCOMES, History
from forecast.logit import logit
from forecast.shrinkage import prior_strength

log = logging.getLogger(__name__)

PRIOR_MOVES = 2.0  # weight (in moves) of the configured stage probability in the company's chain
NONE = "\x00none"  # group of moves whose owner / source is unknown: counted for the company, never reported


def stage_moves(flagged: pl.DataFrame, owners: pl.DataFrame, opportunities: pl.DataFrame) -> pl.DataFrame:
    """Moves out of a pipeline stage, with the owner at the move and the deal's lead source."""
    moves = flagged.filter(
        pl.col("from_state").is_not_null()
        & ~pl.col("from_state").is_in(OUTCOMES)
        & (pl.col("from_state") != pl.col("to_state"))
    ).sort("transitioned_at")
    with_owner = moves.join_asof(
        owners.sort("valid_from").select("opportunity_id", "valid_from", "owner_id"),
        left_on="transitioned_at",
        right_on="valid_from",
        by="opportunity_id",
        strategy="backward",
        check_sortedness=False,
    )
    return with_owner.join(
        opportunities.select("opportunity_id", "lead_source"), on="opportunity_id", how="left"
    ).select("pipeline_key", "from_state", "to_state", "transitioned_at", "owner_id", "lead_source")


def _win_probabilities(p: np.ndarray, k: int) -> np.ndarray:
    """Absorption in won (column k) from each of the k stages, for a stack of move matrices (..., k, k + 2)."""
    q = p[..., :k, :k]
    r = p[..., :k, k]
    return np.linalg.solve(np.eye(k) - q, r[..., None])[..., 0]


def _forward_share(rows: np.ndarray, forward: np.ndarray) -> np.ndarray:
    return np.clip((rows * forward).sum(axis=-1), 1e-6, 1 - 1e-6)


def _tilted(rows: np.ndarray, shift: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Move probabilities `rows` (..., k, k+2) with the forward moves' odds multiplied by exp(shift) (..., k)."""
    weights = rows * np.where(forward > 0, np.exp(shift)[..., None], 1.0)
    return weights / weights.sum(axis=-1, keepdims=True)


def _levels(
    counts: np.ndarray, company_p: np.ndarray, forward: np.ndarray, rounds: int = 6
) -> tuple[np.ndarray, np.ndarray]:
    """Forward-move log-odds per stage for an average group (a[s, k]) and each group's shift over all its stages
    (delta[s, g]), fitted together by a few penalized Newton rounds of an additive logistic model.

    Fitting both at once keeps the stage level from being the skilled groups' (they reach late stages more
    often); the groups' shifts have a normal prior whose variance tau^2 comes from their spread net of noise
    (method of moments), so a group with few moves keeps little shift.
    """
    totals = counts.sum(axis=-1)  # [s, g, k]
    observed_gk = (counts * forward).sum(axis=-1)
    observed_g, observed_k = observed_gk.sum(axis=-1), observed_gk.sum(axis=1)
    base = logit(_forward_share(company_p, forward))  # [s, k]
    a = np.zeros_like(base)
    delta = np.zeros(totals.shape[:2])
    for _ in range(rounds):
        f = 1.0 / (1.0 + np.exp(-(base[:, None, :] + a[:, None, :] + delta[..., None])))
        variance = totals * f * (1 - f)
        info_k = variance.sum(axis=1)
        a = a + np.divide(observed_k - (totals * f).sum(axis=1), info_k, out=np.zeros_like(a), where=info_k > 0)
        info_g = variance.sum(axis=-1)
        gap = observed_g - (totals * f).sum(axis=-1)
        raw = delta + np.divide(gap, info_g, out=np.zeros_like(delta), where=info_g > 0)
        groups, total_info = (info_g > 0).sum(axis=1), info_g.sum(axis=1)
        tau2 = np.divide((info_g * raw**2).sum(axis=1) - groups, total_info, out=np.zeros_like(total_info),
                         where=total_info > 0)  # fmt: skip
        precision = 1.0 / np.clip(tau2, 1e-3, None)[:, None]
        delta = delta + (gap - precision * delta) / (info_g + precision)
    return a, delta


def _pipeline_chain(counts: np.ndarray, stage_probability: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """counts[snapshot, group, from stage, to state (stages, won, lost)] → (company B[s, k], group B[s, g, k]).

    A group's moves at a stage shrink towards the company's moves tilted by the group's overall level
    (a salesperson good everywhere is expected to be good at this stage too), with a prior weight per stage
    from the spread of the groups' forward shares around those tilted rates (their stage-specific knack).
    """
    k = counts.shape[2]
    prior = np.zeros((k, k + 2))
    prior[:, k] = stage_probability
    prior[:, k + 1] = 1.0 - stage_probability
    company = counts.sum(axis=1)
    company_p = (company + PRIOR_MOVES * prior) / (company.sum(axis=-1, keepdims=True) + PRIOR_MOVES)
    forward = np.triu(np.ones((k, k + 2)), 1)
    forward[:, k + 1] = 0.0
    a, delta = _levels(counts, company_p, forward)
    average = _tilted(company_p, a, forward)  # an average group's moves
    centre = _tilted(average[:, None], np.broadcast_to(delta[..., None], (*delta.shape, k)), forward)  # [s, g, k, k+2]
    totals = counts.sum(axis=-1)  # [s, g, k]
    forward_moves = (counts * forward).sum(axis=-1)
    centre_forward = (centre * forward).sum(axis=-1)
    m = np.array(
        [
            [prior_strength(forward_moves[s, :, j], totals[s, :, j], centre_forward[s, :, j]) for j in range(k)]
            for s in range(counts.shape[0])
        ]
    )  # [s, k]
    group_p = (counts + m[:, None, :, None] * centre) / (totals + m[:, None, :])[..., None]
    return _win_probabilities(average, k), _win_probabilities(group_p, k)


def chain_effects(
    moves: pl.DataFrame, stages: pl.DataFrame, cutoffs: pl.DataFrame, key: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per snapshot, pipeline and stage: the company's chain log-odds of a win (`chain_log_odds`), and per
    group of `key` the group's log-odds minus the company's (`chain_<key>`), from moves before the cutoff."""
    company_rows, group_rows = [], []
    snapshots = cutoffs.sort("snapshot_date")
    for (pipeline,), config in stages.sort("stage_order").group_by("pipeline_key", maintain_order=True):
        state_keys = config["stage_key"].to_list()
        k = len(state_keys)
        index = {s: i for i, s in enumerate(state_keys)} | {"won": k}
        seen = (
            snapshots.join_where(
                moves.filter((pl.col("pipeline_key") == pipeline) & pl.col("from_state").is_in(state_keys)),
                pl.col("transitioned_at") < pl.col("cutoff_at"),
            )
            .with_columns(group=pl.col(key).fill_null(NONE))
            .group_by("snapshot_date", "group", "from_state", "to_state")
            .len()
        )
        groups = sorted(set(seen["group"].to_list()))
        dates = snapshots["snapshot_date"].to_list()
        counts = np.zeros((len(dates), max(len(groups), 1), k, k + 2))
        if seen.height:
            s = seen["snapshot_date"].cast(pl.Int64).to_numpy()
            date_ix = np.searchsorted(np.array([d.toordinal() - 719163 for d in dates]), s)
            g_ix = np.searchsorted(np.array(groups, dtype=object), seen["group"].to_numpy())
            f_ix = np.array([index[v] for v in seen["from_state"].to_list()])
            t_ix = np.array([index.get(v, k + 1) for v in seen["to_state"].to_list()])
            np.add.at(counts, (date_ix, g_ix, f_ix, t_ix), seen["len"].to_numpy().astype(float))
        company, by_group = _per_snapshot(counts, config["probability"].fill_null(0.5).clip(0.005, 0.995).to_numpy())
        company_lo = logit(company)
        company_rows.append(
            pl.DataFrame(
                {
                    "snapshot_date": [d for d in dates for _ in range(k)],
                    "pipeline_key": pipeline,
                    "state": state_keys * len(dates),
                    "chain_log_odds": company_lo.ravel(),
                }
            )
        )
        effect = logit(by_group) - company_lo[:, None, :]
        for g, group in enumerate(groups):
            if group == NONE:
                continue
            group_rows.append(
                pl.DataFrame(
                    {
                        "snapshot_date": [d for d in dates for _ in range(k)],
                        "pipeline_key": pipeline,
                        key: group,
                        "state": state_keys * len(dates),
                        f"chain_{key}": effect[:, g, :].ravel(),
                    }
                )
            )
    company_schema, group_schema = _schemas(key)
    company_frame = pl.concat(company_rows) if company_rows else pl.DataFrame(schema=company_schema)
    group_frame = pl.concat(group_rows).cast(group_schema) if group_rows else pl.DataFrame(schema=group_schema)
    return company_frame.cast({"snapshot_date": pl.Date}), group_frame


def _per_snapshot(counts: np.ndarray, stage_probability: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_pipeline_chain` one snapshot at a time, over the groups with a move before that snapshot's cutoff only.

    A snapshot's chain then depends on nothing later: neither on groups first seen afterwards nor on the number of
    snapshots (both would change the length, and so the rounding, of its sums). A group not seen yet has the
    company's chain (its effect is 0).
    """
    company = np.zeros(counts.shape[:1] + counts.shape[2:3])
    by_group = np.zeros(counts.shape[:3])
    for s in range(counts.shape[0]):
        present = np.nonzero(counts[s].sum(axis=(1, 2)) > 0)[0]
        snapshot_company, snapshot_groups = _pipeline_chain(counts[s : s + 1, present], stage_probability)
        company[s] = snapshot_company[0]
        by_group[s] = company[s]
        by_group[s, present] = snapshot_groups[0]
    return company, by_group


def _schemas(key: str) -> tuple[dict, dict]:
    keys = {"snapshot_date": pl.Date, "pipeline_key": pl.String, "state": pl.String}
    return {**keys, "chain_log_odds": pl.Float64}, {**keys, key: pl.String, f"chain_{key}": pl.Float64}


def chain_frames(
    flagged: pl.DataFrame, history: History, cutoffs: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(company, owner, source) frames of `chain_effects`; empty (the chain's terms are then 0 and the offset is
    the stage probability, as without the chain) should the chain fail on some data, with a warning."""
    try:
        moves = stage_moves(flagged, history.owners, history.opportunities)
        company, owner = chain_effects(moves, history.stages, cutoffs, "owner_id")
        _, source = chain_effects(moves, history.stages, cutoffs, "lead_source")
    except Exception as exc:  # noqa: BLE001 - an optional refinement must not stop the forecast
        log.warning("stage-move chain left out: %s: %s", type(exc).__name__, exc)
        (company_schema, owner_schema), (_, source_schema) = _schemas("owner_id"), _schemas("lead_source")
        return tuple(pl.DataFrame(schema=x) for x in (company_schema, owner_schema, source_schema))
    return company, owner, source
