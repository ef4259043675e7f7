"""The arrival-order pair: two deliveries, fed one run at a time or both at once, must give the same marts."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import ingest
from tests.e2e import drops
from tests.e2e.drops import Customer, Deal, User
from tests.e2e.expected import instant
from tests.e2e.matrix_drops import SHANGHAI, D

ARRIVAL_USERS = [User("u1", "张伟", "华东", "zhangwei"), User("u2", "李娜", "华东", "lina")]
FIRST_DELIVERY, SECOND_DELIVERY = D(2026, 5, 31, 2), D(2026, 6, 1, 2)


def _epoch(local: datetime) -> int:
    return int(instant(local, SHANGHAI).timestamp())


def write_first_delivery(root: Path) -> None:
    customers = [
        Customer("C1", D(2026, 5, 3, 9), "u1", "官网", "wmAAA1"),
        Customer("C2", D(2026, 5, 5, 9), "u2", "展会", "wmAAA2"),
    ]
    deals = [
        Deal("P1", "u1", [("prospecting", D(2026, 5, 4, 10)), ("qualification", D(2026, 5, 12, 10))],
             amount=30000, customer_id="C1"),
        Deal("P2", "u2", [("prospecting", D(2026, 5, 6, 10)), ("quote", D(2026, 5, 15, 10)),
                          ("won", D(2026, 5, 25, 16))],
             amount=50000, customer_id="C2"),
    ]  # fmt: skip
    name = drops.stamp_name(FIRST_DELIVERY)
    drops.write_users(root, ARRIVAL_USERS, name)
    drops.write_customers(root, customers, name)
    drops.write_opportunities(root, deals, FIRST_DELIVERY, name)
    drops.write_stage_changes(root, deals, name)
    drops.write_activities(root, [
        drops.Activity("A1", "u1", D(2026, 5, 20, 10), "call", "P1", "C1"),
        drops.Activity("A2", "u1", D(2026, 5, 21, 15), "visit", "P1", "C1"),
    ], name)  # fmt: skip


def write_second_delivery(root: Path) -> dict:
    """The corrected follow-up, the first WeCom files and the stage key `quote` renamed `proposal` in
    pipelines.yml (the old key stays an alias); returns what the activity mart must then hold."""
    name = drops.stamp_name(SECOND_DELIVERY, ".jsonl")
    default = (Path(ingest.__file__).parent / "pipelines_default.yml").read_text(encoding="utf-8")
    renamed = default.replace("{key: quote,", "{key: proposal,").replace(
        "aliases: [方案/报价]", "aliases: [方案/报价, quote]"
    )
    assert renamed.count("proposal") == 1 and renamed.count("quote") == 1, "the default stages changed"
    (root / "pipelines.yml").write_text(renamed, encoding="utf-8")
    # A1 was logged on the wrong day by the wrong person: re-delivered with its corrected date and owner
    drops.write_activities(root, [drops.Activity("A1", "u2", D(2026, 5, 22, 11), "call", "P2", "C2")],
                           drops.stamp_name(SECOND_DELIVERY))  # fmt: skip
    follow = {"remark": "", "description": "", "tags": [], "remark_mobiles": [], "add_way": 1}
    drops.write_jsonl(root, f"wecom/external_contacts/{name}", [
        {"errcode": 0, "errmsg": "ok", "external_contact": {"external_userid": "wmAAA1", "name": "王先生", "type": 1},
         "follow_user": [follow | {"userid": "zhangwei", "createtime": _epoch(D(2026, 5, 2, 18)),
                                   "oper_userid": "zhangwei", "state": "官网"}]},
        {"errcode": 0, "errmsg": "ok", "external_contact": {"external_userid": "wmAAA3", "name": "刘女士", "type": 1},
         "follow_user": [follow | {"userid": "lina", "createtime": _epoch(D(2026, 5, 18, 9)), "oper_userid": "lina"}]},
    ])  # fmt: skip
    messages = [
        ("m1", "zhangwei", "wmAAA1", D(2026, 5, 20, 9, 30)),
        ("m2", "wmAAA1", "zhangwei", D(2026, 5, 20, 9, 42)),
        ("m3", "zhangwei", "wmAAA1", D(2026, 5, 26, 14)),
        ("m4", "lina", "wmAAA3", D(2026, 5, 27, 16)),
    ]
    drops.write_jsonl(root, f"wecom/messages/{name}", [
        {"msgid": msgid, "action": "send", "from": sender, "tolist": [to], "roomid": "",
         "msgtime": _epoch(when) * 1000, "msgtype": "text", "text": {"content": "您好"}}
        for msgid, sender, to, when in messages
    ])  # fmt: skip
    days = {("zhangwei", D(2026, 5, 20)): 3, ("zhangwei", D(2026, 5, 26)): 1, ("lina", D(2026, 5, 27)): 2}
    drops.write_jsonl(root, f"wecom/behavior/{name}", [
        {"userid": userid, "behavior_data": [
            {"stat_time": _epoch(day), "chat_cnt": chats, "message_cnt": chats, "negative_feedback_cnt": 0,
             "new_apply_cnt": 0, "new_contact_cnt": 0} for (who, day), chats in days.items() if who == userid]}
        for userid in ("zhangwei", "lina")
    ])  # fmt: skip
    drops.write_jsonl(root, f"wecom/contact_events/{name}", [
        {"ToUserName": "wwcorp", "FromUserName": "sys", "CreateTime": _epoch(D(2026, 5, 28, 20)), "MsgType": "event",
         "Event": "change_external_contact", "ChangeType": "del_follow_user", "UserID": "lina",
         "ExternalUserID": "wmAAA3"},
    ])  # fmt: skip
    return {
        "crm_followups": {(date(2026, 5, 22), "u2"): 1, (date(2026, 5, 21), "u1"): 1},
        "wecom_chat_cnt": sum(days.values()),
        "archive_messages_sent": sum(1 for _, sender, _, _ in messages if not sender.startswith("wm")),
        "states": {"prospecting": 2, "qualification": 1, "proposal": 1, "won": 1},
    }
