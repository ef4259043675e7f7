"""Deterministic demo extracts: a year of a ~20-rep sales team in WeCom and a CRM.

`write_demo` writes an extracts directory exactly as extract-contract.md §1-§4 describes, with the
irregularities real exports have (header languages, encodings, XLSX, value layouts, skipped and
reopened stages, logs that miss changes, re-delivered and late files). Same seed, scale and end date
give byte-identical files; nothing reads the clock.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from ingest.demo.config import pipelines_yaml
from ingest.demo.crm_deals import write_activities, write_opportunities, write_stage_changes
from ingest.demo.crm_files import write_customers, write_leads, write_targets, write_users
from ingest.demo.messages import write_messages_and_behavior
from ingest.demo.wecom_files import write_contact_events, write_corp_tags, write_external_contacts
from ingest.demo.world import build_world

__all__ = ["write_demo"]

MARKER = ".stagewise-demo"
CRM_FOLDERS = ("users", "leads", "customers", "opportunities", "stage_changes", "activities", "targets")
WECOM_FOLDERS = ("external_contacts", "contact_events", "behavior", "messages", "corp_tags")
FOLDERS = tuple(f"crm/{e}" for e in CRM_FOLDERS) + tuple(f"wecom/{e}" for e in WECOM_FOLDERS)


def _prepare(out_dir: Path) -> None:
    """Start from empty entity folders; refuse a non-empty directory the generator did not write."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise FileExistsError(f"{out_dir} is not empty and holds no {MARKER} marker: not overwriting it with demo data")
    for folder in FOLDERS:
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by ingest.demo.write_demo; safe to delete\n", encoding="utf-8")


def write_demo(out_dir: Path, scale: float = 1.0, seed: int = 7, end_date: date = date(2026, 11, 27)) -> dict[str, int]:
    """Write the demo extracts under `out_dir`; return the records written per entity folder.

    Counts are data rows for CSV/XLSX (including the re-delivered copy), JSON lines for events and
    messages, follow relations for external contacts, day entries for behavior and tags for corp tags.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    _prepare(out_dir)
    world = build_world(seed, scale, end_date)
    (out_dir / "pipelines.yml").write_text(pipelines_yaml(), encoding="utf-8", newline="\n")
    messages, behavior = write_messages_and_behavior(world, out_dir)
    return {
        "crm/users": write_users(world, out_dir),
        "crm/leads": write_leads(world, out_dir),
        "crm/customers": write_customers(world, out_dir),
        "crm/opportunities": write_opportunities(world, out_dir),
        "crm/stage_changes": write_stage_changes(world, out_dir),
        "crm/activities": write_activities(world, out_dir),
        "crm/targets": write_targets(world, out_dir),
        "wecom/external_contacts": write_external_contacts(world, out_dir),
        "wecom/contact_events": write_contact_events(world, out_dir),
        "wecom/behavior": behavior,
        "wecom/messages": messages,
        "wecom/corp_tags": write_corp_tags(world, out_dir),
    }
