"""CRM exports of the sales process: opportunity snapshots, the stage-change log, follow-ups."""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from demo.activities import TYPE_ZH
from demo.actors import Deal
from demo.clock import DAY, HOUR, fmt_amount, stem_at
from demo.config import OUTCOME_CODE, OUTCOME_STATUS_ZH, OUTCOME_ZH, OUTCOMES
from demo.crm_files import Style, emit, period_style
from demo.tables import Cell
from demo.world import World
from ingest.schemas import CRM_ACTIVITIES, CRM_OPPORTUNITIES, CRM_STAGE_CHANGES

GBK_SNAPSHOT, XLSX_SNAPSHOT, LATE_LOG_PERIOD, DUPLICATED_ACTIVITIES = 2, 5, 4, 6

OPP_EN = ("opportunity_id", "name", "customer_id", "owner_id", "pipeline", "stage", "status", "amount",
          "currency", "expected_close_date", "created_at", "closed_at", "lost_reason", "updated_at")  # fmt: skip
OPP_ZH = ("商机ID", "商机名称", "客户ID", "负责人ID", "商机状态组", "商机阶段", "商机状态", "商机金额", "币种",
          "预计成交日期", "创建时间", "结束时间", "输单原因", "更新时间", "产品线")  # fmt: skip


def stage_label(rng: random.Random, deal: Deal, key: str, chinese: bool) -> str:
    """A stage as an export spells it: key or English name, or Chinese name or alias; outcomes too."""
    if key in OUTCOMES:
        return OUTCOME_ZH[key] if chinese else key
    stage = next(s for s in deal.pipeline.stages if s.key == key)
    if chinese:
        return stage.name if rng.random() < 0.6 or not stage.aliases else rng.choice(stage.aliases)
    return stage.key if rng.random() < 0.7 else stage.name_en


def _snapshot_style(index: int, last: int) -> Style:
    if index == GBK_SNAPSHOT:
        return Style(chinese=True, encoding="gbk", when="slash", money="fullwidth_yen")
    if index == XLSX_SNAPSHOT:
        return Style(chinese=True, xlsx=True)
    if index == last or index % 2 == 1:
        return Style(chinese=True, encoding="utf-8-sig", when=("iso", "slash")[index % 2], money="yen")
    return Style(when=("iso", "epoch_s", "epoch_ms")[index % 3])


def _snapshot_row(rng: random.Random, deal: Deal, ts: int, style: Style, numeric_status: bool) -> list[Cell]:
    since, state = deal.state_at(ts)
    outcome = state if state in OUTCOMES else "open"
    open_stage = state
    if outcome != "open":
        open_stage = next(s for t, s in reversed(deal.transitions) if t <= since and s not in OUTCOMES)
    amount = deal.amount_at(ts)
    p = deal.prospect
    customer = p.customer_id if deal.has_customer and p.customer_id and p.customer_created < ts else ""
    if style.chinese:
        stage = stage_label(rng, deal, state, True)
        status = OUTCOME_CODE[outcome] if numeric_status else OUTCOME_STATUS_ZH[outcome]
        pipeline = "" if deal.pipeline.key == "default" else deal.pipeline.key
    else:
        stage = stage_label(rng, deal, open_stage, False)
        status = OUTCOME_CODE[outcome] if numeric_status else outcome
        pipeline = deal.pipeline.key
    money: Cell = amount if style.xlsx else fmt_amount(amount, style.money)
    name = f"{p.corp}-{'年度续约' if deal.pipeline.key == 'renewal' else '采购项目'}"
    row: list[Cell] = [
        deal.opp_id, name, customer, deal.owner_at(ts).user_id, pipeline, stage, status, money, "CNY",
        style.day(deal.expected_close), style.dt(deal.created), style.dt(since) if outcome != "open" else "",
        deal.lost_reason if outcome == "lost" else "", style.dt(deal.updated_at(ts)),
    ]  # fmt: skip
    return row + ["标准版" if amount < 80_000 else "企业版"] if style.chinese else row


