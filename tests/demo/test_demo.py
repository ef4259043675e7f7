"""The demo extracts generator: deterministic, complete, and full of the hard cases real exports have.

Files are read back with plain csv/json/openpyxl (not with the project's readers), so these tests pin
the generator's output, not the readers' tolerance.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from demo import write_demo
from demo.world import build_world

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


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("demo")
    return root, write_demo(root, scale=0.1)


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


def test_same_inputs_give_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    def snapshot(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    first = write_demo(tmp_path / "a", scale=0.05, seed=3)
    second = write_demo(tmp_path / "b", scale=0.05, seed=3)
    write_demo(tmp_path / "c", scale=0.05, seed=4)
    a, b, c = snapshot(tmp_path / "a"), snapshot(tmp_path / "b"), snapshot(tmp_path / "c")
    assert first == second
    assert a == b
    assert any(name.endswith(".xlsx") for name in a)  # the zip container is deterministic too
    assert a["crm/opportunities/2026-11-28T0200.csv"] != c["crm/opportunities/2026-11-28T0200.csv"]


def test_every_contract_folder_is_written_with_delivery_ordered_names(demo: tuple[Path, dict[str, int]]) -> None:
    root, counts = demo
    assert set(counts) == set(FOLDERS)
    for folder in FOLDERS:
        names = [p.name for p in files(root, folder)]
        assert names, folder
        assert all(STEM.match(n) for n in names), names
        assert counts[folder] > 0
    assert len(files(root, "crm/opportunities")) >= 12  # monthly snapshots
    snapshot_rows = sum(len(read_rows(p)) for p in files(root, "crm/opportunities"))
    assert snapshot_rows == counts["crm/opportunities"]
    messages = sum(1 for _ in json_lines(root, "wecom/messages"))
    assert messages == counts["wecom/messages"]


def test_pipelines_yml_declares_default_and_renewal(demo: tuple[Path, dict[str, int]]) -> None:
    config = yaml.safe_load((demo[0] / "pipelines.yml").read_text(encoding="utf-8"))
    assert config["business_timezone"] == "Asia/Shanghai"
    default, renewal = config["pipelines"]
    assert [s["key"] for s in default["stages"]] == ["prospecting", "qualification", "quote", "contract"]
    assert [s["probability"] for s in default["stages"]] == [10, 25, 50, 80]
    qualification = default["stages"][1]
    assert qualification["required"] is True and qualification["required_activities"] == ["visit"]
    assert "方案/报价" in default["stages"][2]["aliases"] and "谈判审核" in default["stages"][3]["aliases"]
    assert renewal["key"] == "renewal" and len(renewal["stages"]) == 2
    pipelines = [row["pipeline"] for _, row in crm_rows(demo[0], "crm/opportunities") if "pipeline" in row]
    share = pipelines.count("renewal") / len(pipelines)
    assert 0.08 < share < 0.25


def test_encodings_and_workbooks(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    csvs = sorted(root.glob("crm/*/*.csv"))
    not_utf8 = []
    for path in csvs:
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            not_utf8.append(path)
    assert len(not_utf8) == 1
    gbk = not_utf8[0].read_bytes()
    assert not gbk.startswith(b"\xef\xbb\xbf")
    assert gbk.decode("gb18030").startswith("商机ID,")
    assert any(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in csvs)
    workbooks = sorted(root.glob("crm/*/*.xlsx"))
    assert workbooks
    for path in workbooks:
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames[1] == "说明"
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert len(rows) > 1 and len(rows[0]) >= 7


def test_mixed_value_layouts(demo: tuple[Path, dict[str, int]]) -> None:
    root = demo[0]
    amounts = [row["amount"] for _, row in crm_rows(root, "crm/opportunities")]
    assert any(a.startswith("¥") and "," in a for a in amounts)
    assert any(a.startswith("￥") for a in amounts)
    assert any(re.fullmatch(r"\d+\.0", a) for a in amounts)
    stamps = [row["changed_at"] for _, row in crm_rows(root, "crm/stage_changes")]
    stamps += [row["occurred_at"] for _, row in crm_rows(root, "crm/activities")]
    assert any(re.fullmatch(r"\d{10}", s) for s in stamps)
    assert any(re.fullmatch(r"\d{13}", s) for s in stamps)
    assert any(re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", s) for s in stamps)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", s) for s in stamps)
    mobiles = [row["mobile"] for _, row in crm_rows(root, "crm/leads")]
    assert any(re.fullmatch(r"\+86 1\d{2}-\d{4}-\d{4}", m) for m in mobiles)
    assert any(re.fullmatch(r"1\d{10}", m) for m in mobiles)


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


def test_targets_long_and_wide(demo: tuple[Path, dict[str, int]]) -> None:
    targets = files(demo[0], "crm/targets")
    headers = {tuple(read_rows(p)[0]) for p in targets}
    assert ("scope_type", "scope_id", "month", "metric", "target") in headers
    wide = [h for h in headers if h[:4] == ("obj_id", "type", "year", "status")]
    assert wide and wide[0][4] == "january" and wide[0][-1] == "december"
    rows = [row for p in targets for row in read_rows(p)]
    assert {r.get("type") for r in rows} >= {"1", "2", "3"}
    assert {r.get("scope_type") for r in rows} >= {"company", "team", "user"}


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


def test_counts_grow_linearly_with_scale(tmp_path: Path, demo: tuple[Path, dict[str, int]]) -> None:
    small = write_demo(tmp_path / "small", scale=0.05)
    large = demo[1]
    for folder in ("crm/leads", "crm/opportunities", "crm/stage_changes", "wecom/messages", "wecom/contact_events"):
        assert 1.5 < large[folder] / small[folder] < 2.6, folder


def test_rewrites_its_own_directory_but_refuses_a_foreign_one(tmp_path: Path) -> None:
    out = tmp_path / "extracts"
    write_demo(out, scale=0.05, seed=1)
    stale = out / "wecom" / "external_contacts" / "2026-03-01T0200-999.json"
    stale.write_text("{}", encoding="utf-8")
    write_demo(out, scale=0.05, seed=1)
    assert not stale.exists()
    foreign = tmp_path / "real_extracts"
    (foreign / "crm" / "opportunities").mkdir(parents=True)
    (foreign / "crm" / "opportunities" / "2026-01-01T0200.csv").write_text("商机ID\n1\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_demo(foreign, scale=0.05)
    assert (foreign / "crm" / "opportunities" / "2026-01-01T0200.csv").exists()
