"""Which as-of dates an earlier forecast already answers: a digest of everything a date's prediction may see.

A prediction at as-of date D is computed from events strictly before D's cutoff (forecast.predict), with this
package's code, the business time zone and the horizon. `as_of_digests` hashes exactly that per date: the rows of
each history table dated before the cutoff (a sum of row hashes, so row order does not matter), the stage
configuration, the parameters and the code. An earlier forecast's rows of D are kept when D's digest is
unchanged; the other dates are refitted. A daily delivery then refits the latest as-of date (and a new month's),
not the whole backtest.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
import polars as pl

from forecast.calendar import cutoff
from forecast.inputs import History

DIGEST = "history_digest"
SEEDS = (0x5EED, 0xD16E57)  # two row hashes per row: 128 bits per table and date


@cache
def code_version() -> str:
    """This package's source and the versions of the libraries whose arithmetic or hashing it relies on."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(" ".join(version(p) for p in ("numpy", "polars", "threadpoolctl")).encode())
    return digest.hexdigest()


def _dated_tables(history: History) -> list[tuple[str, pl.DataFrame, str]]:
    """Each history table with the instant from which its rows can reach a prediction: their own date, but never
    before the deal's first transition (a deal without one is in no snapshot, so its owners, amounts and touches
    reach none). A deal created today, with an amount valid "from the beginning" or messages to its prospect
    from last year, then leaves every earlier as-of date's digest as it was."""
    first_seen = history.transitions.group_by("opportunity_id").agg(_seen_at=pl.col("transitioned_at").min())

    def dated(frame: pl.DataFrame, column: str) -> pl.DataFrame:
        return frame.join(first_seen, on="opportunity_id").with_columns(
            _reaches_at=pl.max_horizontal(column, "_seen_at")
        )

    return [
        ("transitions", history.transitions, "transitioned_at"),
        ("opportunities", dated(history.opportunities, "_seen_at"), "_reaches_at"),
        # a version delivered again (the same value from the same instant) changes no as-of lookup: counted once
        ("owners", dated(history.owners.unique(), "valid_from"), "_reaches_at"),
        ("amounts", dated(history.amounts.unique(), "valid_from"), "_reaches_at"),
        ("touches", dated(history.touches, "touched_at"), "_reaches_at"),
    ]


def _prefix_sums(frame: pl.DataFrame, dated_by: str, cutoffs: list[int]) -> list[bytes]:
    """Per cutoff (microseconds): the count and the wrapped sums of the hashes of the rows dated before it."""
    frame = frame.filter(pl.col(dated_by).is_not_null()).sort(dated_by)
    times = frame[dated_by].dt.epoch("us").to_numpy()
    sums = [np.concatenate([[0], np.cumsum(frame.hash_rows(seed=s).to_numpy(), dtype=np.uint64)]) for s in SEEDS]
    ends = np.searchsorted(times, np.asarray(cutoffs, dtype=np.int64), side="left")
    return [b"%d:%d:%d" % (end, sums[0][end], sums[1][end]) for end in ends]


def as_of_digests(history: History, dates: list[date], tz: str, horizon_days: int) -> dict[date, str]:
    """A digest per as-of date of the history before its cutoff, the stages, the parameters and the code."""
    cutoffs = [int(cutoff(d, tz).timestamp() * 1_000_000) for d in dates]
    common = hashlib.sha256(f"{code_version()} {tz} {horizon_days}".encode())
    stages = history.stages.hash_rows(seed=SEEDS[0]).sort().to_numpy().tobytes()
    common.update(stages)
    per_table = [_prefix_sums(frame, dated_by, cutoffs) for _, frame, dated_by in _dated_tables(history)]
    digests = {}
    for i, day in enumerate(dates):
        digest = common.copy()
        for sums in per_table:
            digest.update(sums[i] + b"\0")
        digests[day] = digest.hexdigest()
    return digests


def reusable(earlier: pl.DataFrame | None, digests: dict[date, str], schema: pl.Schema) -> pl.DataFrame:
    """The rows of `earlier` whose as-of date is still wanted and whose digest is unchanged (none when `earlier`
    is missing or not of `schema`, e.g. written by another version)."""
    if earlier is None or earlier.schema != schema:
        return pl.DataFrame(schema=schema)
    wanted = pl.DataFrame(
        {"as_of_date": list(digests), DIGEST: list(digests.values())}, schema={"as_of_date": pl.Date, DIGEST: pl.String}
    )
    return earlier.join(wanted, on=["as_of_date", DIGEST], how="semi")
