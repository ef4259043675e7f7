"""Business-time helpers: epoch seconds internally, Asia/Shanghai on the wire, monthly delivery periods."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# Asia/Shanghai has had no daylight saving since 1991: a fixed offset keeps the output tz-database free.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
DAY = 86_400
HOUR = 3_600


def midnight(day: date) -> int:
    """Epoch seconds of local midnight that starts `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp())


def local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, SHANGHAI)


def day_start(ts: int) -> int:
    return ts - (ts + 8 * HOUR) % DAY


def business_time(rng: random.Random, day_ts: int, first_hour: int = 9, last_hour: int = 19) -> int:
    """A random whole minute during working hours of the local day containing `day_ts`."""
    return day_start(day_ts) + rng.randint(first_hour * 60, last_hour * 60 - 1) * 60


@dataclass(frozen=True)
class Period:
    """One delivery: the data of [start, end) arrives at `delivered` (2 a.m. after the period)."""

    index: int
    start: int
    end: int

    @property
    def delivered(self) -> int:
        return self.end + 2 * HOUR

    @property
    def stem(self) -> str:
        return local(self.delivered).strftime("%Y-%m-%dT%H%M")


def monthly_periods(first_day: date, end_date: date, daily_days: int = 0) -> list[Period]:
    """Calendar-month periods covering first_day .. end_date (inclusive), the first and last partial; with
    `daily_days`, the last that many days are delivered one day at a time instead (a daily delivery schedule)."""
    monthly_end = end_date - timedelta(days=daily_days)
    bounds = [first_day]
    cursor = date(first_day.year, first_day.month, 1)
    while True:
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        if cursor > monthly_end:
            break
        bounds.append(cursor)
    bounds += [monthly_end + timedelta(days=1 + i) for i in range(daily_days + 1)]
    return [Period(i, midnight(a), midnight(b)) for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))]


def stem_at(ts: int) -> str:
    return local(ts).strftime("%Y-%m-%dT%H%M")


def fmt_datetime(ts: int, style: str) -> str:
    """Render an instant as a CRM export would: local text in several layouts, or epoch s / ms."""
    if style == "epoch_s":
        return str(ts)
    if style == "epoch_ms":
        return str(ts * 1000)
    if style == "slash":
        return local(ts).strftime("%Y/%m/%d %H:%M")
    return local(ts).strftime("%Y-%m-%d %H:%M:%S")


def fmt_date(ts: int) -> str:
    return local(ts).strftime("%Y-%m-%d")


def fmt_amount(value: float, style: str) -> str:
    if style == "yen":
        return f"¥{value:,.2f}"
    if style == "fullwidth_yen":
        return f"￥{value:,.2f}"
    return f"{value:.1f}"


def fmt_mobile(mobile: str, fancy: bool) -> str:
    return f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}" if fancy else mobile


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson draw (Knuth for small means, rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
