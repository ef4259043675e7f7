from datetime import UTC, date, datetime

from forecast.calendar import as_of_dates, cutoff, snapshot_grid


def test_as_of_dates_start_in_the_fourth_month_and_end_the_day_after_the_latest_data_date() -> None:
    first = datetime(2025, 11, 30, 2, 13, tzinfo=UTC)  # 10:13 in Shanghai: November is month 1
    last = datetime(2026, 11, 27, 16, 44, tzinfo=UTC)  # 00:44 on 28 November in Shanghai
    dates = as_of_dates(first, last, "Asia/Shanghai")
    assert dates[0] == date(2026, 2, 1)
    assert dates[-2:] == [date(2026, 11, 1), date(2026, 11, 29)]
    assert len(dates) == 11


def test_the_latest_as_of_date_is_not_repeated_when_it_is_a_first_of_month() -> None:
    dates = as_of_dates(datetime(2025, 1, 5, tzinfo=UTC), datetime(2025, 5, 31, 10, tzinfo=UTC), "Asia/Shanghai")
    assert dates == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]


def test_cutoff_is_midnight_in_the_business_timezone() -> None:
    assert cutoff(date(2026, 3, 1), "Asia/Shanghai") == datetime(2026, 2, 28, 16, tzinfo=UTC)


def test_snapshot_grid_is_fixed_calendar_days_before_the_limit() -> None:
    grid = snapshot_grid(datetime(2026, 1, 20, tzinfo=UTC), date(2026, 2, 15), "Asia/Shanghai")
    assert grid == [date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 15), date(2026, 1, 22), date(2026, 2, 1),
                    date(2026, 2, 8)]  # fmt: skip
