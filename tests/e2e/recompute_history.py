"""A small, clean, fully logged CRM history for the KPI recomputation test, and its extract files."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

STAGES = ("prospecting", "qualification", "quote", "contract")
REQUIRED_STAGE = "qualification"
PROBABILITIES = (10, 25, 50, 80)
REPS = {"u1": ("张伟", "华东"), "u2": ("李娜", "华东"), "u3": ("王强", "华南"), "u4": ("刘洋", "华南")}
SOURCES = ("官网", "展会", "转介绍")
START, END = datetime(2026, 1, 5, 9), datetime(2026, 6, 28, 18)  # business-local wall times (Asia/Shanghai)
FOLLOWUP_DAYS = 7
SEED = 75


@dataclass
class Deal:
    opportunity_id: str
    customer_id: str
    lead_id: str
    owner: str
    amount: float
    expected_close: date
    entries: list[tuple[str, datetime]] = field(default_factory=list)  # (stage key or outcome, when)

    @property
    def created(self) -> datetime:
        return self.entries[0][1]

    @property
    def state(self) -> str:
        return self.entries[-1][0]

    @property
    def outcome(self) -> str:
        return self.state if self.state in ("won", "lost", "invalid") else "open"

    @property
    def closed_at(self) -> datetime | None:
        return self.entries[-1][1] if self.outcome != "open" else None


@dataclass
class Lead:
    lead_id: str
    created: datetime
    owner: str
    source: str
    customer_id: str | None = None
    customer_created: datetime | None = None
    deals: list[Deal] = field(default_factory=list)


def _later(rng: random.Random, when: datetime, low_days: int, high_days: int) -> datetime:
    moment = when + timedelta(days=rng.randint(low_days, high_days), hours=rng.randint(0, 8))
    return moment.replace(hour=min(max(moment.hour, 9), 19), second=0, microsecond=0)


def _walk(rng: random.Random, deal: Deal, start: datetime) -> None:
    """Stage entries from creation to an outcome (or open at END): advances, skips, losses, invalids."""
    position = 1 if rng.random() < 0.2 else 0  # created past prospecting: the required stage may be skipped
    position = 2 if position == 1 and rng.random() < 0.3 else position
    deal.entries.append((STAGES[position], start))
    when = start
    while True:
        when = _later(rng, when, 1, 16)
        if when > END:
            return
        roll = rng.random()
        if len(deal.entries) == 1 and roll < 0.05:
            deal.entries.append(("invalid", when))
            return
        if roll < 0.12:
            deal.entries.append(("lost", when))
            return
        if position == len(STAGES) - 1:
            deal.entries.append(("won" if rng.random() < 0.75 else "lost", when))
            return
        position += 2 if (rng.random() < 0.12 and position + 2 < len(STAGES)) else 1
        deal.entries.append((STAGES[position], when))


def generate(seed: int = SEED) -> list[Lead]:
    rng = random.Random(seed)
    leads, deal_number = [], 0
    span = int((END - START).total_seconds() // 60) - 12 * 24 * 60
    for number in range(1, 121):
        created = (START + timedelta(minutes=rng.randint(0, span))).replace(second=0)
        created = created.replace(hour=min(max(created.hour, 9), 19))
        lead = Lead(f"L{number:03d}", created, rng.choice(sorted(REPS)), rng.choice(SOURCES))
        leads.append(lead)
        if rng.random() < 0.3:
            continue
        lead.customer_id, lead.customer_created = f"C{number:03d}", _later(rng, created, 1, 3)
        opened = _later(rng, lead.customer_created, 0, 4)
        for _ in range(2 if rng.random() < 0.25 else 1):
            deal_number += 1
            deal = Deal(
                f"O{deal_number:03d}",
                lead.customer_id,
                lead.lead_id,
                lead.owner,
                float(rng.randint(10, 120) * 1000),
                (opened + timedelta(days=rng.randint(5, 45))).date(),
            )
            _walk(rng, deal, opened)
            lead.deals.append(deal)
            opened = _later(rng, opened, 10, 30)
            if opened > END:
                break
    return leads


def _fmt(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_extracts(leads: list[Lead], root: Path) -> None:
    deals = [deal for lead in leads for deal in lead.deals]
    stage_lines = "\n".join(
        f"      - {{key: {key}, name: {key}, probability: {p}"
        + (", required: true" if key == REQUIRED_STAGE else "")
        + "}"
        for key, p in zip(STAGES, PROBABILITIES, strict=True)
    )
    root.mkdir(parents=True, exist_ok=True)
    (root / "pipelines.yml").write_text(
        f"business_timezone: Asia/Shanghai\npipelines:\n  - key: default\n    name: 默认\n    stages:\n{stage_lines}\n",
        encoding="utf-8",
    )
    _write_csv(
        root / "crm/users/users.csv",
        ["user_id", "name", "team", "active"],
        [[user, name, team, "1"] for user, (name, team) in REPS.items()],
    )
    _write_csv(
        root / "crm/leads/leads.csv",
        ["lead_id", "created_at", "owner_id", "source", "status", "customer_id"],
        [
            [
                lead.lead_id,
                _fmt(lead.created),
                lead.owner,
                lead.source,
                "converted" if lead.customer_id else "open",
                lead.customer_id or "",
            ]
            for lead in leads
        ],
    )
    _write_csv(
        root / "crm/customers/customers.csv",
        ["customer_id", "name", "created_at", "owner_id", "lead_id"],
        [
            [lead.customer_id, f"客户{lead.customer_id}", _fmt(lead.customer_created), lead.owner, lead.lead_id]
            for lead in leads
            if lead.customer_id
        ],
    )
    _write_csv(
        root / "crm/opportunities/opportunities.csv",
        [
            "opportunity_id",
            "name",
            "customer_id",
            "owner_id",
            "stage",
            "status",
            "amount",
            "expected_close_date",
            "created_at",
            "closed_at",
            "updated_at",
        ],
        [
            [
                d.opportunity_id,
                f"商机{d.opportunity_id}",
                d.customer_id,
                d.owner,
                next(s for s, _ in reversed(d.entries) if s in STAGES),
                d.outcome,
                f"{d.amount:.2f}",
                d.expected_close.isoformat(),
                _fmt(d.created),
                _fmt(d.closed_at),
                _fmt(d.entries[-1][1]),
            ]
            for d in deals
        ],
    )
    _write_csv(
        root / "crm/stage_changes/stage_changes.csv",
        ["opportunity_id", "stage", "changed_at"],
        [[d.opportunity_id, state, _fmt(when)] for d in deals for state, when in d.entries],
    )
    months = [f"2026-{m:02d}" for m in range(1, 7)]
    _write_csv(
        root / "crm/targets/targets_long.csv",
        ["scope_type", "scope_id", "month", "metric", "target"],
        [["user", user, month, "won_amount", "60000"] for user in REPS for month in months],
    )
    _write_csv(
        root / "crm/targets/targets_wide.csv",  # 悟空CRM wide form: type 2 = team, status 1 = amount
        ["obj_id", "type", "year", "status", "january", "february", "march", "april", "may", "june"],
        [[team, "2", "2026", "1", *["150000"] * 6] for team in sorted({t for _, t in REPS.values()})],
    )