def write_opportunities(world: World, root: Path) -> int:
    """One snapshot per month: every opportunity existing at delivery time, in its state then."""
    count, last = 0, len(world.periods) - 1
    for period in world.periods:
        rng = random.Random(f"opportunities/{world.seed}/{period.index}")
        style = _snapshot_style(period.index, last)
        numeric_status = period.index % 4 == 3
        rows = [
            _snapshot_row(rng, d, period.delivered, style, numeric_status)
            for d in world.deals
            if d.created < period.delivered
        ]
        header = OPP_ZH if style.chinese else OPP_EN
        if numeric_status:
            header = tuple("is_end" if h in ("status", "商机状态") else h for h in header)
        count += emit(root / CRM_OPPORTUNITIES.folder, period.stem, header, rows, style)
    return count


def _log_rows(world: World) -> list[tuple[int, Deal, str, str]]:
    """(changed_at, deal, stage, operator) of every logged transition; some deals' logs are incomplete."""
    rng = random.Random(f"stage_changes/{world.seed}")
    rows = []
    for deal in world.deals:
        logged = {"full": deal.transitions, "missed_last": deal.transitions[:-1], "none": []}[deal.log_policy]
        for ts, state in logged:
            operator = deal.owner_at(ts + 1).user_id
            if rng.random() < 0.1:
                operator = "admin" if state not in OUTCOMES else "system"
            rows.append((ts, deal, state, operator))
    rows.sort(key=lambda r: (r[0], r[1].opp_id))
    return rows


def write_stage_changes(world: World, root: Path) -> int:
    """Monthly log files plus one late file: rows of an earlier month that missed their delivery."""
    folder, count = root / CRM_STAGE_CHANGES.folder, 0
    rows = _log_rows(world)
    late_period = world.periods[min(LATE_LOG_PERIOD, len(world.periods) - 2)]
    late_cut = late_period.start + 14 * DAY
    late_ids = {d.opp_id for d in world.deals[:: max(1, len(world.deals) // 40)]}

    def is_late(row: tuple[int, Deal, str, str]) -> bool:
        return late_period.start <= row[0] < late_cut and row[1].opp_id in late_ids

    batches = [(p, period_style(p, 1), [r for r in rows if p.start <= r[0] < p.end and not is_late(r)]) for p in
               world.periods]  # fmt: skip
    batches.append((None, Style(chinese=True, encoding="utf-8-sig", when="epoch_s"), [r for r in rows if is_late(r)]))
    for period, style, batch in batches:
        rng = random.Random(f"stage_changes/{world.seed}/{period.index if period else 'late'}")
        header = (
            ("商机ID", "新阶段", "变更时间", "操作人")
            if style.chinese
            else ("opportunity_id", "stage", "changed_at", "changed_by")
        )
        out = [(d.opp_id, stage_label(rng, d, s, style.chinese), style.dt(ts), op) for ts, d, s, op in batch]
        stem = period.stem if period else stem_at(late_cut + 10 * HOUR)
        count += emit(folder, stem, header, out, style)
    return count


ACT_EN = ("activity_id", "owner_id", "occurred_at", "type", "opportunity_id", "customer_id", "lead_id",
          "next_followup_at")  # fmt: skip
ACT_ZH = ("跟进ID", "负责人ID", "跟进时间", "跟进方式", "商机ID", "客户ID", "线索ID", "下次联系时间")


def write_activities(world: World, root: Path) -> int:
    """Monthly follow-up exports; one month is delivered twice (same bytes, later name)."""
    folder, count = root / CRM_ACTIVITIES.folder, 0
    for period in world.periods:
        style = period_style(period, 0)
        style = replace(style, when="slash") if style.when.startswith("epoch") and style.chinese else style
        rows: list[Sequence[Cell]] = [
            (
                a.activity_id,
                a.owner_id,
                style.dt(a.ts),
                TYPE_ZH[a.kind] if style.chinese else a.kind,
                a.opportunity_id,
                a.customer_id,
                a.lead_id,
                style.dt(a.next_followup),
            )  # fmt: skip
            for a in world.activities
            if period.start <= a.ts < period.end
        ]
        count += emit(folder, period.stem, ACT_ZH if style.chinese else ACT_EN, rows, style)
        if period.index == min(DUPLICATED_ACTIVITIES, len(world.periods) - 1):
            copy = folder / f"{stem_at(period.delivered + 6 * HOUR)}.csv"
            shutil.copyfile(folder / f"{period.stem}.csv", copy)
            count += len(rows)
    return count
