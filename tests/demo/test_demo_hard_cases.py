"""The demo extracts are full of the hard cases real exports have: stage paths, snapshots, late files, WeCom quirks.

Files are read back with plain csv/json/openpyxl (tests/demo/readers.py), not with the project's readers.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from demo.world import build_world
from tests.demo.readers import (
    FOLDERS,
    OUTCOME,
    SHANGHAI,
    crm_rows,
    files,
    histories,
    instant,
    json_lines,
    read_rows,
    stage_keys,
)


def test_stage_path_hard_cases(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    logs, order = histories(root), {k: o for k, o in stage_keys(root).values()}

    def count(predicate: Any) -> int:
        pairs = (zip(states, states[1:], strict=False) for states in logs.values())
        return sum(1 for steps in pairs if any(predicate(a, b) for a, b in steps))

    assert count(lambda a, b: (a, b) == ("prospecting", "quote")) >= 3  # skips the required qualification
    assert count(lambda a, b: a in order and b in order and order[b] < order[a]) >= 3  # regression
    assert count(lambda a, b: a == "won" and b in order) >= 3  # reopened after won
    assert count(lambda a, b: a == "lost" and b in order) >= 3  # revived after lost
    assert sum(1 for s in logs.values() if "won" in s and s[-1] == "lost" and s.index("won") < len(s) - 1) >= 3
    assert sum(1 for s in logs.values() if "lost" in s and s[-1] == "won") >= 3
    assert sum(1 for s in logs.values() if s[-1] == "invalid") >= 3


def test_snapshots_disagree_with_the_log_and_change_owners(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    spelled, logs = stage_keys(root), histories(root)
    snapshots = files(root, "crm/opportunities")
    latest = {row["opportunity_id"]: row for row in read_rows(snapshots[-1])}
    final_stages = {row["stage"] for row in latest.values()}
    assert {"赢单", "输单"} <= final_stages  # 悟空CRM: outcome in the stage column
    all_stage_values = {row["stage"] for _, row in crm_rows(root, "crm/opportunities")}
    all_stage_values |= {row["stage"] for _, row in crm_rows(root, "crm/stage_changes")}
    assert {"方案/报价", "谈判审核"} <= all_stage_values
    current = {o: OUTCOME.get(r["stage"]) or spelled[r["stage"]][0] for o, r in latest.items()}
    assert sum(1 for o, s in current.items() if o in logs and logs[o][-1] != s) >= 3
    assert sum(1 for o in current if o not in logs) >= 3
    owners = defaultdict(set)
    for _, row in crm_rows(root, "crm/opportunities"):
        owners[row["opportunity_id"]].add(row["owner_id"])
    assert sum(1 for o in owners.values() if len(o) > 1) >= 3
    assert sum(1 for r in latest.values() if r["customer_id"] == "") >= 3
    statuses = {r["status"] for _, r in crm_rows(root, "crm/opportunities")}
    assert {"无效", "invalid"} & statuses and "3" in statuses  # invalid deals, spelled and coded


def test_duplicate_and_late_files(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    for_folder = {folder: [p.read_bytes() for p in files(root, folder)] for folder in FOLDERS}
    duplicated = [f for f, blobs in for_folder.items() if len(blobs) != len(set(blobs))]
    assert duplicated == ["crm/activities"]
    log_files = files(root, "crm/stage_changes")
    late = [p for p in log_files if not p.stem.endswith("T0200")]
    assert len(late) == 1
    late_rows = read_rows(late[0])
    written = datetime.strptime(late[0].stem, "%Y-%m-%dT%H%M").replace(tzinfo=SHANGHAI)
    later_names = [p for p in log_files if p.name > late[0].name]
    assert late_rows and later_names
    assert all(instant(r["changed_at"]) < written for r in late_rows)
    keys = [(r["opportunity_id"], instant(r["changed_at"])) for _, r in crm_rows(root, "crm/stage_changes")]
    assert len(keys) == len(set(keys))  # the late rows were not delivered anywhere else


def test_wecom_hard_cases(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    follows = [f for body in json_lines(root, "wecom/external_contacts") for f in body["follow_user"]]
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in root.glob("wecom/external_contacts/*.json")]
    infos = [item["follow_info"] for page in pages for item in page["external_contact_list"]]
    assert follows and infos and all("tag_id" in f for f in infos) and all("tags" in f for f in follows)
    add_ways = {f["add_way"] for f in follows + infos}
    assert {201, 202, 99} <= add_ways
    assert any(isinstance(m, int) for f in follows for m in f["remark_mobiles"])
    assert sum(1 for f in follows + infos if f.get("state")) >= 3
    events = list(json_lines(root, "wecom/contact_events"))
    changes = [e["ChangeType"] for e in events]
    assert changes.count("del_follow_user") >= 3
    assert sum(1 for e in events if e.get("Source") == "DELETE_BY_TRANSFER") >= 3
    assert sum(1 for e in events if e["ChangeType"] == "del_external_contact" and "Source" not in e) >= 1
    days = [d for line in json_lines(root, "wecom/behavior") for d in line["behavior_data"]]
    silent = [d for d in days if "reply_percentage" not in d]
    assert silent and all("avg_reply_time" not in d for d in silent)
    assert any("reply_percentage" in d and "avg_reply_time" in d for d in days)
    assert any(isinstance(d["chat_cnt"], str) for d in days)
    tag_files = [json.loads(p.read_text(encoding="utf-8")) for p in files(root, "wecom/corp_tags")]
    assert any(isinstance(t["order"], str) for t in tag_files[0]["tag_group"][0]["tag"])
    assert any(t.get("deleted") for g in tag_files[-1]["tag_group"] for t in g["tag"])


def test_message_archive_rows(demo: tuple[Path, dict[str, int]]) -> None:
    rows = list(json_lines(demo[0], "wecom/messages"))
    by_action = defaultdict(list)
    for row in rows:
        by_action[row["action"]].append(row)
    assert len({r["msgid"] for r in rows}) == len(rows)
    assert all(set(r) == {"msgid", "action", "time", "user"} for r in by_action["switch"]) and by_action["switch"]
    sent = {r["msgid"] for r in by_action["send"]}
    assert by_action["recall"] and all(r["revoke"]["pre_msgid"] in sent for r in by_action["recall"])
    assert all(len(str(r["msgtime"])) == 13 for r in by_action["send"])
    customers = {r["from"] for r in by_action["send"] if r["from"].startswith(("wm", "wo"))}
    assert customers and len(customers) < len(by_action["send"])


def test_identity_links_between_wecom_and_crm(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    contacts = {}
    for body in json_lines(root, "wecom/external_contacts"):
        mobiles = {str(m) for f in body["follow_user"] for m in f["remark_mobiles"]}
        contacts.setdefault(body["external_contact"]["external_userid"], set()).update(mobiles)
    leads = [row for _, row in crm_rows(root, "crm/leads")]
    assert sum(1 for r in leads if r["wecom_external_userid"] in contacts) >= 3
    wecom_mobiles = {m for ms in contacts.values() for m in ms}
    digits = [re.sub(r"^\+86|[ -]", "", r["mobile"]) for r in leads if not r["wecom_external_userid"]]
    assert sum(1 for m in digits if m in wecom_mobiles) >= 3  # linked only by mobile
    lead_ids = {r["lead_id"] for r in leads}
    customers = [row for _, row in crm_rows(root, "crm/customers")]
    assert sum(1 for c in customers if c["lead_id"] in lead_ids) >= 3
    assert {"官网", "展会", "转介绍", "抖音", "百度推广"} <= {r["source"] for r in leads}
    activities = [row for _, row in crm_rows(root, "crm/activities")]
    assert {"visit", "见面拜访", "call", "打电话"} <= {a["type"] for a in activities}
    for column in ("opportunity_id", "customer_id", "lead_id"):
        assert any(a[column] for a in activities), column


def test_outcomes_carry_signal_beyond_the_stage() -> None:
    world = build_world(11, 0.5, date(2026, 11, 27))
    closed = [d for d in world.deals if d.transitions[-1][1] in ("won", "lost")]
    win_rate = sum(d.transitions[-1][1] == "won" for d in closed) / len(closed)
    assert 0.25 <= win_rate <= 0.38

    def rate(deals: list[Any]) -> float:
        return sum(d.transitions[-1][1] == "won" for d in deals) / max(1, len(deals))

    assert rate([d for d in closed if d.prospect.source == "转介绍"]) > rate(
        [d for d in closed if d.prospect.source == "抖音"]
    )
    stalled = [d for d in closed if any(d.stalled)]
    assert stalled and rate(stalled) < 0.3 * win_rate
    skills = sorted({r.skill for r in world.reps if r.sells})
    strong = [d for d in closed if d.owners[0][1].skill >= skills[len(skills) // 2]]
    weak = [d for d in closed if d.owners[0][1].skill < skills[len(skills) // 2]]
    assert rate(strong) > rate(weak)
    per_deal = defaultdict(int)
    for activity in world.activities:
        per_deal[activity.opportunity_id] += 1
    won = [per_deal[d.opp_id] for d in closed if d.transitions[-1][1] == "won"]
    lost = [per_deal[d.opp_id] for d in closed if d.transitions[-1][1] == "lost"]
    assert sum(won) / len(won) > sum(lost) / len(lost)
    still_open = [d for d in world.deals if d.transitions[-1][1] not in ("won", "lost", "invalid")]
    assert any(d.expected_close < world.horizon - 86_400 for d in still_open)
