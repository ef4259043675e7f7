"""Python rows into a polars frame quickly, for readers that build their cells in plain Python."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl

_REGROUP_FROM = 1000  # rows; fewer are cheaper taken row by row than regrouped column by column


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic GC off while a chunk's rows are built: rows of text cells hold no cycles, and the
    collector's passes over the growing list of rows cost about a third of such a reader's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def frame_from_rows(rows: Sequence[tuple[Any, ...]], schema: pl.Schema) -> pl.DataFrame:
    """The rows (tuples in `schema` order) as a frame of that schema."""
    if not rows or len(rows) < _REGROUP_FROM:
        return pl.DataFrame(rows, schema=schema, orient="row")
    columns = list(zip(*rows, strict=True))
    return pl.DataFrame([_series(n, t, c) for (n, t), c in zip(schema.items(), columns, strict=True)])


def _series(name: str, dtype: pl.DataType, values: Sequence[Any]) -> pl.Series:
    if not isinstance(dtype, pl.List):
        return pl.Series(name, values, dtype=dtype)
    # polars converts a sequence of lists row by row, slowly: build one flat column and regroup it
    rows, flat = [], []
    for i, cell in enumerate(values):
        if cell:
            flat.extend(cell)
            rows.extend([i] * len(cell))
    items = pl.DataFrame({"row": pl.Series(rows, dtype=pl.Int64), "v": pl.Series(flat, dtype=dtype.inner)})
    lists = items.group_by("row", maintain_order=True).agg("v")
    index = pl.DataFrame({"row": pl.int_range(0, len(values), dtype=pl.Int64, eager=True)})
    grouped = index.join(lists, on="row", how="left", maintain_order="left")["v"]
    empty = pl.Series([cell is not None and not cell for cell in values], dtype=pl.Boolean)
    return pl.select(pl.when(empty).then(pl.lit([], dtype)).otherwise(grouped).alias(name)).to_series()
