"""The stage configuration (pipelines.yml): validated strictly before any SQL runs, then loaded as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
import yaml

DEFAULT_STAGES_FILE = Path(__file__).with_name("pipelines_default.yml")
STAGES_FILE_NAME = "pipelines.yml"  # the stage configuration at the top of an extracts directory
OUTCOMES: dict[str, tuple[str, ...]] = {
    "won": ("won", "1", "赢单"),
    "lost": ("lost", "2", "输单"),
    "invalid": ("invalid", "3", "无效"),
}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_FORBIDDEN_IN_NAMES = re.compile(r"[;'\"\\`\x00-\x1f]|--|/\*")
_TOP_KEYS = {"business_timezone", "reporting_currency", "pipelines"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PIPELINE_KEYS = {"key", "name", "name_en", "stages"}
_STAGE_KEYS = {"key", "name", "name_en", "probability", "aliases", "required", "required_activities"}
_ACTIVITY_TYPES = {"call", "visit", "wechat", "email", "sms", "meeting", "other"}


class StageConfigError(ValueError):
    """The stage configuration is unusable; the message names the file and the rule."""


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    name_en: str
    probability: float
    aliases: tuple[str, ...]
    required: bool
    required_activities: tuple[str, ...]


@dataclass(frozen=True)
class Pipeline:
    key: str
    name: str
    name_en: str
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class StageConfig:
    source: str
    business_timezone: str
    pipelines: tuple[Pipeline, ...]
    reporting_currency: str = "CNY"  # ISO 4217; amounts in other currencies are converted with crm/fx_rates

    def state_lookup(self) -> pl.DataFrame:
        """One row per (pipeline_key, spelling) -> state_key: stages by key/name/name_en/alias, and outcomes.

        Spellings are trimmed and lower-cased, the way values from files are matched.
        """
        rows = []
        for pipeline in self.pipelines:
            for stage in pipeline.stages:
                for spelling in sorted({stage.key, stage.name, stage.name_en, *stage.aliases}):
                    rows.append((pipeline.key, spelling.strip().lower(), stage.key, "stage"))
            for outcome, spellings in OUTCOMES.items():
                for spelling in spellings:
                    rows.append((pipeline.key, spelling, outcome, "outcome"))
        schema = ["pipeline_key", "spelling", "state_key", "state_kind"]
        return pl.DataFrame(rows, schema=schema, orient="row").unique(maintain_order=True)

    def stages_frame(self) -> pl.DataFrame:
        rows = [
            {
                "pipeline_key": p.key,
                "pipeline_name": p.name,
                "pipeline_name_en": p.name_en,
                "stage_key": s.key,
                "stage_order": i + 1,
                "stage_name": s.name,
                "stage_name_en": s.name_en,
                "probability": s.probability / 100.0,
                "is_required": s.required,
                "required_activities": list(s.required_activities),
            }
            for p in self.pipelines
            for i, s in enumerate(p.stages)
        ]
        return pl.DataFrame(rows, schema_overrides={"required_activities": pl.List(pl.String)})


def _fail(source: str, where: str, rule: str) -> StageConfigError:
    return StageConfigError(f"{source}: {where}: {rule}")


def _unknown(source: str, where: str, given: dict, allowed: set[str]) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise _fail(source, where, f"unknown key(s) {extra}; allowed: {sorted(allowed)}")


def _name(source: str, where: str, value: object, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise _fail(source, where, "must be a non-empty text")
    text = str(value).strip()
    if len(text) > 100 or _FORBIDDEN_IN_NAMES.search(text):
        raise _fail(source, where, f"{text!r} has characters not allowed in a name (quotes, ;, --, control)")
    return text


def _key(source: str, where: str, value: object) -> str:
    if not isinstance(value, str) or not _KEY.match(value):
        raise _fail(source, where, f"key {value!r} must match {_KEY.pattern}")
    return value


def _stage(source: str, where: str, raw: object) -> Stage:
    if not isinstance(raw, dict):
        raise _fail(source, where, "a stage must be a mapping")
    _unknown(source, where, raw, _STAGE_KEYS)
    key = _key(source, f"{where}.key", raw.get("key"))
    probability = raw.get("probability", 0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 <= probability <= 100:
        raise _fail(source, f"{where}.probability", "must be a number from 0 to 100")
    aliases = raw.get("aliases") or []
    activities = raw.get("required_activities") or []
    if not isinstance(aliases, list) or not isinstance(activities, list):
        raise _fail(source, where, "aliases and required_activities must be lists")
    unknown_types = sorted(set(map(str, activities)) - _ACTIVITY_TYPES)
    if unknown_types:
        raise _fail(source, f"{where}.required_activities", f"unknown activity type(s) {unknown_types}")
    if not isinstance(raw.get("required", False), bool):
        raise _fail(source, f"{where}.required", "must be true or false")
    return Stage(
        key=key,
        name=_name(source, f"{where}.name", raw.get("name", key)),
        name_en=_name(source, f"{where}.name_en", raw.get("name_en", key)),
        probability=float(probability),
        aliases=tuple(_name(source, f"{where}.aliases", a) for a in aliases),
        required=raw.get("required", False),
        required_activities=tuple(map(str, activities)),
    )


def _pipeline(source: str, where: str, raw: object) -> Pipeline:
    if not isinstance(raw, dict):
        raise _fail(source, where, "a pipeline must be a mapping")
    _unknown(source, where, raw, _PIPELINE_KEYS)
    key = _key(source, f"{where}.key", raw.get("key"))
    stages_raw = raw.get("stages")
    if not isinstance(stages_raw, list) or not stages_raw:
        raise _fail(source, f"{where}.stages", "must be a non-empty list in funnel order")
    stages = tuple(_stage(source, f"{where}.stages[{i}]", s) for i, s in enumerate(stages_raw))
    stage_keys = [s.key for s in stages]
    repeated = sorted({k for k in stage_keys if stage_keys.count(k) > 1})
    if repeated:
        raise _fail(source, f"pipeline {key}", f"duplicate stage key(s) {repeated}")
    seen: dict[str, str] = {}
    for stage in stages:
        for spelling in {stage.key, stage.name, stage.name_en, *stage.aliases}:
            norm = spelling.strip().lower()
            if norm in {s for spellings in OUTCOMES.values() for s in spellings}:
                raise _fail(source, f"pipeline {key}", f"stage spelling {spelling!r} is an outcome")
            if seen.setdefault(norm, stage.key) != stage.key:
                raise _fail(source, f"pipeline {key}", f"{spelling!r} names both {seen[norm]} and {stage.key}")
    return Pipeline(key, _name(source, f"{where}.name", raw.get("name", key)), str(raw.get("name_en", key)), stages)


def parse_stage_config(text: str, source: str) -> StageConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(source, "YAML", str(exc).splitlines()[0]) from exc
    if not isinstance(raw, dict):
        raise _fail(source, "top level", "must be a mapping with `pipelines`")
    _unknown(source, "top level", raw, _TOP_KEYS)
    timezone = raw.get("business_timezone", "Asia/Shanghai")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(source, "business_timezone", f"unknown time zone {timezone!r}") from exc
    currency = raw.get("reporting_currency", "CNY")
    if not isinstance(currency, str) or not _CURRENCY.match(currency.strip().upper()):
        raise _fail(source, "reporting_currency", f"{currency!r} is not an ISO 4217 currency code (e.g. CNY, USD)")
    pipelines_raw = raw.get("pipelines")
    if not isinstance(pipelines_raw, list) or not pipelines_raw:
        raise _fail(source, "pipelines", "must be a non-empty list")
    pipelines = tuple(_pipeline(source, f"pipelines[{i}]", p) for i, p in enumerate(pipelines_raw))
    keys = [p.key for p in pipelines]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise _fail(source, "pipelines", f"duplicate pipeline key(s) {duplicates}")
    return StageConfig(
        source=source,
        business_timezone=str(timezone),
        pipelines=pipelines,
        reporting_currency=currency.strip().upper(),
    )


def load_stage_config(stages_file: Path | None, extracts_dir: Path | None) -> StageConfig:
    """`stages_file` if given, else `<extracts>/pipelines.yml` if present, else the project default."""
    path = stages_file
    if path is None and extracts_dir is not None and (extracts_dir / STAGES_FILE_NAME).is_file():
        path = extracts_dir / STAGES_FILE_NAME
    path = path or DEFAULT_STAGES_FILE
    if not path.is_file():
        raise StageConfigError(f"{path}: stage configuration file not found")
    return parse_stage_config(path.read_text(encoding="utf-8"), str(path))
