"""CRM exports of people and plans: users, leads, customers and targets (docs/extract-formats.md, CRM files)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from demo.actors import Prospect
from demo.clock import DAY, Period, fmt_date, fmt_datetime, fmt_mobile, local
from demo.config import TEAMS
from demo.tables import Cell, write_csv, write_xlsx
from demo.world import World
from ingest.schemas import CRM_CUSTOMERS, CRM_LEADS, CRM_TARGETS, CRM_USERS

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
SEASON = (0.9, 0.6, 1.0, 1.0, 1.0, 1.1, 0.9, 0.9, 1.0, 1.0, 1.2, 1.4)


@dataclass(frozen=True)
class Style:
    """How one exported file looks: header language, file format and value layouts."""

    chinese: bool = False
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | gbk
    xlsx: bool = False
    when: str = "iso"  # iso | slash | epoch_s | epoch_ms
    money: str = "plain"  # plain | yen | fullwidth_yen

    def dt(self, ts: int | None) -> str:
        return "" if ts is None else fmt_datetime(ts, self.when)

    def day(self, ts: int) -> str:
        text = fmt_date(ts)
        return text.replace("-", "/") if self.when == "slash" else text


def period_style(period: Period, offset: int) -> Style:
    """Alternate English and Chinese (悟空CRM-like, BOM) exports and rotate the datetime layout."""
    chinese = (period.index + offset) % 2 == 1
    when = ("iso", "slash", "epoch_s", "iso", "epoch_ms")[(period.index + offset) % 5]
    return Style(chinese, "utf-8-sig" if chinese else "utf-8", when=when, money="yen" if chinese else "plain")


def emit(folder: Path, stem: str, header: Sequence[str], rows: list[Sequence[Cell]], style: Style) -> int:
    if style.xlsx:
        notes = ["本文件由 stagewise demo 生成。", "数据在第一个工作表；本工作表只是说明，导入时忽略。"]
        return write_xlsx(folder / f"{stem}.xlsx", header, rows, notes)
    return write_csv(folder / f"{stem}.csv", header, rows, style.encoding)


USERS_EN = ("user_id", "name", "wecom_userid", "team", "manager_id", "active", "left_at")
USERS_ZH = ("员工ID", "姓名", "企业微信账号", "部门", "上级ID", "在职", "离职时间")


def write_users(world: World, root: Path) -> int:
    """First roster (English CSV), the roster when the new rep joins, and the year-end roster (XLSX)."""
    folder, count = root / CRM_USERS.folder, 0
    joiner = max(world.reps, key=lambda r: r.joined)
    joined_in = next(p for p in world.periods if p.start <= joiner.joined < p.end)
    for period, style in (
        (world.periods[0], Style()),
        (joined_in, Style(encoding="utf-8-sig")),
        (world.periods[-1], Style(chinese=True, xlsx=True, when="slash")),
    ):
        rows: list[Sequence[Cell]] = []
        for rep in world.reps:
            if rep.joined >= period.delivered:
                continue
            left = rep.left_at is not None and rep.left_at < period.delivered
            active = ("否" if left else "是") if style.chinese else ("false" if left else "true")
            left_at = style.dt(rep.left_at) if left else ""
            rows.append((rep.user_id, rep.name, rep.wecom_userid, rep.team, rep.manager_id, active, left_at))
        count += emit(folder, period.stem, USERS_ZH if style.chinese else USERS_EN, rows, style)
    return count


LEADS_EN = ("lead_id", "created_at", "owner_id", "source", "mobile", "wecom_external_userid", "status",
            "converted_at", "customer_id")  # fmt: skip
LEADS_ZH = ("线索ID", "创建时间", "负责人ID", "线索来源", "手机号", "企微客户ID", "状态", "转化时间", "客户ID")
LEAD_STATUS_ZH = {"open": "跟进中", "converted": "已转化", "invalid": "无效"}


def _lead_status(p: Prospect, ts: int) -> str:
    if p.customer_id and p.customer_created < ts:
        return "converted"
    if p.lead_status == "invalid" and p.lead_created + 20 * DAY < ts:
        return "invalid"
    return "open"


def write_leads(world: World, root: Path) -> int:
    """Monthly incremental exports: leads created, converted or invalidated during the month."""
    count, rng = 0, random.Random(f"leads/{world.seed}")
    leads = sorted((p for p in world.prospects if p.lead_id), key=lambda p: p.lead_id or "")
    for period in world.periods:
        style, rows = period_style(period, 0), []
        for p in leads:
            status = _lead_status(p, period.delivered)
            changed = {"converted": p.customer_created, "invalid": p.lead_created + 20 * DAY}.get(status, 0)
            if not (period.start <= p.lead_created < period.end or period.start <= changed < period.end):
                continue
            mobile = fmt_mobile(p.mobile, rng.random() < 0.2) if p.lead_has_mobile else ""
            converted = status == "converted"
            rows.append((
                p.lead_id, style.dt(p.lead_created), p.owner.user_id, p.source, mobile,
                p.external_userid if p.lead_links_wecom else "",
                LEAD_STATUS_ZH[status] if style.chinese else status,
                style.dt(p.customer_created) if converted else "", p.customer_id if converted else "",
            ))  # fmt: skip
        count += emit(root / CRM_LEADS.folder, period.stem, LEADS_ZH if style.chinese else LEADS_EN, rows, style)
    return count


CUSTOMERS_EN = ("customer_id", "name", "created_at", "owner_id", "source", "mobile", "wecom_external_userid",
                "lead_id")  # fmt: skip
CUSTOMERS_ZH = ("客户ID", "客户名称", "创建时间", "负责人ID", "客户来源", "手机", "企微客户ID", "线索ID", "客户行业")


def write_customers(world: World, root: Path) -> int:
    """Monthly exports of new customers; Chinese files carry an extra column (客户行业) to be ignored."""
    count, rng = 0, random.Random(f"customers/{world.seed}")
    customers = sorted((p for p in world.prospects if p.customer_id), key=lambda p: p.customer_id or "")
    for period in world.periods:
        style, rows = period_style(period, 1), []
        for p in customers:
            if not period.start <= p.customer_created < period.end:
                continue
            mobile = fmt_mobile(p.mobile, rng.random() < 0.3) if p.customer_has_mobile else ""
            row: list[Cell] = [
                p.customer_id, p.corp, style.dt(p.customer_created), p.owner.user_id, p.source, mobile,
                p.external_userid if p.customer_links_wecom else "", p.lead_id or "",
            ]  # fmt: skip
            rows.append(row + [p.corp[2:4]] if style.chinese else row)
        header = CUSTOMERS_ZH if style.chinese else CUSTOMERS_EN
        count += emit(root / CRM_CUSTOMERS.folder, period.stem, header, rows, style)
    return count


def _monthly_targets(world: World) -> dict[str, float]:
    """A monthly won_amount target per selling rep, near what they actually win."""
    rng = random.Random(f"targets/{world.seed}")
    won: dict[str, float] = {r.user_id: 0.0 for r in world.reps if r.sells}
    for deal in world.deals:
        if deal.transitions[-1][1] == "won":
            won[deal.owners[-1][1].user_id] += deal.amounts[-1][1]
    return {uid: max(50_000.0, round(total / 12 * rng.uniform(1.0, 1.4), -4)) for uid, total in won.items()}


def _seasonal(value: float, month: int) -> int:
    """Targets follow the Chinese sales year: a slow February (Spring Festival), a strong Q4."""
    return round(value * SEASON[month - 1], -3)


def write_targets(world: World, root: Path) -> int:
    """Long form for the months before the target year, 悟空CRM wide form for the target year."""
    per_rep = _monthly_targets(world)
    team_of = {r.user_id: r.team for r in world.reps}
    team_total = {team: sum(v for uid, v in per_rep.items() if team_of[uid] == team) for team in TEAMS}
    company = sum(team_total.values())
    scopes = [("company", "all", company)] + [("team", t, v) for t, v in team_total.items()]
    scopes += [("user", uid, v) for uid, v in per_rep.items()]
    first, last = local(world.start).date(), local(world.horizon - 1).date()
    long_rows: list[Sequence[Cell]] = []
    month = date(first.year, first.month, 1)
    while month.year < last.year:
        text = month.strftime("%Y-%m")
        long_rows += [(kind, sid, text, "won_amount", _seasonal(v, month.month)) for kind, sid, v in scopes]
        long_rows.append(("company", "all", text, "new_customers", max(5, round(len(world.deals) / 40))))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    stem, folder = world.periods[0].stem, root / CRM_TARGETS.folder
    count = write_csv(folder / f"{stem}.csv", ("scope_type", "scope_id", "month", "metric", "target"), long_rows)
    code = {"company": 1, "team": 2, "user": 3}
    wide: list[Sequence[Cell]] = [
        (sid, code[kind], last.year, 1, *[_seasonal(v, m) for m in range(1, 13)]) for kind, sid, v in scopes
    ]
    # status 2 = receivables (回款) targets, which readers ignore
    wide.append(("all", 1, last.year, 2, *[_seasonal(company * 0.8, m) for m in range(1, 13)]))
    header = ("obj_id", "type", "year", "status", *MONTHS)
    return count + write_csv(folder / f"{stem}-wide.csv", header, wide, "utf-8-sig")
