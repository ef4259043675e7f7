"""Deterministic demo extracts: a year of a ~20-rep sales team in WeCom and a CRM.

`write_demo` writes an extracts directory in the layout of the raw contract (ingest/schemas.py), with the
irregularities real exports have (header languages, encodings, XLSX, value layouts, skipped and
reopened stages, logs that miss changes, re-delivered and late files). Same seed, scale and end date
give byte-identical files; nothing reads the clock.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from demo.clock import HOUR, midnight, stem_at
from demo.config import pipelines_yaml
from demo.crm_deals import write_activities, write_opportunities, write_stage_changes
from demo.crm_files import write_customers, write_leads, write_targets, write_users
from demo.messages import write_messages_and_behavior
from demo.wecom_files import write_contact_events, write_corp_tags, write_external_contacts
from demo.world import build_world
from ingest.schemas import (
    CRM_ACTIVITIES,
    CRM_CUSTOMERS,
    CRM_LEADS,
    CRM_OPPORTUNITIES,
    CRM_STAGE_CHANGES,
    CRM_TARGETS,
    CRM_USERS,
    ENTITIES,
    WECOM_BEHAVIOR,
    WECOM_CONTACT_EVENTS,
    WECOM_CORP_TAGS,
    WECOM_EXTERNAL_CONTACTS,
    WECOM_MESSAGES,
)
from ingest.stages import STAGES_FILE_NAME

__all__ = ["delivery_stem", "write_demo"]

MARKER = ".stagewise-demo"
FOLDERS = tuple(entity.folder for entity in ENTITIES)  # every entity folder of the raw contract


def _prepare(out_dir: Path) -> None:
    """Start from empty entity folders; refuse a non-empty directory the generator did not write."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise FileExistsError(f"{out_dir} is not empty and holds no {MARKER} marker: not overwriting it with demo data")
    for folder in FOLDERS:
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by demo.write_demo; safe to delete\n", encoding="utf-8")


def write_demo(
    out_dir: Path, scale: float = 1.0, seed: int = 7, end_date: date = date(2026, 11, 27), daily_days: int = 0
) -> dict[str, int]:
    """Write the demo extracts under `out_dir`; return the records written per entity folder.

    Deliveries are monthly files; with `daily_days`, the last that many days arrive as one delivery per day
    (`delivery_stems` names them), so that a benchmark can hold the last day back and deliver it later.

    Counts are data rows for CSV/XLSX (including the re-delivered copy), JSON lines for events and
    messages, follow relations for external contacts, day entries for behavior and tags for corp tags.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    _prepare(out_dir)
    world = build_world(seed, scale, end_date, daily_days)
    (out_dir / STAGES_FILE_NAME).write_text(pipelines_yaml(), encoding="utf-8", newline="\n")
    messages, behavior = write_messages_and_behavior(world, out_dir)
    return {
        CRM_USERS.folder: write_users(world, out_dir),
        CRM_LEADS.folder: write_leads(world, out_dir),
        CRM_CUSTOMERS.folder: write_customers(world, out_dir),
        CRM_OPPORTUNITIES.folder: write_opportunities(world, out_dir),
        CRM_STAGE_CHANGES.folder: write_stage_changes(world, out_dir),
        CRM_ACTIVITIES.folder: write_activities(world, out_dir),
        CRM_TARGETS.folder: write_targets(world, out_dir),
        WECOM_EXTERNAL_CONTACTS.folder: write_external_contacts(world, out_dir),
        WECOM_CONTACT_EVENTS.folder: write_contact_events(world, out_dir),
        WECOM_BEHAVIOR.folder: behavior,
        WECOM_MESSAGES.folder: messages,
        WECOM_CORP_TAGS.folder: write_corp_tags(world, out_dir),
    }


def delivery_stem(day: date) -> str:
    """The file-name stem of the delivery that brings the data of `day` in a daily schedule (2 a.m. the day after)."""
    return stem_at(midnight(day + timedelta(days=1)) + 2 * HOUR)
