"""Fixed vocabulary of the demo company: pipelines, lead sources, names, and the pipelines.yml text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    name_en: str
    probability: int
    aliases: tuple[str, ...] = ()
    base_days: float = 7.0  # typical days spent in the stage
    required: bool = False
    required_activities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    key: str
    name: str
    stages: tuple[Stage, ...]


DEFAULT = Pipeline(
    "default",
    "默认商机组",
    (
        Stage("prospecting", "寻找客户", "Prospecting", 10, ("初步接洽",), 6.0),
        Stage("qualification", "合格", "Qualification", 25, ("需求确定", "验证客户"), 11.0, True, ("visit",)),
        Stage("quote", "报价", "Quote", 50, ("方案/报价",), 15.0),
        Stage("contract", "合同", "Contract", 80, ("谈判审核",), 9.0),
    ),
)
RENEWAL = Pipeline(
    "renewal",
    "续约商机组",
    (
        Stage("renewal_review", "续约评估", "Renewal Review", 40, ("续约沟通",), 8.0),
        Stage("renewal_quote", "续约报价", "Renewal Quote", 70, ("续约方案",), 10.0),
    ),
)
PIPELINES: dict[str, Pipeline] = {p.key: p for p in (DEFAULT, RENEWAL)}
OUTCOMES = ("won", "lost", "invalid")
OUTCOME_ZH = {"won": "赢单", "lost": "输单", "invalid": "无效"}
OUTCOME_CODE = {"open": "0", "won": "1", "lost": "2", "invalid": "3"}
OUTCOME_STATUS_ZH = {"open": "进行中", **OUTCOME_ZH}

# lead source -> (share of prospects, quality on the logit scale)
SOURCES: dict[str, tuple[float, float]] = {
    "转介绍": (0.12, 0.9),
    "展会": (0.18, 0.35),
    "官网": (0.25, 0.1),
    "百度推广": (0.25, -0.3),
    "抖音": (0.20, -0.7),
}
# WeCom `state` channel code per source (on contacts added by QR code or acquisition link)
STATE_CODES = {"展会": "expo_qr_2026", "官网": "web_kefu", "百度推广": "sem_baidu", "抖音": "douyin_ad"}
# add_way -> weight, for first relations (201/202 are reassignments, generated separately)
ADD_WAYS = {1: 30, 2: 10, 3: 8, 4: 5, 5: 5, 6: 6, 16: 14, 10: 4, 9: 1, 13: 2, 0: 2}
LOST_REASONS = ("价格太高", "选择了竞品", "预算取消", "无决策权", "需求不匹配", "联系不上")
PRODUCTS = ("CRM标准版", "CRM专业版", "营销云", "数据中台", "私有化部署", "客服系统")
TEAMS = ("华东一组", "华南二组", "华北三组")
DIRECTOR_TEAM = "销售中心"

SURNAMES = (
    ("张", "zhang"), ("王", "wang"), ("李", "li"), ("赵", "zhao"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
)  # fmt: skip
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("强", "qiang"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("军", "jun"), ("杰", "jie"),
    ("婷", "ting"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"),
    ("晨", "chen"), ("宇", "yu"), ("欣", "xin"), ("浩", "hao"),
)  # fmt: skip
CITIES = ("上海", "杭州", "苏州", "深圳", "广州", "北京", "天津", "南京", "成都", "武汉", "厦门", "宁波")
WORDS = ("恒泰", "华信", "金桥", "远航", "鼎盛", "星辰", "瑞丰", "博远", "中科", "汇通", "新元", "锦程")
INDUSTRIES = ("科技", "贸易", "教育", "医疗器械", "物流", "餐饮管理", "建材", "电子", "文化传媒")
POSITIONS = ("采购经理", "总经理", "IT主管", "运营总监", "财务", "市场经理", "")


def _stage_yaml(stage: Stage) -> list[str]:
    aliases = ", ".join(stage.aliases)
    line = (
        f"      - {{key: {stage.key}, name: {stage.name}, name_en: {stage.name_en}, "
        f"probability: {stage.probability}, aliases: [{aliases}]"
    )
    if stage.required:
        line += f", required: true, required_activities: [{', '.join(stage.required_activities)}]"
    return [line + "}"]


def pipelines_yaml() -> str:
    """The demo company's stage configuration (docs/extract-formats.md, pipelines.yml)."""
    lines = ["business_timezone: Asia/Shanghai", "pipelines:"]
    for pipeline in PIPELINES.values():
        lines += [f"  - key: {pipeline.key}", f"    name: {pipeline.name}", "    stages:"]
        for stage in pipeline.stages:
            lines += _stage_yaml(stage)
    return "\n".join(lines) + "\n"
