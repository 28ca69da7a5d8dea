"""Business days (Monday to Friday) in an organization's time zone, across weekends and DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tasks.business_days import add_business_days, business_days_elapsed, min_calendar_span

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


def chicago(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=CHICAGO)


def test_two_business_days_inside_a_week() -> None:
    monday = chicago(3, 1)

    assert add_business_days(monday, 2) == chicago(3, 3)


def test_business_days_skip_the_weekend() -> None:
    thursday = chicago(3, 4)

    assert add_business_days(thursday, 2) == chicago(3, 8)
    assert add_business_days(thursday, 5) == chicago(3, 11)


def test_a_clock_started_on_a_weekend_starts_on_monday_morning() -> None:
    saturday = chicago(3, 6, hour=15)

    assert add_business_days(saturday, 2) == chicago(3, 10, hour=0)
    assert add_business_days(saturday, 0) == chicago(3, 8, hour=0)


def test_the_wall_clock_time_survives_the_spring_change() -> None:
    # The clocks go forward on Sunday 14 March 2027 in Chicago.
    friday = chicago(3, 12)

    monday = add_business_days(friday, 1)

    assert monday == chicago(3, 15)
    assert monday.astimezone(CHICAGO).hour == 10
    assert monday.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=71)


def test_the_wall_clock_time_survives_the_autumn_change() -> None:
    # The clocks go back on Sunday 7 November 2027 in Chicago.
    friday = chicago(11, 5)

    monday = add_business_days(friday, 1)

    assert monday.astimezone(CHICAGO).replace(tzinfo=None) == datetime(2027, 11, 8, 10, 0)
    assert monday.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=73)


def test_the_organization_time_zone_decides_what_a_weekend_is() -> None:
    # Friday 20:00 in Chicago is already Saturday 03:00 in Berlin.
    friday_evening = chicago(3, 5, hour=20)

    in_chicago = add_business_days(friday_evening, 1)
    in_berlin = add_business_days(friday_evening, 1, time_zone="Europe/Berlin")

    assert in_chicago == chicago(3, 8, hour=20)
    assert in_berlin == datetime(2027, 3, 9, 0, 0, tzinfo=BERLIN)


def test_elapsed_business_days_count_whole_days_only() -> None:
    friday = chicago(3, 5)

    assert business_days_elapsed(friday, chicago(3, 8, hour=9, minute=59)) == 0
    assert business_days_elapsed(friday, chicago(3, 8)) == 1
    assert business_days_elapsed(friday, chicago(3, 9)) == 2
    assert business_days_elapsed(friday, chicago(3, 26)) == 15
    assert business_days_elapsed(chicago(3, 9), friday) == 0


def test_elapsed_is_the_inverse_of_adding() -> None:
    start = chicago(2, 24, hour=16, minute=30)
    for days in range(0, 30):
        assert business_days_elapsed(start, add_business_days(start, days)) == days


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(datetime(2027, 3, 1, 10, 0), 1)


@pytest.mark.parametrize("days", [1, 2, 5, 6, 10, 15, 16])
def test_the_index_bound_never_exceeds_the_real_span(days: int) -> None:
    """The sweep selects by this bound: it may over-select, never miss a due item."""
    start = chicago(3, 1, hour=0)
    for hour in range(0, 24 * 21, 3):
        moment = start + timedelta(hours=hour)
        real = add_business_days(moment, days).astimezone(UTC) - moment.astimezone(UTC)
        assert real >= min_calendar_span(days), (moment, days)
