"""Every number of the analytics page against the hand-computed fixture (analytics_fixture)."""

from datetime import date

import pytest

from consent.policy import viewer_for
from reports.analytics.figures import NO_PRIMARY, Figure
from reports.analytics.metrics import Metrics, Row, organization_metrics
from reports.analytics.period import Period
from tasks.continuity import Dashboard, continuity_dashboard
from tests.reports.analytics_fixture import NOW, Crafted, build

pytestmark = pytest.mark.django_db

F = Figure
# Days from sending to first service: r1 7 days, r3 5 days 23 hours (the clocks went forward).
SERVICE_MEDIAN = (7 + 5 + 23 / 24) / 2


@pytest.fixture
def crafted() -> Crafted:
    return build()


@pytest.fixture
def metrics(crafted: Crafted) -> Metrics:
    return organization_metrics(organization_id=crafted.a.pk, frame=crafted.frame())


def _row(metrics: Metrics, advocate: object) -> Row:
    return next(row for row in metrics.advocates if row.advocate == advocate)


def _counts(row: Row) -> dict[str, int]:
    return {figure.value: row[figure] for figure in row.counts}


def test_the_organization_totals_match_the_hand_computed_fixture(metrics: Metrics) -> None:
    assert _counts(metrics.total) == {
        "open-cases": 5,
        "no-recent-contact": 3,
        "plans-overdue": 2,
        "consents-expiring": 3,
        "follow-ups-due": 5,
        "follow-ups-on-time": 2,
        "follow-ups-overdue": 3,
        "services-lapsed": 3,
        "referrals-sent": 6,
        "referrals-answered": 5,
        "referrals-accepted": 3,
        "referrals-in-service": 2,
    }


def test_the_organization_medians_and_acceptance_rate_match_the_fixture(metrics: Metrics) -> None:
    # Days to answer [1, 1.5, 2, 4, 4]; to first service [5 23/24, 7]; accepted 3 of 5 answered.
    assert metrics.total.median_days_to_answer == pytest.approx(2.0)
    assert metrics.total.median_days_to_service == pytest.approx(SERVICE_MEDIAN)
    assert metrics.total.acceptance_rate == pytest.approx(0.6)


def test_each_primary_advocate_has_their_cases_figures(metrics: Metrics, crafted: Crafted) -> None:
    ana = _row(metrics, crafted.ana.pk)
    assert _counts(ana) == {
        "open-cases": 3,
        "no-recent-contact": 2,
        "plans-overdue": 1,
        "consents-expiring": 1,
        "follow-ups-due": 3,
        "follow-ups-on-time": 1,
        "follow-ups-overdue": 2,
        "services-lapsed": 3,
        "referrals-sent": 4,
        "referrals-answered": 4,
        "referrals-accepted": 2,
        "referrals-in-service": 2,
    }
    # Ana's days to answer [1.5, 2, 4, 4]: the mean of the two middle ones.
    assert ana.median_days_to_answer == pytest.approx(3.0)
    assert ana.median_days_to_service == pytest.approx(SERVICE_MEDIAN)
    assert ana.acceptance_rate == pytest.approx(0.5)

    ben = _row(metrics, crafted.ben.pk)
    assert _counts(ben) == {
        "open-cases": 1,
        "no-recent-contact": 0,
        "plans-overdue": 1,
        "consents-expiring": 1,
        "follow-ups-due": 1,
        "follow-ups-on-time": 1,
        "follow-ups-overdue": 0,
        "services-lapsed": 0,
        "referrals-sent": 1,
        "referrals-answered": 0,
        "referrals-accepted": 0,
        "referrals-in-service": 0,
    }
    assert ben.median_days_to_answer is None and ben.median_days_to_service is None
    assert ben.acceptance_rate is None


