"""Synthetic extract files of a chosen size, for throughput measurements."""

from __future__ import annotations

import json
import random
from pathlib import Path

STAGE_NAMES = ("寻找客户", "合格", "报价", "合同", "赢单", "输单")


def write_messages(path: Path, rows: int, seed: int = 1) -> Path:
    """A message-archive JSONL file: text messages between salespeople and customers, a switch row in 50."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            if i % 50 == 0:
                row = {"msgid": f"s{i}", "action": "switch", "time": 1_700_000_000_000 + i, "user": "zhangsan"}
            else:
                row = {
                    "msgid": f"m{i}", "action": "send", "from": f"u{rng.randint(1, 50)}",
                    "tolist": [f"wm{rng.randint(1, 10**6)}"], "roomid": "", "msgtime": 1_700_000_000_000 + i,
                    "msgtype": "text", "text": {"content": "您好，关于报价和合同的细节我们明天再确认。"},
                }  # fmt: skip
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_opportunities(path: Path, rows: int) -> Path:
    """A Chinese-header, UTF-8-BOM opportunities export with formatted amounts and mixed date layouts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "商机ID,商机名称,客户ID,负责人ID,商机阶段,商机状态,商机金额,币种,预计成交日期,创建时间,结束时间,更新时间\n"
    with path.open("w", encoding="utf-8-sig") as handle:
        handle.write(header)
        for i in range(rows):
            handle.write(
                f'O{i},商机{i},C{i},u{i % 50},{STAGE_NAMES[i % 6]},0,"¥{i * 10:,}.00",CNY,2026/12/{1 + i % 28},'
                f"2026-11-{1 + i % 28} 10:{i % 60:02d},,2026-11-28 09:00:00\n"
            )
    return path
