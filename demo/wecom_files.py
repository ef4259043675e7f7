"""WeCom API payloads as delivered: external contacts (both forms), change events, corp tags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo.actors import Prospect
from demo.clock import Period
from demo.contacts import Relation, TagGroup
from demo.tables import write_json, write_jsonl
from demo.world import World
from ingest.schemas import WECOM_CONTACT_EVENTS, WECOM_CORP_TAGS, WECOM_EXTERNAL_CONTACTS

BATCH_PERIOD, PAGE_SIZE = 3, 100


def _external_contact(p: Prospect) -> dict[str, Any]:
    ext = p.external_userid or ""
    body: dict[str, Any] = {"external_userid": ext, "name": p.name, "type": p.contact_type, "gender": p.gender}
    body["avatar"] = f"http://wx.qlogo.cn/mmhead/{ext[2:26]}/0"
    if p.contact_type == 2:
        body |= {"corp_name": p.corp[2:4], "corp_full_name": p.corp, "position": p.position or "经理"}
    else:
        body["unionid"] = "o" + ext[3:31]
    return body


def _follow(rel: Relation, tag_names: dict[str, tuple[str, str]], batch: bool) -> dict[str, Any]:
    p = rel.prospect
    body: dict[str, Any] = {"userid": rel.rep.wecom_userid, "remark": f"{p.name}-{p.corp[2:4]}"}
    body["description"] = f"{p.source}客户" if p.idx % 3 else ""
    body["createtime"] = rel.createtime
    if batch:
        body["tag_id"] = list(rel.tag_ids)
    else:
        body["tags"] = [
            {"group_name": tag_names[t][0], "tag_name": tag_names[t][1], "type": 1, "tag_id": t} for t in rel.tag_ids
        ]
    body["remark_corp_name"] = p.corp
    body["remark_mobiles"] = [int(m) if p.idx % 5 == 0 else m for m in rel.remark_mobiles]
    body["oper_userid"] = rel.oper_userid
    body["add_way"] = rel.add_way
    if rel.state:
        body["state"] = rel.state
    return body


def _alive_in(rel: Relation, period: Period) -> bool:
    return rel.createtime < period.delivered and (rel.ended is None or rel.ended >= period.start)


def write_external_contacts(world: World, root: Path) -> int:
    """externalcontact/get bodies (JSONL) for contacts that gained a follower in the month; one month
    arrives instead as batch/get_by_user pages (JSON, `follow_info` with `tag_id`). Returns relations."""
    folder, count = root / WECOM_EXTERNAL_CONTACTS.folder, 0
    tag_names = {t.tag_id: (g.name, t.name) for g in world.tag_groups for t in g.tags}
    by_contact: dict[str, list[Relation]] = {}
    for rel in world.relations:
        by_contact.setdefault(rel.prospect.external_userid or "", []).append(rel)
    for period in world.periods:
        new = [r for r in world.relations if period.start <= r.createtime < period.end]
        if period.index == min(BATCH_PERIOD, len(world.periods) - 1):
            count += _write_batch_pages(folder, period, new, tag_names)
            continue
        lines, seen = [], set()
        for rel in sorted(new, key=lambda r: (r.createtime, r.prospect.idx)):
            ext = rel.prospect.external_userid or ""
            if ext in seen:
                continue
            seen.add(ext)
            follows = [_follow(r, tag_names, False) for r in by_contact[ext] if _alive_in(r, period)]
            body = {"errcode": 0, "errmsg": "ok", "external_contact": _external_contact(rel.prospect)}
            lines.append(body | {"follow_user": follows})
            count += len(follows)
        write_jsonl(folder / f"{period.stem}.jsonl", lines)
    return count


def _write_batch_pages(folder: Path, period: Period, new: list[Relation], tag_names: dict[str, tuple[str, str]]) -> int:
    page_no = 0
    for userid in sorted({r.rep.wecom_userid for r in new}):
        mine = sorted((r for r in new if r.rep.wecom_userid == userid), key=lambda r: (r.createtime, r.prospect.idx))
        for offset in range(0, len(mine), PAGE_SIZE):
            page = mine[offset : offset + PAGE_SIZE]
            more = offset + PAGE_SIZE < len(mine)
            body = {
                "errcode": 0,
                "errmsg": "ok",
                "external_contact_list": [
                    {"external_contact": _external_contact(r.prospect), "follow_info": _follow(r, tag_names, True)}
                    for r in page
                ],
                "next_cursor": f"{userid}:{offset + PAGE_SIZE}" if more else "",
            }
            page_no += 1
            write_json(folder / f"{period.stem}-{page_no:03d}.json", body)
    return len(new)


def write_contact_events(world: World, root: Path) -> int:
    folder, count = root / WECOM_CONTACT_EVENTS.folder, 0
    envelope = {"ToUserName": world.corp_id, "FromUserName": "sys"}
    for period in world.periods:
        lines = [
            envelope | {"CreateTime": ts, "MsgType": "event", "Event": "change_external_contact"} | body
            for ts, body in world.events
            if period.start <= ts < period.end
        ]
        count += write_jsonl(folder / f"{period.stem}.jsonl", lines)
    return count


def _tag_list(groups: list[TagGroup], at: int, numbers_as_text: bool) -> dict[str, Any]:
    out = []
    for group in groups:
        tags = []
        for n, tag in enumerate((t for t in group.tags if t.created <= at), start=1):
            item: dict[str, Any] = {"id": tag.tag_id, "name": tag.name, "create_time": tag.created}
            item["order"] = str(n) if numbers_as_text else n
            if tag.deleted_at is not None and tag.deleted_at <= at:
                item["deleted"] = True
            tags.append(item)
        head: dict[str, Any] = {"group_id": group.group_id, "group_name": group.name, "create_time": group.created}
        head["order" if numbers_as_text else "group_order"] = str(group.order) if numbers_as_text else group.order
        out.append(head | {"tag": tags})
    return {"errcode": 0, "errmsg": "ok", "tag_group": out}


def write_corp_tags(world: World, root: Path) -> int:
    """The tag list at the start (numbers as strings) and at the end, after the mid-year tag changes."""
    folder = root / WECOM_CORP_TAGS.folder
    first, middle = world.periods[0], world.periods[-1]
    count = 0
    for period, as_text in ((first, True), (middle, False)):
        body = _tag_list(world.tag_groups, period.delivered, as_text)
        write_json(folder / f"{period.stem}.json", body)
        count += sum(len(g["tag"]) for g in body["tag_group"])
    return count
