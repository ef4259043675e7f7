"""External contacts: the fast chunked reader gives the record reader's cells, cell for cell, on every shape."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ingest.rowframes as rowframes
import ingest.wecom_contacts as contacts
from ingest.wecom_contacts import contact_chunks, reference_frame

CONTACT = {"external_userid": "wmA", "name": "李四", "type": 1, "gender": 1, "avatar": "http://x/0", "x": 1}
TAGS = [{"group_name": "等级", "tag_name": "A类", "type": 1, "tag_id": "et1"}, {"tag_id": ""}, "et9", {"tag_id": 0}]


def get_body(*follows: object, **top: object) -> str:
    body = {"errcode": 0, "errmsg": "ok", "external_contact": CONTACT, "follow_user": list(follows)}
    return json.dumps(body | top, ensure_ascii=False)


FOLLOW = {
    "userid": "zhangsan", "remark": "李四-恒泰", "description": "", "createtime": 1700000000, "tags": TAGS,
    "remark_corp_name": "恒泰", "remark_mobiles": [13800000001, "138-0000-0002"], "oper_userid": "zhangsan",
    "add_way": 1, "state": "sem", "x": [{"k": None, "f": 1.5}],
}  # fmt: skip
PLAIN = [  # lines the fast path takes itself
    get_body(FOLLOW, {"userid": "lisi", "createtime": "1700000001", "tag_id": ["et2", 3], "tags": TAGS}),
    get_body({}, {"userid": "wangwu", "remark_mobiles": "13800000003", "add_way": True, "state": None}),
    get_body({"userid": "a", "remark": {"k": [1, "二"]}, "createtime": 1.7e9, "add_way": -0, "z": False}),
    get_body({"userid": "b", "userid ": "c", "description": 'a"b\\c\n\u00e9\U0001f600'}, next_cursor="n"),
    json.dumps({"external_contact": {"name": None, "type": "2"}, "follow_user": [{"userid": "d", "name": "e"}]}),
    '{"errcode":0,"follow_user":[{"userid":"f","userid":"g","avatar":null,"add_way":-0}],"external_contact":{}}\r',
    get_body({"userid": "h", "remark_mobiles": [True, None, 1.5, {"a": 1}]}),
    get_body({"userid": "r", "remark_mobiles": [], "tags": [{"tag_id": ""}], "tag_id": None}),
    '{"follow_user":[{"userid":"p","createtime":1E5,"add_way":0.1e1,"q":[1e-7,0.3000000000000004,2.5E+3,5e-324]}]}',
]
OTHER = [  # lines left to the record reader
    '{"errcode": 0, "follow_user": [{"userid": "a"}, "b", 3], "external_contact": {"external_userid": "wmB"}}',
    '{"errcode": 40096, "errmsg": "invalid external userid"}',
    '{"errcode": "0", "follow_user": [{"userid": "i", "createtime": NaN}]}',
    '{"errcode": false, "follow_user": [{"userid": "j"}]}',
    '{"errcode": 0, "follow_user": []}',
    '{"errcode": 0, "follow_user": {"userid": "k"}}',
    '{"errcode": 0, "external_contact": ["wmC"], "follow_user": [{"userid": "l"}]}',
    '{"errcode": 0, "follow_user": [{"userid": "m", "add_way": 123456789012345678901234567890}]}',
    '{"errcode": 0, "follow_user": [{"userid": "o", "type": -9223372036854775809, "add_way": 9223372036854775807}]}',
    '{"errcode": 0, "follow_user": [{"userid": "q", "createtime": 1234567890.1234567891, "add_way": 1e-400}]}',
    '{"errcode": 0, "follow_user": [{"userid": "n\tx"}]}',
    '{"errcode":0,"external_contact":{"external_us',
    "[1, 2]",
    '"text"',
]


def lines_file(path: Path) -> tuple[Path, list[str]]:
    """PLAIN and OTHER lines interleaved, blank lines, and lines that are not UTF-8 or start with a BOM."""
    lines = [x for pair in zip(PLAIN, OTHER, strict=False) for x in pair] + OTHER[len(PLAIN) :] + ["", PLAIN[0]]
    path.write_bytes("\n".join(lines).encode() + b"\n   \n\x0c\n\xff\xfe{}\n\xef\xbb\xbf{}")
    return path, lines


def parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


@pytest.mark.parametrize("by_columns", [False, True], ids=["row-by-row", "by-columns"])
def test_the_fast_reader_gives_the_record_readers_cells_on_every_line_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_columns: bool
) -> None:
    if by_columns:  # the frame of a big chunk is built column by column, its lists regrouped
        monkeypatch.setattr(rowframes, "_REGROUP_FROM", 1)
    path, _ = lines_file(tmp_path / "c.jsonl")
    reference = reference_frame(path)
    for chunk_bytes in (1 << 20, 200):  # one chunk; then chunks of a line or two (and a long line alone)
        assert_frame_equal(pl.concat(list(contact_chunks(path, chunk_bytes))), reference)
    cells = {(r["_source_line"], r["json_path"]): r for r in reference.to_dicts()}
    first = cells[(1, "$.follow_user[0]")]
    assert first["remark_mobiles"] == ["13800000001", "138-0000-0002"]
    assert first["tag_ids"] == ["et1"]  # "" and 0 are no tag ids; "et9" is not a tag object
    tags = json.dumps(TAGS, ensure_ascii=False)
    # contact keys first; `x` is in both objects: it keeps its place and takes the follow_user's value
    assert (
        first["_extra"]
        == f'{{"avatar": "http://x/0", "x": [{{"k": null, "f": 1.5}}], "tags": {tags}, "remark_corp_name": "恒泰"}}'
    )
    second = cells[(1, "$.follow_user[1]")]
    assert (second["createtime"], second["tag_ids"], second["type"]) == ("1700000001", ["et2", "3"], "1")
    assert cells[(2, "$.follow_user[2]")]["_error"] == "external_contact and follow_user entries must be JSON objects"
    assert cells[(4, "$")]["_error"] == "API error envelope errcode=40096 errmsg=invalid external userid"
    wangwu = cells[(3, "$.follow_user[1]")]
    assert (wangwu["remark_mobiles"], wangwu["add_way"], wangwu["state"], wangwu["_extra"]) == (
        ["13800000003"],
        "1",
        None,
        '{"avatar": "http://x/0", "x": 1}',
    )


def test_only_unusual_lines_go_through_the_record_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, lines = lines_file(tmp_path / "c.jsonl")
    referred: list[int] = []
    reference = contacts._get_body_records
    monkeypatch.setattr(
        contacts, "_get_body_records", lambda body, line: referred.append(line) or reference(body, line)
    )
    list(contact_chunks(path))
    others = [n for n, line in enumerate(lines, 1) if line in OTHER and parses(line)]
    # the last line, a BOM then {}: json reads bytes with a BOM as utf-8-sig, orjson refuses them
    assert referred == [*others, len(lines) + 4]


def test_pages_give_the_record_readers_cells(tmp_path: Path) -> None:
    follow = {"userid": "zhangsan", "createtime": 1700000000, "tag_id": ["et1", 2], "remark_corp_name": "恒泰"}
    items = [{"external_contact": CONTACT, "follow_info": follow}, {"external_contact": CONTACT}, "wmB", {},
             {"external_contact": "wmC", "follow_info": follow}, {"follow_info": [1], "more": 1},
             {"follow_info": {"x": [float("nan"), None, 2**70]}},  # json reads NaN and big integers, orjson not
             {"follow_info": {"x": [None, None, 2**70]}}]  # fmt: skip
    documents = {
        "page.json": {"errcode": 0, "external_contact_list": items, "next_cursor": ""},
        "error.json": {"errcode": 40001, "errmsg": "invalid secret"},
        "no_list.json": {"errcode": 0, "external_contact_list": {"a": 1}},
        "get.json": json.loads(PLAIN[0]),
        "get_error.json": {"errcode": 1, "follow_user": [follow]},
        "list.json": [1],
    }
    for name, body in documents.items():
        path = tmp_path / name
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
        assert_frame_equal(pl.concat(list(contact_chunks(path))), reference_frame(path))
    page = reference_frame(tmp_path / "page.json")
    assert page["tag_ids"].to_list()[:2] == [["et1", "2"], None]
    big = 2**70
    assert page["_extra"].to_list()[-2:] == [f'{{"x": [NaN, null, {big}]}}', f'{{"x": [null, null, {big}]}}']
    assert page["_error"].to_list()[2:6] == [
        "not a JSON object",
        None,
        *["external_contact and follow_user entries must be JSON objects"] * 2,
    ]
