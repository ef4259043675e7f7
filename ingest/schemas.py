"""The raw-layer contract: every extract entity, its key, its columns and their parse rules.

One `Entity` per folder of the extract drop (docs/extract-formats.md). Each becomes the DuckDB
table `raw.<entity.name>` with the typed columns below plus the lineage columns
`_source_file`, `_source_line` and `_loaded_at`. Readers parse *to* these schemas at the edge;
everything after trusts the types.

Longer than 250 lines because it is the whole raw contract in one place: one declaration per entity,
read top to bottom (splitting it by source would scatter the contract the demo and the loader share).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Kind = Literal[
    "text",  # trimmed string, empty -> NULL
    "int",
    "float",
    "amount",  # "¥120,000.00" -> 120000.0, negative rejected
    "percent",  # "30" / "30%" -> 30.0 (0..100)
    "bool",  # 1/0, true/false, 是/否, Y/N
    "datetime",  # business-tz local text, ISO with offset, or 10/13-digit epoch -> UTC instant
    "epoch_s",  # WeCom REST seconds -> UTC instant
    "epoch_ms",  # WeCom archive milliseconds -> UTC instant
    "date",  # calendar date (no time zone)
    "month",  # YYYY-MM -> first day of month
    "currency",  # three-letter ISO 4217 code, upper-cased ("usd" -> "USD")
    "rate",  # a positive decimal ("7.1234"); zero or negative rejected
    "text_list",  # JSON array / list of strings
]

POLARS_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "amount": pl.Float64(),
    "percent": pl.Float64(),
    "bool": pl.Boolean(),
    "datetime": pl.Datetime("us", "UTC"),
    "epoch_s": pl.Datetime("us", "UTC"),
    "epoch_ms": pl.Datetime("us", "UTC"),
    "date": pl.Date(),
    "month": pl.Date(),
    "currency": pl.String(),
    "rate": pl.Float64(),
    "text_list": pl.List(pl.String()),
}

LINEAGE_COLUMNS = ("_source_file", "_source_line", "_loaded_at")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column (header) must be present in a CRM file
    not_null: bool = False  # a row without a value is rejected
    enum: dict[str, str] | None = field(default=None, hash=False)  # accepted spellings -> canonical value


@dataclass(frozen=True)
class Entity:
    name: str  # raw table name, `<source>__<entity>`
    folder: str  # folder under the extracts directory
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required_folder: bool = False
    # Name of an append-only table keeping every accepted row of every file (successive snapshots),
    # for entities whose history the CRM does not log (owner and stage changes, team changes).
    history_name: str | None = None

    @property
    def history_table(self) -> str | None:
        return f"raw.{self.history_name}" if self.history_name else None

    @property
    def source(self) -> str:
        return self.folder.split("/")[0]

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: POLARS_TYPES[c.kind] for c in self.columns})

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


OUTCOME_SPELLINGS: dict[str, str] = {
    "0": "open", "open": "open", "进行中": "open",
    "1": "won", "won": "won", "赢单": "won",
    "2": "lost", "lost": "lost", "输单": "lost",
    "3": "invalid", "invalid": "invalid", "无效": "invalid",
}  # fmt: skip

LEAD_STATUS: dict[str, str] = {
    "open": "open", "跟进中": "open",
    "converted": "converted", "已转化": "converted",
    "invalid": "invalid", "无效": "invalid",
}  # fmt: skip

ACTIVITY_TYPES: dict[str, str] = {
    "call": "call", "打电话": "call", "电话": "call",
    "visit": "visit", "见面拜访": "visit", "拜访": "visit",
    "wechat": "wechat", "微信": "wechat",
    "email": "email", "发邮件": "email", "邮件": "email",
    "sms": "sms", "发短信": "sms", "短信": "sms",
    "meeting": "meeting", "会议": "meeting",
    "other": "other", "其他": "other",
}  # fmt: skip

TARGET_SCOPES: dict[str, str] = {"company": "company", "team": "team", "user": "user"}
TARGET_METRICS: dict[str, str] = {m: m for m in ("won_amount", "won_deals", "new_customers")}

C = Column

# --- CRM -------------------------------------------------------------------------------------

CRM_USERS = Entity(
    "crm__users",
    "crm/users",
    key=("user_id",),
    required_folder=True,
    history_name="crm__user_snapshots",
    columns=(
        C("user_id", aliases=("员工ID", "负责人ID", "id"), required=True, not_null=True),
        C("name", aliases=("姓名",)),
        C("wecom_userid", aliases=("企业微信账号", "企微ID")),
        C("team", aliases=("部门",)),
        C("manager_id", aliases=("上级ID",)),
        C("active", "bool", aliases=("在职",)),
        C("left_at", "datetime", aliases=("离职时间",)),
    ),
)

CRM_LEADS = Entity(
    "crm__leads",
    "crm/leads",
    key=("lead_id",),
    columns=(
        C("lead_id", aliases=("线索ID",), required=True, not_null=True),
        C("created_at", "datetime", aliases=("创建时间",), required=True, not_null=True),
        C("owner_id", aliases=("负责人ID",)),
        C("source", aliases=("线索来源",)),
        C("mobile", aliases=("手机", "手机号")),
        C("wecom_external_userid", aliases=("企微客户ID", "external_userid")),
        C("status", aliases=("状态",), enum=LEAD_STATUS),
        C("converted_at", "datetime", aliases=("转化时间",)),
        C("customer_id", aliases=("客户ID",)),
    ),
)

CRM_CUSTOMERS = Entity(
    "crm__customers",
    "crm/customers",
    key=("customer_id",),
    columns=(
        C("customer_id", aliases=("客户ID",), required=True, not_null=True),
        C("name", aliases=("客户名称",)),
        C("created_at", "datetime", aliases=("创建时间",), required=True, not_null=True),
        C("owner_id", aliases=("负责人ID",)),
        C("source", aliases=("客户来源",)),
        C("mobile", aliases=("手机",)),
        C("wecom_external_userid", aliases=("企微客户ID",)),
        C("lead_id", aliases=("线索ID",)),
    ),
)

CRM_OPPORTUNITIES = Entity(
    "crm__opportunities",
    "crm/opportunities",
    key=("opportunity_id",),
    required_folder=True,
    history_name="crm__opportunity_snapshots",
    columns=(
        C("opportunity_id", aliases=("商机ID",), required=True, not_null=True),
        C("name", aliases=("商机名称",)),
        C("customer_id", aliases=("客户ID",)),
        C("owner_id", aliases=("负责人ID",), required=True, not_null=True),
        C("pipeline", aliases=("商机状态组",)),  # NULL -> "default" in staging
        C("stage", aliases=("商机阶段",), required=True),  # raw text; matched against the stage config
        C("status", aliases=("商机状态", "is_end"), enum=OUTCOME_SPELLINGS),
        C("amount", "amount", aliases=("商机金额",)),
        C("currency", aliases=("币种",)),
        C("expected_close_date", "date", aliases=("预计成交日期",)),
        C("created_at", "datetime", aliases=("创建时间",), required=True, not_null=True),
        C("closed_at", "datetime", aliases=("结束时间", "成交时间")),
        C("lost_reason", aliases=("输单原因",)),
        C("updated_at", "datetime", aliases=("更新时间",)),
    ),
)

CRM_STAGE_CHANGES = Entity(
    "crm__stage_changes",
    "crm/stage_changes",
    key=("opportunity_id", "changed_at", "stage"),
    columns=(
        C("opportunity_id", aliases=("商机ID",), required=True, not_null=True),
        C("stage", aliases=("阶段", "新阶段"), required=True, not_null=True),
        C("changed_at", "datetime", aliases=("变更时间",), required=True, not_null=True),
        C("changed_by", aliases=("操作人",)),
    ),
)

CRM_ACTIVITIES = Entity(
    "crm__activities",
    "crm/activities",
    key=("activity_id",),
    columns=(
        C("activity_id", aliases=("跟进ID",), required=True, not_null=True),
        C("owner_id", aliases=("负责人ID",)),
        C("occurred_at", "datetime", aliases=("跟进时间",), required=True, not_null=True),
        C("type", aliases=("跟进方式",), enum=ACTIVITY_TYPES),
        C("opportunity_id", aliases=("商机ID",)),
        C("customer_id", aliases=("客户ID",)),
        C("lead_id", aliases=("线索ID",)),
        C("next_followup_at", "datetime", aliases=("下次联系时间",)),
    ),
)

# Targets arrive long or in 悟空CRM's wide form; the reader melts wide rows into this long shape.
CRM_TARGETS = Entity(
    "crm__targets",
    "crm/targets",
    key=("scope_type", "scope_id", "month", "metric"),
    columns=(
        C("scope_type", required=True, not_null=True, enum=TARGET_SCOPES),
        C("scope_id", not_null=True),
        C("month", "month", required=True, not_null=True),
        C("metric", required=True, not_null=True, enum=TARGET_METRICS),
        C("target", "amount", required=True, not_null=True),
    ),
)

# Exchange rates: reporting-currency units per one unit of `currency`, per month (optional folder).
CRM_FX_RATES = Entity(
    "crm__fx_rates",
    "crm/fx_rates",
    key=("currency", "month"),
    columns=(
        C("currency", "currency", aliases=("币种",), required=True, not_null=True),
        C("month", "month", aliases=("月份",), required=True, not_null=True),
        C("rate", "rate", aliases=("汇率",), required=True, not_null=True),
    ),
)

# --- WeCom -----------------------------------------------------------------------------------

WECOM_EXTERNAL_CONTACTS = Entity(
    "wecom__external_contacts",
    "wecom/external_contacts",
    key=("external_userid", "userid"),
    columns=(
        C("external_userid", not_null=True),
        C("userid", not_null=True),
        C("name"),
        C("type", "int"),
        C("gender", "int"),
        C("unionid"),
        C("corp_name"),
        C("corp_full_name"),
        C("position"),
        C("createtime", "epoch_s", not_null=True),
        C("remark"),
        C("description"),
        C("remark_mobiles", "text_list"),
        C("add_way", "int"),
        C("state"),
        C("oper_userid"),
        C("tag_ids", "text_list"),
    ),
)

WECOM_CONTACT_EVENTS = Entity(
    "wecom__contact_events",
    "wecom/contact_events",
    key=("user_id", "external_user_id", "change_type", "create_time"),
    columns=(
        C("to_user_name"),
        C("from_user_name"),
        C("create_time", "epoch_s", not_null=True),
        C("msg_type"),
        C("event"),
        C("change_type", not_null=True),
        C("user_id", not_null=True),
        C("external_user_id", not_null=True),
        C("source"),
        C("state"),
        C("welcome_code"),
        C("fail_reason"),
    ),
)

WECOM_BEHAVIOR = Entity(
    "wecom__behavior",
    "wecom/behavior",
    key=("userid", "stat_time"),
    columns=(
        C("userid", not_null=True),
        C("stat_time", "epoch_s", not_null=True),
        C("chat_cnt", "int"),
        C("message_cnt", "int"),
        C("reply_percentage", "float"),  # absent on days without replies: stays NULL
        C("avg_reply_time", "float"),  # minutes; absent on days without replies: stays NULL
        C("negative_feedback_cnt", "int"),
        C("new_apply_cnt", "int"),
        C("new_contact_cnt", "int"),
    ),
)

WECOM_MESSAGES = Entity(
    "wecom__messages",
    "wecom/messages",
    key=("msgid",),
    columns=(
        C("msgid", not_null=True),
        C("action", not_null=True),
        C("from_id"),  # the archive's `from`
        C("tolist", "text_list"),
        C("roomid"),
        C("msgtime", "epoch_ms"),
        C("msgtype"),
        C("content"),  # text content; never copied past staging
        C("switch_user"),  # `user` of switch rows
        C("switch_time", "epoch_ms"),  # `time` of switch rows
    ),
)

WECOM_CORP_TAGS = Entity(
    "wecom__corp_tags",
    "wecom/corp_tags",
    key=("tag_id",),
    columns=(
        C("tag_id", not_null=True),
        C("tag_name"),
        C("tag_order", "int"),
        C("tag_create_time", "epoch_s"),
        C("tag_deleted", "bool"),
        C("group_id", not_null=True),
        C("group_name"),
        C("group_order", "int"),
        C("group_create_time", "epoch_s"),
        C("group_deleted", "bool"),
    ),
)

ENTITIES: tuple[Entity, ...] = (
    CRM_USERS,
    CRM_LEADS,
    CRM_CUSTOMERS,
    CRM_OPPORTUNITIES,
    CRM_STAGE_CHANGES,
    CRM_ACTIVITIES,
    CRM_TARGETS,
    CRM_FX_RATES,
    WECOM_EXTERNAL_CONTACTS,
    WECOM_CONTACT_EVENTS,
    WECOM_BEHAVIOR,
    WECOM_MESSAGES,
    WECOM_CORP_TAGS,
)
ENTITIES_BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}

MANIFEST_TABLE = "raw._load_manifest"
REJECTS_TABLE = "raw._rejects"
NOTES_TABLE = "raw._load_notes"
