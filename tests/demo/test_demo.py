"""The demo extracts generator: deterministic, complete, in every folder of the contract, in every file layout.

Files are read back with plain csv/json/openpyxl (tests/demo/readers.py), not with the project's readers.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from demo import delivery_stem, write_demo
from demo.clock import SHANGHAI
from orchestration.cli import main
from tests.demo.readers import (
    FOLDERS,
    STEM,
    crm_rows,
    files,
    json_lines,
    read_rows,
)


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


def test_targets_long_and_wide(demo: tuple[Path, dict[str, int]]) -> None:
    targets = files(demo[0], "crm/targets")
    headers = {tuple(read_rows(p)[0]) for p in targets}
    assert ("scope_type", "scope_id", "month", "metric", "target") in headers
    wide = [h for h in headers if h[:4] == ("obj_id", "type", "year", "status")]
    assert wide and wide[0][4] == "january" and wide[0][-1] == "december"
    rows = [row for p in targets for row in read_rows(p)]
    assert {r.get("type") for r in rows} >= {"1", "2", "3"}
    assert {r.get("scope_type") for r in rows} >= {"company", "team", "user"}


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


def test_without_openpyxl_the_demo_command_names_the_extra(tmp_path: Path, monkeypatch, capsys) -> None:
    for name in [m for m in sys.modules if m == "demo" or m.startswith("demo.")]:
        monkeypatch.delitem(sys.modules, name)  # re-imported below, restored afterwards
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    assert main(["demo", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "openpyxl" in error and "'.[demo]'" in error
    assert not (tmp_path / "out").exists()


def test_daily_days_deliver_the_last_days_one_file_a_day(tmp_path: Path) -> None:
    """The bench holds back the last day's delivery: it must hold that day's messages and nothing else."""
    end = date(2026, 11, 28)
    write_demo(tmp_path, scale=0.05, end_date=end, daily_days=1)
    stem = delivery_stem(end)
    assert stem == "2026-11-29T0200"
    messages = sorted((tmp_path / "wecom" / "messages").glob("*.jsonl"))
    assert [p.stem for p in messages[-2:]] == ["2026-11-28T0200", stem]  # the month up to the 27th, then the 28th
    rows = [json.loads(line) for line in messages[-1].read_text(encoding="utf-8").splitlines()]
    days = {datetime.fromtimestamp((r.get("msgtime") or r["time"]) / 1000, SHANGHAI).date() for r in rows}
    assert days == {end}
