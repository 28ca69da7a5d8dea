"""A list page's releases come from what its access-log entry already found (R17, R24).

The page's cases are looked up once: the access log records the basis of each, and the
serializer's releases are derived from the same findings instead of a second lookup. They must
be the releases the policy gives on its own, for every kind of viewer.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from consent import access_log
from consent.policy import releases_for_cases, releases_from_accesses, viewer_for
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db


def _page(world) -> list[int]:
    """Led, shared with the partner for some categories, shared for none, and another
    organization's case nobody here may see."""
    shared = f.CaseFactory(lead_organization=world.lead)
    f.CareTeamMemberFactory(case=shared, user=world.advocate)
    grant_consent(shared, world.partner, categories=["identity", "plan"], by=world.advocate)
    unshared = f.CaseFactory(lead_organization=world.lead)
    stranger = f.CaseFactory(lead_organization=f.OrganizationFactory())
    return [world.case.pk, shared.pk, unshared.pk, stranger.pk]


@pytest.mark.parametrize(
    "viewer_name", ["advocate", "other_advocate", "supervisor", "partner_staff", "young_person"]
)
def test_r17_a_pages_releases_from_its_access_findings_equal_the_policys(world, viewer_name):
    case_ids = _page(world)
    viewer = viewer_for(getattr(world, viewer_name))
    found = access_log.note_page_access(viewer=viewer, case_ids=case_ids)

    with CaptureQueriesContext(connection) as queries:
        derived = releases_from_accesses(found)

    assert derived == releases_for_cases(viewer=viewer, case_ids=case_ids)
    assert len(queries) == 0


@pytest.mark.parametrize(
    "viewer_name", ["advocate", "other_advocate", "supervisor", "partner_staff", "young_person"]
)
def test_r24_a_page_read_with_its_access_marks_finds_what_the_separate_lookup_finds(
    world, viewer_name
):
    """The case lists read each case's care-team marks with the page itself: the bases (and
    so the log's events and the releases) are those the access decision's own query finds."""
    case_ids = _page(world)
    viewer = viewer_for(getattr(world, viewer_name))
    page = list(access_log.with_access_marks(Case.objects.filter(pk__in=case_ids), viewer=viewer))

    with CaptureQueriesContext(connection) as queries:
        marked = access_log.accesses_of_marked(viewer=viewer, cases=page)

    separate = access_log.accesses_for_cases(viewer=viewer, case_ids=case_ids)
    assert {pk: (a.bases, a.grants) for pk, a in marked.items()} == {
        pk: (a.bases, a.grants) for pk, a in separate.items()
    }
    # At most the consents of the cases the viewer does not lead; the cases are not read again.
    assert len(queries) <= 1
    assert "cases_case" not in " ".join(q["sql"] for q in queries.captured_queries)


def test_r24_a_page_of_cases_the_viewer_leads_costs_its_access_decision_no_query(world):
    led = f.CaseFactory(lead_organization=world.lead)
    f.CareTeamMemberFactory(case=led, user=world.advocate)
    viewer = viewer_for(world.advocate)
    cases = Case.objects.filter(pk__in=[world.case.pk, led.pk])
    page = list(access_log.with_access_marks(cases, viewer=viewer))

    with CaptureQueriesContext(connection) as queries:
        marked = access_log.accesses_of_marked(viewer=viewer, cases=page)

    assert len(queries) == 0
    assert all(access.is_lead for access in marked.values()) and len(marked) == 2


def test_r17_the_partners_case_list_shows_only_released_categories(world, api_for):
    """End to end through the list: the partner sees the shared case's identity, with the
    consent it relies on, and never the lead's care team."""
    shared = f.CaseFactory(lead_organization=world.lead)
    f.CareTeamMemberFactory(case=shared, user=world.advocate)
    consent = grant_consent(shared, world.partner, categories=["identity"], by=world.advocate)

    response = api_for(world.partner_staff).get(reverse("case-list"))

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.data["results"]}
    row = rows[shared.pk]
    assert row["person"]["id"] == Case.objects.get(pk=shared.pk).person_id
    assert "care_team" not in row
    assert [grant["consent"] for grant in row["released_under"]] == [consent.pk]
