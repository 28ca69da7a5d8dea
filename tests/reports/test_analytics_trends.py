"""The weekly series against the hand-computed fixture (analytics_fixture): Monday weeks in
Chicago time, across the change to daylight saving time on 14 March 2027."""

from datetime import date

import pytest

from reports.analytics.figures import Figure
from reports.analytics.metrics import organization_metrics
from reports.analytics.period import Period
from reports.analytics.trends import weekly_trends
from tests.reports.analytics_fixture import WEEKS, Crafted, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def crafted() -> Crafted:
    return build()


def test_each_weekly_series_matches_the_hand_computed_fixture(crafted: Crafted) -> None:
    trends = weekly_trends(organization_id=crafted.a.pk, frame=crafted.frame())

    assert trends.weeks == WEEKS
    assert {figure.value: values for figure, values in trends.series.items()} == {
        "cases-opened": [2, 1, 1],
        "referrals-sent": [3, 1, 2],
        "referral-answers": [4, 1, 0],
        "follow-ups-due": [1, 1, 3],
        "follow-ups-on-time": [1, 0, 1],
        "follow-ups-overdue": [0, 1, 2],
        "contacts-logged": [3, 1, 1],
        "services-lapsed": [0, 1, 2],
    }


def test_weekly_series_add_up_to_the_periods_figures(crafted: Crafted) -> None:
    frame = crafted.frame()
    trends = weekly_trends(organization_id=crafted.a.pk, frame=frame)
    total = organization_metrics(organization_id=crafted.a.pk, frame=frame).total

    for figure in (
        Figure.REFERRALS_SENT,
        Figure.FOLLOW_UPS_DUE,
        Figure.FOLLOW_UPS_ON_TIME,
        Figure.FOLLOW_UPS_OVERDUE,
        Figure.SERVICES_LAPSED,
    ):
        assert sum(trends.series[figure]) == total[figure], figure


def test_a_week_the_period_only_touches_counts_the_days_inside(crafted: Crafted) -> None:
    # Thursday 4 to Tuesday 9 March: r5 (4 March) and r3 (9 March) only; r1 r2 fall before.
    frame = crafted.frame(period=Period(date(2027, 3, 4), date(2027, 3, 9)))

    trends = weekly_trends(organization_id=crafted.a.pk, frame=frame)

    assert trends.weeks == [date(2027, 3, 1), date(2027, 3, 8)]
    assert trends.series[Figure.REFERRALS_SENT] == [1, 1]


def test_weeks_without_records_are_zero(crafted: Crafted) -> None:
    frame = crafted.frame(period=Period(date(2026, 6, 1), date(2026, 6, 14)))

    trends = weekly_trends(organization_id=crafted.a.pk, frame=frame)

    assert trends.weeks == [date(2026, 6, 1), date(2026, 6, 8)]
    assert set(map(tuple, trends.series.values())) == {(0, 0)}
