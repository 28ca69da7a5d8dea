"""Reports that leave the lead organization are aggregate, with small cells withheld (R22)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from reports.suppression import suppress
from tests import factories as f

pytestmark = pytest.mark.django_db


def _report(client, organization) -> dict:
    response = client.get(reverse("report-caseload"), {"organization": organization.pk})
    assert response.status_code == 200, response.data
    return {g["title"]: g for g in response.data["groups"]}


def _cells(group: dict) -> dict:
    return {cell["label"]: cell["count"] for cell in group["cells"]}


def test_r22_counts_under_the_threshold_are_suppressed_and_none_names_a_case(world, api_for):
    for _ in range(6):
        f.CaseFactory(lead_organization=world.lead, status=Case.Status.ACTIVE)
    for _ in range(2):
        f.CaseFactory(
            lead_organization=world.lead,
            status=Case.Status.CLOSED,
            closed_on=timezone.localdate(),
            closed_reason="goals_met",
        )

    response = api_for(world.supervisor).get(
        reverse("report-caseload"), {"organization": world.lead.pk}
    )
    cases = _cells(_report(api_for(world.supervisor), world.lead)["cases by status"])

    assert cases["active"] == 6
    assert cases["closed"] is None  # two: under five
    assert cases["open"] is None  # the world's one case, withheld with it
    body = str(response.content)
    assert world.case.person.alias not in body
    assert f'"id": {world.case.pk}' not in body and "birth" not in body


def test_r22_one_withheld_cell_takes_the_next_smallest_with_it(settings):
    counts = [("a", 3), ("b", 9), ("c", 12), ("d", 0)]

    cells = {cell.label: cell.count for cell in suppress(counts)}

    assert cells == {"a": None, "b": None, "c": 12, "d": 0}


def test_r22_a_small_total_is_withheld_too(world, api_for):
    group = _report(api_for(world.supervisor), world.lead)["cases by status"]

    assert group["total"] is None  # one case in all


def test_r22_the_threshold_is_a_setting(world, api_for, settings):
    settings.HARBOR = {**settings.HARBOR, "REPORT_SUPPRESSION_THRESHOLD": 1}

    group = _report(api_for(world.supervisor), world.lead)["cases by status"]

    assert _cells(group)["open"] == 1 and group["total"] == 1


@pytest.mark.parametrize(
    "persona", ["advocate", "partner_staff", "young_person", "superuser", "other_advocate"]
)
def test_r22_only_the_organizations_supervisors_and_admins_read_its_report(world, api_for, persona):
    response = api_for(getattr(world, persona)).get(
        reverse("report-caseload"), {"organization": world.lead.pk}
    )

    assert response.status_code == 404
    assert (
        api_for(world.org_admin)
        .get(reverse("report-caseload"), {"organization": world.lead.pk})
        .status_code
        == 200
    )


def test_a_report_without_an_organization_is_a_field_error(world, api_for):
    response = api_for(world.supervisor).get(reverse("report-caseload"))

    assert response.status_code == 400 and "organization" in response.data
