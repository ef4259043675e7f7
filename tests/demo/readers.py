"""Plain readers of the demo files (csv/json/openpyxl, not the project's readers): the demo tests pin the
generator's output, not the readers' tolerance."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import yaml

FOLDERS = (
    "wecom/external_contacts", "wecom/contact_events", "wecom/behavior", "wecom/messages", "wecom/corp_tags",
    "crm/users", "crm/leads", "crm/customers", "crm/opportunities", "crm/stage_changes", "crm/activities",
    "crm/targets",
)  # fmt: skip
# the header spellings the demo uses -> canonical column (extract-contract.md §3)
CANONICAL = {
    "商机ID": "opportunity_id", "商机阶段": "stage", "商机状态": "status", "is_end": "status",
    "负责人ID": "owner_id", "客户ID": "customer_id", "商机金额": "amount", "更新时间": "updated_at",
    "新阶段": "stage", "变更时间": "changed_at", "跟进方式": "type", "线索ID": "lead_id", "手机号": "mobile",
    "手机": "mobile", "企微客户ID": "wecom_external_userid", "线索来源": "source", "跟进时间": "occurred_at",
    "商机名称": "name", "创建时间": "created_at", "员工ID": "user_id",
}  # fmt: skip
OUTCOME = {"won": "won", "赢单": "won", "1": "won", "lost": "lost", "输单": "lost", "2": "lost"}
OUTCOME |= {"invalid": "invalid", "无效": "invalid", "3": "invalid"}
SHANGHAI = timezone(timedelta(hours=8))
STEM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{4}")


def files(root: Path, folder: str) -> list[Path]:
    return sorted((root / folder).iterdir(), key=lambda p: p.name)


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CRM file as dicts with canonical column names (CSV in UTF-8 / BOM / GB18030, or XLSX sheet 1)."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        values = list(csv.reader(io.StringIO(text)))
    header = [CANONICAL.get(h, h) for h in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def crm_rows(root: Path, folder: str) -> Iterator[tuple[Path, dict[str, str]]]:
    for path in files(root, folder):
        for row in read_rows(path):
            yield path, row


def json_lines(root: Path, folder: str) -> Iterator[dict[str, Any]]:
    for path in files(root, folder):
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                yield json.loads(line)


def instant(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / (1000 if len(text) == 13 else 1), SHANGHAI)
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=SHANGHAI)
        except ValueError:
            pass
    raise AssertionError(f"unexpected datetime layout {text!r}")


def stage_keys(root: Path) -> dict[str, tuple[str, int]]:
    """Every spelling of a stage -> (key, order), from the demo's own pipelines.yml."""
    spelled = {}
    for pipeline in yaml.safe_load((root / "pipelines.yml").read_text(encoding="utf-8"))["pipelines"]:
        for order, stage in enumerate(pipeline["stages"]):
            for spelling in [stage["key"], stage["name"], stage["name_en"], *stage.get("aliases", [])]:
                spelled[spelling] = (stage["key"], order)
    return spelled


def histories(root: Path) -> dict[str, list[str]]:
    """opportunity_id -> logged states (stage keys or outcomes) in time order."""
    spelled, logged = stage_keys(root), defaultdict(list)
    for _, row in crm_rows(root, "crm/stage_changes"):
        state = OUTCOME.get(row["stage"]) or spelled[row["stage"]][0]
        logged[row["opportunity_id"]].append((instant(row["changed_at"]), state))
    return {opp: [s for _, s in sorted(rows)] for opp, rows in logged.items()}
