"""The cases endpoints: open, list, read and move a case through its states."""

import pytest
from django.urls import reverse

from cases.models import CareTeamMember, Case
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_advocate_opens_a_case_with_only_an_alias_and_becomes_primary(world, api_for):
    response = api_for(world.advocate).post(
        reverse("case-list"), {"lead_organization": world.lead.pk, "person": {"alias": "Bee"}}
    )

    assert response.status_code == 201, response.data
    case = Case.objects.get(pk=response.data["id"])
    assert case.person.alias == "Bee"
    assert case.care_team.get().user == world.advocate
    assert response.data["care_team"][0]["role"] == "primary"
    assert hasattr(case, "plan") and hasattr(case.person, "safe_contact")


def test_opening_a_case_without_any_name_is_a_field_error_and_writes_nothing(world, api_for):
    before = Case.objects.count()

    response = api_for(world.advocate).post(
        reverse("case-list"), {"lead_organization": world.lead.pk, "person": {"pronouns": "they"}}
    )

    assert response.status_code == 400
    assert "alias" in response.data
    assert Case.objects.count() == before


def test_staff_cannot_open_a_case_for_another_organization(world, api_for):
    response = api_for(world.advocate).post(
        reverse("case-list"), {"lead_organization": world.partner.pk, "person": {"alias": "Bee"}}
    )

    assert response.status_code == 403


def test_intake_worker_who_opens_a_case_stays_on_its_team(world, api_for):
    response = api_for(world.intake).post(
        reverse("case-list"),
        {
            "lead_organization": world.lead.pk,
            "person": {"alias": "Jay"},
            "primary_advocate": world.advocate.pk,
        },
    )

    assert response.status_code == 201, response.data
    roles = {m.user_id: m.role for m in CareTeamMember.objects.filter(case_id=response.data["id"])}
    assert roles == {world.advocate.pk: "primary", world.intake.pk: "secondary"}


def test_case_list_shows_only_cases_the_viewer_works_on(world, api_for):
    f.CaseFactory(lead_organization=world.lead)  # same organization, another team

    response = api_for(world.advocate).get(reverse("case-list"))

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [world.case.pk]


def test_supervisor_sees_every_case_of_the_organization(world, api_for):
    other = f.CaseFactory(lead_organization=world.lead)

    response = api_for(world.supervisor).get(reverse("case-list"))

    assert {row["id"] for row in response.data["results"]} == {world.case.pk, other.pk}


@pytest.mark.parametrize(
    "persona", ["other_advocate", "org_admin", "partner_staff", "superuser", "other_young_person"]
)
def test_case_is_invisible_without_a_basis(world, api_for, persona):
    client = api_for(getattr(world, persona))

    assert client.get(reverse("case-detail", args=[world.case.pk])).status_code == 404
    assert world.case.pk not in [r["id"] for r in client.get(reverse("case-list")).data["results"]]


def test_young_person_reads_their_own_case_but_cannot_close_it(world, api_for):
    client = api_for(world.young_person)

    detail = client.get(reverse("case-detail", args=[world.case.pk]))
    close = client.post(reverse("case-close", args=[world.case.pk]), {"reason": "goals_met"})

    assert detail.status_code == 200
    assert detail.data["your_access"]["bases"] == ["young_person"]
    assert close.status_code == 403


def test_closing_needs_a_reason_and_other_needs_words(world, api_for):
    client = api_for(world.advocate)
    url = reverse("case-close", args=[world.case.pk])

    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"reason": "other"})

    assert response.status_code == 400
    assert "reason_text" in response.data
    world.case.refresh_from_db()
    assert world.case.status == "open"


def test_closed_case_cannot_be_activated_and_the_error_names_the_allowed_moves(world, api_for):
    client = api_for(world.advocate)
    client.post(reverse("case-close", args=[world.case.pk]), {"reason": "moved"})

    response = client.post(reverse("case-activate", args=[world.case.pk]))

    assert response.status_code == 400
    assert response.data["allowed"] == ["open"]
    assert "closed" in response.data["status"][0]


def test_case_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    with constant_queries(5):  # viewer (2), page with its access marks, care teams, flags
        client.get(reverse("case-list"))
    for _ in range(49):
        case = f.CaseFactory(lead_organization=world.lead)
        f.CareTeamMemberFactory(case=case)
        f.FlagFactory(case=case)

    with constant_queries(5):
        response = client.get(reverse("case-list"))
    assert len(response.data["results"]) == 50
