"""The period a supervisor chooses, the median aggregate, and what the figures cost."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Referral
from reports.aggregates import DaysBetween, Median
from reports.analytics.metrics import organization_metrics
from reports.analytics.period import Period, period_errors
from reports.analytics.trends import weekly_trends
from tests import factories as f
from tests.reports.analytics_fixture import build, grow

CHICAGO = ZoneInfo("America/Chicago")


def test_the_default_period_is_the_last_twelve_full_weeks() -> None:
    period = Period.default(today=date(2027, 3, 24))  # a Wednesday

    assert (period.start, period.end) == (date(2026, 12, 28), date(2027, 3, 21))
    assert len(period.week_starts()) == 12
    assert period.days == 84


def test_the_period_bounds_are_midnights_in_the_organizations_time_zone() -> None:
    since, until = Period(date(2027, 3, 1), date(2027, 3, 21)).bounds("America/Chicago")

    assert since == datetime(2027, 3, 1, tzinfo=CHICAGO)
    assert until == datetime(2027, 3, 22, tzinfo=CHICAGO)
    # Daylight saving time started in between: one hour less than 21 days.
    elapsed = until.astimezone(UTC) - since.astimezone(UTC)
    assert elapsed.total_seconds() == 21 * 24 * 3600 - 3600


def test_a_period_ending_before_it_starts_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError) as refused:
        Period(date(2027, 3, 2), date(2027, 3, 1))

    assert refused.value.message_dict == {
        "end": ["The end date must be on or after the start date."]
    }


def test_a_period_longer_than_two_years_is_refused() -> None:
    assert period_errors(date(2024, 1, 1), date(2026, 1, 10)) == {
        "start": ["Choose a period of at most two years."]
    }
    assert period_errors(date(2025, 1, 1), date(2026, 12, 31)) == {}


def test_a_period_ending_after_today_is_refused_when_today_is_given() -> None:
    assert period_errors(date(2027, 3, 1), date(2027, 3, 25), today=date(2027, 3, 24)) == {
        "end": ["The period cannot end after today."]
    }


def test_a_one_day_period_is_one_week_part() -> None:
    period = Period(date(2027, 3, 3), date(2027, 3, 3))

    assert period.week_starts() == [date(2027, 3, 1)]
    assert period.week(date(2027, 3, 1)) == period


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "median"), [([], None), ([3], 3.0), ([1, 9, 2], 2.0), ([1, 2, 4, 10], 3.0)]
)
def test_median_is_the_middle_value_or_the_mean_of_the_middle_two(
    days: list[int], median: float | None
) -> None:
    sent = datetime(2027, 3, 1, 10, tzinfo=CHICAGO)
    for n in days:
        f.ReferralFactory(sent=True, sent_at=sent, answered_at=sent.replace(day=1 + n))
    f.ReferralFactory(sent=True, sent_at=sent)  # never answered: ignored

    found = Referral.objects.aggregate(median=Median(DaysBetween("answered_at", "sent_at")))

    assert found["median"] == (pytest.approx(median) if median is not None else None)


@pytest.mark.django_db
def test_the_numbers_and_trends_cost_the_same_queries_with_ten_times_the_cases() -> None:
    crafted = build()
    frame = crafted.frame()
    counts = []
    for copies in (0, 30):
        grow(crafted, copies)
        with CaptureQueriesContext(connection) as queries:
            organization_metrics(organization_id=crafted.a.pk, frame=frame)
            weekly_trends(organization_id=crafted.a.pk, frame=frame)
        counts.append(len(queries))

    # Five grouped counts (cases, consents, follow-ups, services, referrals), the names, the
    # organization's medians, the partners; six weekly series.
    assert counts == [14, 14], counts
