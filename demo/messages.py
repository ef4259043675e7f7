"""Message archive (会话内容存档) streamed month by month, and the behavior stats derived from it."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.clock import DAY, HOUR, Period, day_start, poisson
from demo.contacts import Relation
from demo.tables import JsonLinesWriter, write_jsonl
from demo.world import World
from ingest.schemas import WECOM_BEHAVIOR, WECOM_MESSAGES

REP_TEXTS = (
    "您好，我是负责贵司的顾问，方便聊一下需求吗？",
    "方案已发您邮箱，请查收。",
    "这周方便安排一次拜访吗？",
    "报价单稍后发您。",
    "合同条款法务已确认。",
    "好的，有问题随时找我。",
    "明天上午十点电话沟通可以吗？",
)
CUSTOMER_TEXTS = ("好的，谢谢。", "价格还能再优惠一些吗？", "我们内部再讨论一下。", "收到。", "下周再联系吧。")
CUSTOMER_TEXTS += ("能先试用一下吗？", "领导已经同意了。", "在吗？")
MEDIA = ("text",) * 84 + ("image",) * 10 + ("file",) * 3 + ("voice",) * 3  # message types, by share
_GOLDEN = 0x9E3779B97F4A7C15  # odd: n -> n * _GOLDEN mod 2**64 is a bijection, so msgids never collide


@dataclass(slots=True)
class DayStats:
    chats: int = 0
    sent: int = 0
    customer_started: int = 0
    replied: int = 0
    reply_minutes: float = 0.0


class Archive:
    """Writes one month of archive rows and tallies per (userid, day) behavior figures."""

    def __init__(self, rng: random.Random, writer: JsonLinesWriter, serial: int) -> None:
        self.rng, self.writer, self.serial = rng, writer, serial
        self.stats: dict[tuple[str, int], DayStats] = defaultdict(DayStats)

    def msgid(self, ts_ms: int) -> str:
        self.serial += 1
        return f"{(self.serial * _GOLDEN) % 2**64}_{ts_ms // 1000}"

    def _media(self, kind: str, rep_side: bool) -> dict[str, Any]:
        rng = self.rng
        if kind == "text":
            return {"text": {"content": rng.choice(REP_TEXTS if rep_side else CUSTOMER_TEXTS)}}
        media: dict[str, Any] = {"md5sum": f"{rng.getrandbits(128):032x}"}
        media["sdkfileid"] = f"CtYBMzA2OTAy{rng.getrandbits(64):x}"
        if kind == "file":
            media |= {"filename": "产品报价单.pdf", "fileext": "pdf", "filesize": rng.randint(10_000, 900_000)}
        elif kind == "voice":
            media |= {"voice_size": rng.randint(2_000, 40_000), "play_length": rng.randint(2, 50)}
        else:
            media["filesize"] = rng.randint(20_000, 2_000_000)
        return {kind: media}

    def session(self, rel: Relation, start: int) -> None:
        """A short conversation; the rep answers after their usual delay (or, rarely, never)."""
        rng, rep, ext = self.rng, rel.rep.wecom_userid, rel.prospect.external_userid or ""
        roomid = f"wr{ext[2:24]}" if rng.random() < 0.02 else ""
        customer_first = rng.random() < 0.4
        n = rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6, 8, 10))
        no_reply = customer_first and rng.random() < 0.08
        stats = self.stats[(rep, day_start(start))]
        stats.chats += 1
        stats.customer_started += customer_first
        t_ms, rep_side, answered = start * 1000 + rng.randint(0, 999), not customer_first, False
        for k in range(n):
            if k:
                switched = not no_reply and rng.random() < 0.7
                mean = rel.rep.reply_minutes if switched and not rep_side else 20.0
                gap_ms = int(rng.expovariate(1 / mean) * 60_000) + 3_000
                t_ms += gap_ms
                rep_side = rep_side != switched
                if switched and rep_side and customer_first and not answered:
                    answered = True
                    stats.replied += 1
                    stats.reply_minutes += gap_ms / 60_000
            sender, recipient = (rep, ext) if rep_side else (ext, rep)
            kind = rng.choice(MEDIA)
            msgid = self.msgid(t_ms)
            body = {"msgid": msgid, "action": "send", "from": sender, "tolist": [recipient], "roomid": roomid}
            self.writer.write(body | {"msgtime": t_ms, "msgtype": kind} | self._media(kind, rep_side))
            if rep_side:
                stats.sent += 1
                if rng.random() < 0.004:
                    recall = {"msgid": self.msgid(t_ms + 30_000), "action": "recall", "from": sender}
                    recall |= {"tolist": [recipient], "roomid": roomid, "msgtime": t_ms + 30_000}
                    self.writer.write(recall | {"msgtype": "revoke", "revoke": {"pre_msgid": msgid}})

    def switch(self, user: str, ts_ms: int) -> None:
        self.writer.write({"msgid": self.msgid(ts_ms), "action": "switch", "time": ts_ms, "user": user})


def _sessions(rng: random.Random, relations: list[Relation], period: Period) -> list[tuple[int, int]]:
    """(start, relation index) of the month's conversations, from each relation's intensity windows."""
    out = []
    for index, rel in enumerate(relations):
        if rel.createtime >= period.end or (rel.ended is not None and rel.ended < period.start):
            continue
        for a, b, rate in rel.windows:
            lo, hi = max(a, period.start), min(b, period.end)
            for _ in range(poisson(rng, rate * (hi - lo) / DAY) if hi > lo else 0):
                ts = day_start(rng.randint(lo, hi - 1)) + rng.randint(8 * HOUR, 22 * HOUR)
                out.append((min(max(ts, lo), hi - 1), index))
    out.sort()
    return out


def write_messages_and_behavior(world: World, root: Path) -> tuple[int, int]:
    """Stream one JSONL archive file per month (never the whole year in memory), then that month's
    behavior pulls. Returns (archive rows, behavior day entries)."""
    serial, messages, behavior = 0, 0, 0
    new_contacts = Counter((r.rep.wecom_userid, day_start(r.createtime)) for r in world.relations)
    churned = Counter(
        (r.rep.wecom_userid, day_start(r.ended)) for r in world.relations if r.ended and r.end_kind == "churn"
    )
    for period in world.periods:
        rng = random.Random(f"messages/{world.seed}/{period.index}")
        writer = JsonLinesWriter(root / WECOM_MESSAGES.folder / f"{period.stem}.jsonl")
        archive = Archive(rng, writer, serial)
        for n, (start, index) in enumerate(_sessions(rng, world.relations, period)):
            archive.session(world.relations[index], start)
            if n % 5_000 == 4_999:
                archive.switch(world.relations[index].rep.wecom_userid, start * 1000 + 500)
        archive.switch(world.reps[1].wecom_userid, (period.end - 3 * HOUR) * 1000)
        serial, messages = archive.serial, messages + writer.close()
        lines = []
        for rep in world.reps:
            if not rep.sells or rep.joined >= period.end or (rep.left_at and rep.left_at < period.start):
                continue
            days = []
            for day in range(day_start(max(period.start, rep.joined)), min(period.end, rep.left_at or period.end), DAY):
                key, stats = (rep.wecom_userid, day), archive.stats.get((rep.wecom_userid, day), DayStats())
                entry: dict[str, Any] = {"stat_time": day, "chat_cnt": stats.chats, "message_cnt": stats.sent}
                if stats.replied:
                    entry["reply_percentage"] = round(100 * stats.replied / stats.customer_started, 2)
                    entry["avg_reply_time"] = round(stats.reply_minutes / stats.replied)
                entry["negative_feedback_cnt"] = churned[key]
                entry["new_apply_cnt"] = new_contacts[key] + rng.randint(0, 2)
                entry["new_contact_cnt"] = new_contacts[key]
                if period.index == 2 and rep is world.reps[1]:
                    entry |= {"chat_cnt": str(stats.chats), "message_cnt": str(stats.sent)}
                days.append(entry)
            lines.append({"userid": rep.wecom_userid, "behavior_data": days})
            behavior += len(days)
        write_jsonl(root / WECOM_BEHAVIOR.folder / f"{period.stem}.jsonl", lines)
    return messages, behavior
