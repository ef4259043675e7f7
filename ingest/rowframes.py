"""Python rows into a polars frame quickly, for readers that build their cells in plain Python."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
import pyarrow as pa


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
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pl.DataFrame([_series(n, t, c) for (n, t), c in zip(schema.items(), columns, strict=True)])


def _series(name: str, dtype: pl.DataType, values: Sequence[Any]) -> pl.Series:
    if not isinstance(dtype, pl.List):
        return pl.Series(name, values, dtype=dtype)
    # A list column from one flat array and offsets: polars converts a sequence of lists row by row.
    offsets, flat = [0], []
    for cell in values:
        if cell:
            flat.extend(cell)
        offsets.append(len(flat))
    mask = pa.array([cell is None for cell in values], type=pa.bool_())
    array = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pa.array(flat), mask=mask)
    return pl.Series(name, pl.from_arrow(array), dtype=dtype)
