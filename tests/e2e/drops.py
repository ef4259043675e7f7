"""A tiny extract-drop builder for end-to-end tests: plain Python lists in, contract-shaped files out.

Each function writes one file of an extracts directory (docs/extract-formats.md) exactly as a CRM export
or a WeCom API pull would deliver it. Nothing here knows about the warehouse or computes any KPI: a test
describes its deals as data, writes them with these functions, and derives its expected figures from the
same data on its own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

OUTCOMES = ("won", "lost", "invalid")
DEFAULT_STAGES = ("prospecting", "qualification", "quote", "contract")


def local_text(moment: datetime | None) -> str:
    """A business-local wall time as a CRM export writes it (`YYYY-MM-DD HH:MM:SS`); empty for None."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def write_csv(root: Path, relative: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if value is None else value for value in row] for row in rows)
    return path


def write_jsonl(root: Path, relative: str, lines: Iterable[dict[str, Any]]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def write_pipelines(
    root: Path,
    pipelines: dict[str, Sequence[tuple[str, int]]],
    *,
    business_timezone: str | None = None,
    reporting_currency: str | None = None,
) -> Path:
    """pipelines.yml in the drop: {pipeline key: [(stage key, probability %), ...]} in funnel order."""
    config: dict[str, Any] = {}
    if business_timezone:
        config["business_timezone"] = business_timezone
    if reporting_currency:
        config["reporting_currency"] = reporting_currency
    config["pipelines"] = [
        {"key": key, "name": key, "stages": [{"key": s, "name": s, "probability": p} for s, p in stages]}
        for key, stages in pipelines.items()
    ]
    path = root / "pipelines.yml"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class User:
    user_id: str
    name: str
    team: str
    wecom_userid: str | None = None


def write_users(root: Path, users: Sequence[User], name: str) -> Path:
    return write_csv(
        root,
        f"crm/users/{name}",
        ["user_id", "name", "team", "wecom_userid", "active"],
        [[u.user_id, u.name, u.team, u.wecom_userid, "1"] for u in users],
    )


@dataclass
class Deal:
    """One opportunity and the true sequence of states it entered, as business-local wall times."""

    opportunity_id: str
    owner_id: str
    entries: list[tuple[str, datetime]]
    amount: float | None = None
    currency: str | None = None
    customer_id: str | None = None
    pipeline: str | None = None
    expected_close: date | None = None
    updated_at: datetime | None = field(default=None)  # overrides the time of the last entry in exports

    @property
    def created_at(self) -> datetime:
        return self.entries[0][1]

    def state_at(self, moment: datetime) -> tuple[str, datetime] | None:
        """The state held at `moment` (and when it was entered); None before creation."""
        held = [(state, when) for state, when in self.entries if when <= moment]
        return held[-1] if held else None

    def stage_at(self, moment: datetime) -> str:
        """The last open stage entered by `moment` (what a CRM keeps in its stage column after closing)."""
        return [state for state, when in self.entries if when <= moment and state not in OUTCOMES][-1]

    def export_row(self, moment: datetime, *, with_updated_at: bool = True) -> list[object]:
        """This deal as an opportunities export taken at `moment` shows it (OPPORTUNITY_HEADER order)."""
        state, entered = self.state_at(moment)
        closed = state in OUTCOMES
        updated = entered if self.updated_at is None or self.updated_at > moment else self.updated_at
        return [
            self.opportunity_id,
            f"商机 {self.opportunity_id}",
            self.customer_id,
            self.owner_id,
            self.pipeline,
            self.stage_at(moment),
            state if closed else "open",
            "" if self.amount is None else f"{self.amount:,.2f}",
            self.currency,
            None if self.expected_close is None else self.expected_close.isoformat(),
            local_text(self.created_at),
            local_text(entered) if closed else "",
            local_text(updated) if with_updated_at else "",
        ]


OPPORTUNITY_HEADER = [
    "opportunity_id",
    "name",
    "customer_id",
    "owner_id",
    "pipeline",
    "stage",
    "status",
    "amount",
    "currency",
    "expected_close_date",
    "created_at",
    "closed_at",
    "updated_at",
]


def write_opportunities(
    root: Path, deals: Sequence[Deal], as_of: datetime, name: str, *, without_updated_at: Iterable[str] = ()
) -> Path:
    """One opportunities export taken at `as_of`: every deal created by then, in its state at that time.

    The deals named in `without_updated_at` come from a CRM that leaves `updated_at` empty.
    """
    blank = set(without_updated_at)
    rows = [d.export_row(as_of, with_updated_at=d.opportunity_id not in blank) for d in deals if d.created_at <= as_of]
    return write_csv(root, f"crm/opportunities/{name}", OPPORTUNITY_HEADER, rows)


def write_stage_changes(root: Path, deals: Sequence[Deal], name: str) -> Path:
    """The CRM's stage log: one row per state entered, the creation stage and the closing included."""
    rows = [[d.opportunity_id, state, local_text(when)] for d in deals for state, when in d.entries]
    return write_csv(root, f"crm/stage_changes/{name}", ["opportunity_id", "stage", "changed_at"], rows)


@dataclass(frozen=True)
class Customer:
    customer_id: str
    created_at: datetime
    owner_id: str
    source: str | None = None
    wecom_external_userid: str | None = None


def write_customers(root: Path, customers: Sequence[Customer], name: str) -> Path:
    return write_csv(
        root,
        f"crm/customers/{name}",
        ["customer_id", "name", "created_at", "owner_id", "source", "wecom_external_userid"],
        [
            [
                c.customer_id,
                f"客户 {c.customer_id}",
                local_text(c.created_at),
                c.owner_id,
                c.source,
                c.wecom_external_userid,
            ]
            for c in customers
        ],
    )


@dataclass(frozen=True)
class Activity:
    activity_id: str
    owner_id: str
    occurred_at: datetime
    type: str
    opportunity_id: str | None = None
    customer_id: str | None = None


def write_activities(root: Path, activities: Sequence[Activity], name: str) -> Path:
    return write_csv(
        root,
        f"crm/activities/{name}",
        ["activity_id", "owner_id", "occurred_at", "type", "opportunity_id", "customer_id"],
        [
            [a.activity_id, a.owner_id, local_text(a.occurred_at), a.type, a.opportunity_id, a.customer_id]
            for a in activities
        ],
    )


def write_fx_rates(root: Path, rates: dict[tuple[str, str], float], name: str) -> Path:
    """crm/fx_rates: {(currency, 'YYYY-MM'): reporting-currency units per one unit of currency}."""
    return write_csv(
        root,
        f"crm/fx_rates/{name}",
        ["currency", "month", "rate"],
        [[currency, month, rate] for (currency, month), rate in sorted(rates.items())],
    )


def month_end_stamps(first_month: date, months: int, hour: int = 23) -> list[datetime]:
    """The last day of each month at `hour`:00, local: the delivery time of a monthly export."""
    stamps, month = [], first_month.replace(day=1)
    for _ in range(months):
        following = (month + timedelta(days=32)).replace(day=1)
        stamps.append(datetime.combine(following - timedelta(days=1), datetime.min.time()).replace(hour=hour))
        month = following
    return stamps


def stamp_name(moment: datetime, suffix: str = ".csv") -> str:
    """A delivery file name whose leading stamp is the delivery time (`2025-01-31T2300.csv`)."""
    return moment.strftime("%Y-%m-%dT%H%M") + suffix
