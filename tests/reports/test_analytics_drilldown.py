"""The lists behind the figures: the same records as the numbers, only what the policy shows."""

import pytest

from consent.policy import viewer_for
from providers.models import Membership
from reports.analytics.drilldown import figure_rows
from reports.analytics.figures import NO_PRIMARY, Figure
from reports.analytics.metrics import organization_metrics
from reports.analytics.trends import weekly_trends
from tests import factories as f
from tests.reports.analytics_fixture import Crafted, build

pytestmark = pytest.mark.django_db

COUNTED = [
    figure
    for figure in Figure
    if figure
    not in (
        Figure.LAST_CONTACT,
        Figure.CASES_OPENED,
        Figure.REFERRAL_ANSWERS,
        Figure.CONTACTS_LOGGED,
    )
]


@pytest.fixture
def crafted() -> Crafted:
    return build()


def _rows(crafted: Crafted, figure: Figure, user=None, **filters) -> list:
    return list(
        figure_rows(
            figure,
            viewer=viewer_for(user or crafted.sue),
            organization_id=crafted.a.pk,
            frame=crafted.frame(),
            **filters,
        )
    )


@pytest.mark.parametrize("figure", COUNTED)
def test_every_number_is_the_length_of_its_list_for_each_advocate(
    crafted: Crafted, figure: Figure
) -> None:
    metrics = organization_metrics(organization_id=crafted.a.pk, frame=crafted.frame())

    assert len(_rows(crafted, figure)) == metrics.total[figure]
    for row in metrics.advocates:
        assert len(_rows(crafted, figure, advocate=row.advocate)) == row[figure], row.name


def test_partner_numbers_are_the_length_of_their_lists(crafted: Crafted) -> None:
    metrics = organization_metrics(organization_id=crafted.a.pk, frame=crafted.frame())

    for partner in metrics.partners:
        for figure, count in (
            (Figure.REFERRALS_SENT, partner.sent),
            (Figure.REFERRALS_ANSWERED, partner.answered),
            (Figure.REFERRALS_ACCEPTED, partner.accepted),
        ):
            assert len(_rows(crafted, figure, partner_id=partner.organization_id)) == count


@pytest.mark.parametrize(
    "figure", [Figure.CASES_OPENED, Figure.REFERRAL_ANSWERS, Figure.CONTACTS_LOGGED]
)
def test_every_weekly_series_adds_up_to_the_length_of_its_list(
    crafted: Crafted, figure: Figure
) -> None:
    trends = weekly_trends(organization_id=crafted.a.pk, frame=crafted.frame())

    assert len(_rows(crafted, figure)) == sum(trends.series[figure])


def test_time_since_last_contact_lists_every_open_case_never_contacted_first(
    crafted: Crafted,
) -> None:
    rows = _rows(crafted, Figure.LAST_CONTACT)

    c = crafted.cases
    assert [row.pk for row in rows] == [c[n].pk for n in ("c3", "c5", "c2", "c4", "c1")]
    assert rows[0].last_contact_at is None


def test_the_no_primary_list_holds_the_case_whose_primary_left(crafted: Crafted) -> None:
    rows = _rows(crafted, Figure.OPEN_CASES, advocate=NO_PRIMARY)

    assert [row.pk for row in rows] == [crafted.cases["c5"].pk]


def test_a_supervisor_of_another_organization_lists_nothing_of_this_one(
    crafted: Crafted,
) -> None:
    elsewhere = f.MembershipFactory(organization=crafted.b, role=Membership.Role.SUPERVISOR).user

    for figure in Figure:
        assert _rows(crafted, figure, user=elsewhere) == [], figure


def test_an_advocate_lists_nothing_even_of_their_own_cases(crafted: Crafted) -> None:
    for figure in Figure:
        assert _rows(crafted, figure, user=crafted.ana) == [], figure