def test_an_advocate_without_cases_has_a_row_of_zeros(metrics: Metrics, crafted: Crafted) -> None:
    cal = _row(metrics, crafted.cal.pk)

    assert cal.name == "Cal Advocate"
    assert set(_counts(cal).values()) == {0}


def test_cases_without_a_current_primary_advocate_have_their_own_row(
    metrics: Metrics,
) -> None:
    # c5: Ben was primary until 10 March.
    nobody = _row(metrics, NO_PRIMARY)

    assert metrics.advocates[-1] is nobody
    assert _counts(nobody) == {
        "open-cases": 1,
        "no-recent-contact": 1,
        "plans-overdue": 0,
        "consents-expiring": 1,
        "follow-ups-due": 1,
        "follow-ups-on-time": 0,
        "follow-ups-overdue": 1,
        "services-lapsed": 0,
        "referrals-sent": 1,
        "referrals-answered": 1,
        "referrals-accepted": 1,
        "referrals-in-service": 0,
    }
    assert nobody.median_days_to_answer == pytest.approx(1.0)


def test_advocates_are_listed_by_caseload_and_over_the_limit_is_flagged(
    metrics: Metrics, crafted: Crafted
) -> None:
    names = [row.name for row in metrics.advocates]

    assert names == ["Ana Advocate", "Ben Advocate", "Cal Advocate", ""]
    assert metrics.caseload_limit == 2
    assert [metrics.over_limit(row) for row in metrics.advocates] == [True, False, False, False]
    assert metrics.advocates_over_limit == 1


def test_acceptance_by_partner_counts_answered_referrals_sent_in_the_period(
    metrics: Metrics, crafted: Crafted
) -> None:
    one, two = metrics.partners

    assert (one.name, one.sent, one.answered, one.accepted) == ("Partner One", 3, 3, 3)
    assert one.acceptance_rate == pytest.approx(1.0)
    assert one.median_days_to_answer == pytest.approx(2.0)
    assert (two.name, two.sent, two.answered, two.accepted) == ("Partner Two", 3, 2, 0)
    assert two.acceptance_rate == pytest.approx(0.0)
    assert two.median_days_to_answer == pytest.approx(2.75)


def test_another_organizations_records_never_count(crafted: Crafted) -> None:
    metrics = organization_metrics(organization_id=crafted.b.pk, frame=crafted.frame())

    # B's own case, and nothing of A's.
    assert metrics.total[F.OPEN_CASES] == 1
    assert metrics.total[F.REFERRALS_SENT] == 1
    assert [row.name for row in metrics.advocates] == ["Bea Elsewhere"]


def test_a_period_with_nothing_in_it_has_zeros_and_no_medians(crafted: Crafted) -> None:
    frame = crafted.frame(period=Period(date(2026, 6, 1), date(2026, 6, 30)))
    metrics = organization_metrics(organization_id=crafted.a.pk, frame=frame)

    assert metrics.total[F.REFERRALS_SENT] == 0
    assert metrics.total.median_days_to_answer is None
    assert metrics.total.acceptance_rate is None
    assert metrics.partners == []
    # What is counted now does not depend on the period.
    assert metrics.total[F.OPEN_CASES] == 5


def test_lapsed_and_expiring_follow_the_continuity_dashboards_definitions(
    crafted: Crafted,
) -> None:
    """The same services and consents as the dashboard: every lapsed service now (s1 s2 s5
    and s4, which lapsed before the period) and every consent expiring within 30 days."""
    board: Dashboard = continuity_dashboard(
        viewer=viewer_for(crafted.sue), organization=crafted.a, now=NOW
    )
    since_ever = crafted.frame(period=Period(date(2026, 1, 1), date(2027, 3, 24)))
    metrics = organization_metrics(organization_id=crafted.a.pk, frame=since_ever)

    assert board.lapsed_services == metrics.total[F.SERVICES_LAPSED] == 4
    assert board.expiring_consents == metrics.total[F.CONSENTS_EXPIRING] == 3
