"""What a report section is made of, as plain data: the sections build these, the templates lay them out.

Every text here is plain text, escaped by the templates; only `Chart.svg` is markup (rendered by Vega-Lite)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Note:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Bar:
    """A table cell drawn as a bar: a share in [0, 1] (capped), with an optional pace mark."""

    fraction: float | None
    mark: float | None = None

    @property
    def percent(self) -> float:
        return round(max(0.0, min(self.fraction or 0.0, 1.0)) * 100, 1)

    @property
    def mark_percent(self) -> float | None:
        return None if self.mark is None else round(max(0.0, min(self.mark, 1.0)) * 100, 1)

    @property
    def on_pace(self) -> bool:
        return self.fraction is not None and self.mark is not None and self.fraction >= self.mark


@dataclass(frozen=True)
class Cell:
    """A table cell with a style (`good`, `bad`) or a badge after its text."""

    text: str
    style: str = ""
    badge: str = ""


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    text: int = 1  # the first `text` columns are left-aligned text, the others right-aligned figures
    row_styles: Sequence[str] = ()
    wrap: Sequence[int] = ()  # columns of long text, wrapped


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class Cards:
    cards: Sequence[Card]


@dataclass(frozen=True)
class Steps:
    """A list of sentences; the bottleneck's is strong."""

    items: Sequence[Note] = field(default_factory=tuple)


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    svg: str


BLOCKS = (Note, Heading, Bar, Cell, Table, Card, Cards, Steps, Chart)
