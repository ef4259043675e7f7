"""Vectorised value rules: text in, typed value plus the rule it broke out.

Each `parse_<kind>` takes a String series and returns `(values, errors)`: `values` typed as
`schemas.POLARS_TYPES[kind]`, `errors` a String series holding the broken rule for every value
that was present but unacceptable (NULL where the value is fine or absent).

Longer than 250 lines because it holds one short parser per value kind of `schemas.Kind`, side by side,
so that every kind's rule is found in one place.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

Parsed = tuple[pl.Expr, pl.Expr]

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")  # %.f also matches no fraction
_OFFSET_FORMATS = ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M%z")
_TRUE = ("1", "true", "是", "y", "yes", "t")
_FALSE = ("0", "false", "否", "n", "no", "f")
DST_GAP = "local time in a daylight-saving gap: shifted forward by the gap"
DST_AMBIGUOUS = "ambiguous local time (clocks fell back): the earlier instant taken"


def clean(col: str) -> pl.Expr:
    """Trimmed text; empty strings are absent values."""
    trimmed = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(trimmed == "").then(None).otherwise(trimmed)


def _error_if(bad: pl.Expr, rule: str) -> pl.Expr:
    return pl.when(bad).then(pl.lit(rule)).otherwise(pl.lit(None, pl.String))


def _parse_text(col: str, _tz: str) -> Parsed:
    return clean(col), pl.lit(None, pl.String)


def _parse_int(col: str, _tz: str) -> Parsed:
    """Integers; "3.0" (how spreadsheets write whole numbers) is 3, "3.5" is an error."""
    text = clean(col)
    exact = text.cast(pl.Int64, strict=False)
    as_float = text.cast(pl.Float64, strict=False)
    whole = as_float.is_not_null() & (as_float == as_float.round(0)) & (as_float.abs() < 2**53)
    value = pl.when(exact.is_not_null()).then(exact).when(whole).then(as_float.cast(pl.Int64)).otherwise(None)
    return value, _error_if(text.is_not_null() & value.is_null(), "not an integer")


def _parse_float(col: str, _tz: str) -> Parsed:
    text = clean(col)
    value = text.cast(pl.Float64, strict=False)
    return value, _error_if(text.is_not_null() & value.is_null(), "not a number")


def _parse_amount(col: str, _tz: str) -> Parsed:
    text = clean(col)
    digits = text.str.replace_all(r"[¥￥,\s]", "").str.replace(r"^CNY", "")
    value = digits.cast(pl.Float64, strict=False)
    bad_number = text.is_not_null() & value.is_null()
    error = (
        pl.when(bad_number)
        .then(pl.lit("not an amount"))
        .when(value < 0)
        .then(pl.lit("negative amount"))
        .otherwise(pl.lit(None, pl.String))
    )
    return pl.when(value >= 0).then(value).otherwise(None), error


def _parse_percent(col: str, _tz: str) -> Parsed:
    text = clean(col)
    value = text.str.strip_suffix("%").str.strip_chars().cast(pl.Float64, strict=False)
    ok = value.is_between(0, 100)
    error = _error_if(text.is_not_null() & ~ok.fill_null(False), "percentage outside 0-100")
    return pl.when(ok).then(value).otherwise(None), error


def _parse_bool(col: str, _tz: str) -> Parsed:
    text = clean(col).str.to_lowercase()
    value = pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False).otherwise(None)
    return value, _error_if(text.is_not_null() & value.is_null(), "not a boolean (1/0, true/false, 是/否, Y/N)")


def _epoch(text: pl.Expr, unit: str) -> pl.Expr:
    return pl.from_epoch(text.cast(pl.Int64, strict=False), time_unit=unit).dt.replace_time_zone("UTC")


def _naive_local(text: pl.Expr) -> pl.Expr:
    """`YYYY-MM-DD[ HH:MM[:SS[.fff]]]`, `/` or `-` separated, as a naive wall-clock datetime."""
    local_text = text.str.replace_all("/", "-").str.replace("T", " ")
    return pl.coalesce([local_text.str.to_datetime(f, strict=False, time_unit="us") for f in _LOCAL_FORMATS])


def _localized(naive: pl.Expr, tz: str, ambiguous: str) -> pl.Expr:
    """A wall-clock time in `tz` as a UTC instant; NULL inside a DST gap."""
    return naive.dt.replace_time_zone(tz, ambiguous=ambiguous, non_existent="null").dt.convert_time_zone("UTC")


def _business_instants(naive: pl.Series, tz: str) -> pl.Series:
    """Business-time wall clocks as UTC instants, daylight saving included.

    An ambiguous time (the hour repeated when clocks fall back) takes the earlier instant. A time in
    a gap (skipped when clocks spring forward) is read with the offset in force just before the gap,
    which shifts it forward by the gap's length: 00:00 on a day Sao Paulo skips to 01:00 becomes 01:00.
    The offset before the gap is the one a day earlier (no zone changes its offset twice in a day).
    Works on the whole column at once (a Series), so the text is parsed once; gap rows are rare.
    """
    frame = naive.rename("naive").to_frame()
    earliest = frame.select(_localized(pl.col("naive"), tz, "earliest")).to_series()
    gap = earliest.is_null() & naive.is_not_null()
    if not gap.any():
        return earliest
    day_before = pl.col("naive") - pl.duration(days=1)
    offset_before = day_before - _localized(day_before, tz, "earliest").dt.replace_time_zone(None)
    shifted = frame.select((pl.col("naive") - offset_before).dt.replace_time_zone("UTC")).to_series()
    return earliest.zip_with(~gap, shifted)


def dst_note(col: str, tz: str) -> pl.Expr:
    """Which business-time values daylight saving moved: `DST_GAP`, `DST_AMBIGUOUS`, else NULL.

    Only wall-clock texts (no offset, not an epoch) are affected; the parsed value itself comes from
    the datetime parser, this names what it did so the load can count it.
    """
    naive = _naive_local(clean(col))
    earliest = _localized(naive, tz, "earliest")
    latest = _localized(naive, tz, "latest")
    return (
        pl.when(naive.is_not_null() & earliest.is_null())
        .then(pl.lit(DST_GAP))
        .when(earliest != latest)
        .then(pl.lit(DST_AMBIGUOUS))
        .otherwise(pl.lit(None, pl.String))
    )


def near_offset_change(instant: pl.Expr, tz: str) -> pl.Expr:
    """Whether the zone's UTC offset a day before `instant` differs from a day after: only such values can
    have been moved by daylight saving (cheap: UTC to local never needs a choice)."""

    def offset(at: pl.Expr) -> pl.Expr:
        return at.dt.convert_time_zone(tz).dt.replace_time_zone(None) - at.dt.replace_time_zone(None)

    return offset(instant - pl.duration(days=1)) != offset(instant + pl.duration(days=1))


def _parse_datetime(col: str, tz: str) -> Parsed:
    text = clean(col)
    local = _naive_local(text).map_batches(
        lambda naive: _business_instants(naive, tz), return_dtype=pl.Datetime("us", "UTC")
    )
    has_offset = text.str.contains(r"(Z|[+-]\d\d:?\d\d)$")
    # Only texts that end in an offset are parsed with one; the others skip the extra parses.
    offset_text = pl.when(has_offset).then(text.str.replace("T", " ").str.replace(r"Z$", "+00:00"))
    with_offset = pl.coalesce(
        [offset_text.str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC") for f in _OFFSET_FORMATS]
    )
    value = (
        pl.when(text.str.contains(r"^\d{10}$"))
        .then(_epoch(text, "s"))
        .when(text.str.contains(r"^\d{13}$"))
        .then(_epoch(text, "ms"))
        .when(has_offset)
        .then(with_offset)
        .otherwise(local)
    )
    value = value.cast(pl.Datetime("us", "UTC"))
    return value, _error_if(text.is_not_null() & value.is_null(), "unparseable datetime")


def _parse_epoch(unit: str) -> Callable[[str, str], Parsed]:
    """WeCom epochs: seconds have up to 10 digits, milliseconds exactly 13; a value in the other unit is not guessed."""
    digits = "{1,10}" if unit == "s" else "{13}"
    rule = "not epoch seconds (up to 10 digits)" if unit == "s" else "not epoch milliseconds (13 digits)"

    def parse(col: str, _tz: str) -> Parsed:
        text = clean(col)
        ok = text.str.contains(rf"^\d{digits}$")
        value = pl.when(ok).then(_epoch(text, unit)).otherwise(None).cast(pl.Datetime("us", "UTC"))
        return value, _error_if(text.is_not_null() & ~ok.fill_null(False), rule)

    return parse


def _parse_date(col: str, tz: str) -> Parsed:
    """A calendar date: the date part of any accepted datetime text (as written), or of an epoch in `tz`."""
    text = clean(col)
    date_part = text.str.extract(r"^(\d{4}[-/]\d{1,2}[-/]\d{1,2})(?:[ T].*)?$", 1)
    dates = _naive_local(date_part).dt.date()
    epoch_s = _epoch(text, "s").dt.convert_time_zone(tz).dt.date()
    epoch_ms = _epoch(text, "ms").dt.convert_time_zone(tz).dt.date()
    value = (
        pl.when(text.str.contains(r"^\d{10}$"))
        .then(epoch_s)
        .when(text.str.contains(r"^\d{13}$"))
        .then(epoch_ms)
        .otherwise(dates)
    )
    return value, _error_if(text.is_not_null() & value.is_null(), "unparseable date")


def _parse_month(col: str, _tz: str) -> Parsed:
    text = clean(col).str.replace_all("/", "-")
    value = (text.str.slice(0, 7) + "-01").str.to_date("%Y-%m-%d", strict=False)
    ok = text.str.contains(r"^\d{4}-\d{1,2}(-\d{1,2})?$") & value.is_not_null()
    return pl.when(ok).then(value).otherwise(None), _error_if(text.is_not_null() & ~ok, "not a month YYYY-MM")


def _parse_currency(col: str, _tz: str) -> Parsed:
    """A three-letter ISO 4217 code, any case (upper-cased). Everyday names (RMB) are mapped in staging."""
    code = clean(col).str.to_uppercase()
    ok = code.str.contains(r"^[A-Z]{3}$")
    return pl.when(ok).then(code).otherwise(None), _error_if(code.is_not_null() & ~ok, "not an ISO currency code")


def _parse_rate(col: str, _tz: str) -> Parsed:
    text = clean(col)
    value = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    error = (
        pl.when(text.is_not_null() & value.is_null())
        .then(pl.lit("not a number"))
        .when(value <= 0)
        .then(pl.lit("rate must be greater than 0"))
        .otherwise(pl.lit(None, pl.String))
    )
    return pl.when(value > 0).then(value).otherwise(None), error


def _parse_text_list(col: str, _tz: str) -> Parsed:
    values = pl.col(col).cast(pl.List(pl.String)).list.eval(pl.element().str.strip_chars())
    return values, pl.lit(None, pl.String)


PARSERS: dict[str, Callable[[str, str], Parsed]] = {
    "text": _parse_text,
    "int": _parse_int,
    "float": _parse_float,
    "amount": _parse_amount,
    "percent": _parse_percent,
    "bool": _parse_bool,
    "datetime": _parse_datetime,
    "epoch_s": _parse_epoch("s"),
    "epoch_ms": _parse_epoch("ms"),
    "date": _parse_date,
    "month": _parse_month,
    "currency": _parse_currency,
    "rate": _parse_rate,
    "text_list": _parse_text_list,
}


def parse_enum(col: str, spellings: dict[str, str]) -> Parsed:
    """Map accepted spellings (case-insensitive) to the canonical value."""
    text = clean(col)
    lookup = {k.lower(): v for k, v in spellings.items()}
    value = text.str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)
    rule = "not one of " + "/".join(sorted(set(spellings.values())))
    return value, _error_if(text.is_not_null() & value.is_null(), rule)


def normalize_mobile(col: str) -> pl.Expr:
    """Digits only, without a leading +86/86 on 13-digit numbers (contract §3)."""
    digits = pl.col(col).cast(pl.String).str.replace_all(r"\D", "")
    return (
        pl.when(digits.str.len_chars().eq(13) & digits.str.starts_with("86"))
        .then(digits.str.slice(2))
        .when(digits == "")
        .then(None)
        .otherwise(digits)
    )
