"""As-of dates and the snapshot grid, in the business timezone, derived from the data alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
FIRST_BACKTEST_MONTH = 3  # months after the first month of data: "from the fourth month of data on"
GRID_DAYS = (1, 8, 15, 22)  # training snapshots inside each month (fixed days: adding data never moves them)


def cutoff(day: date, tz: str) -> datetime:
    """The instant an as-of date stands for: 00:00 of `day` in the business timezone (as UTC)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def business_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def latest_as_of(last_event: datetime, tz: str) -> date:
    """The latest as-of date: the day after the latest data date, so that its cutoff sees every event."""
    return business_date(last_event, tz) + timedelta(days=1)


def as_of_dates(first_event: datetime, last_event: datetime, tz: str) -> list[date]:
    """The first day of every month from the fourth month of data on, up to the latest as-of date, and that date."""
    latest = latest_as_of(last_event, tz)
    month = add_months(business_date(first_event, tz).replace(day=1), FIRST_BACKTEST_MONTH)
    dates = []
    while month <= latest:
        dates.append(month)
        month = add_months(month, 1)
    if not dates or dates[-1] != latest:
        dates.append(latest)
    return dates


def snapshot_grid(first_event: datetime, until: date, tz: str) -> list[date]:
    """Training snapshot dates: days 1, 8, 15 and 22 of each month from the first month of data, before `until`."""
    month = business_date(first_event, tz).replace(day=1)
    grid = []
    while month < until:
        grid.extend(d for d in (month.replace(day=k) for k in GRID_DAYS) if d < until)
        month = add_months(month, 1)
    return grid
