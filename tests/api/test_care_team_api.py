"""The care-team endpoints: who works on which case, and who may change that."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CareTeamMember
from providers.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

OUTSIDERS = ["other_advocate", "org_admin", "partner_staff", "superuser", "other_young_person"]


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def _add(client, world, user, role: str = "secondary"):
    return client.post(
        reverse("care-team-list"), {"case": world.case.pk, "user": user.pk, "role": role}
    )


def _current(world) -> dict[int, str]:
    rows = CareTeamMember.objects.filter(case=world.case, until__isnull=True)
    return {m.user_id: m.role for m in rows}


def _secondary(world, user=None) -> CareTeamMember:
    user = user or f.MembershipFactory(organization=world.lead).user
    return f.CareTeamMemberFactory(case=world.case, user=user, role="secondary")


def test_primary_advocate_adds_a_secondary_member(world, api_for):
    response = _add(api_for(world.advocate), world, world.other_advocate)

    assert response.status_code == 201, response.data
    assert response.data["user_detail"]["id"] == world.other_advocate.pk
    assert response.data["since"] == timezone.localdate().isoformat()
    assert _current(world) == {world.advocate.pk: "primary", world.other_advocate.pk: "secondary"}


def test_adding_a_member_lands_in_the_history_with_who_added_them(world, api_for):
    response = _add(api_for(world.supervisor), world, world.other_advocate)

    member = CareTeamMember.objects.get(pk=response.data["id"])
    assert member.history.get().history_user == world.supervisor


def test_the_new_member_sees_the_case_at_once(world, api_for):
    _add(api_for(world.advocate), world, world.other_advocate)

    response = api_for(world.other_advocate).get(reverse("case-detail", args=[world.case.pk]))

    assert response.status_code == 200


def test_a_new_primary_ends_the_old_one(world, api_for):
    response = _add(api_for(world.supervisor), world, world.other_advocate, role="primary")

    assert response.status_code == 201, response.data
    assert _current(world) == {world.other_advocate.pk: "primary"}
    old = CareTeamMember.objects.get(case=world.case, user=world.advocate)
    assert old.until == timezone.localdate()


def test_a_secondary_member_is_promoted_to_primary_in_one_step(world, api_for):
    _secondary(world, world.other_advocate)

    response = _add(api_for(world.supervisor), world, world.other_advocate, role="primary")

    assert response.status_code == 201, response.data
    assert _current(world) == {world.other_advocate.pk: "primary"}


def test_someone_already_on_the_team_cannot_be_added_again(world, api_for):
    _secondary(world, world.other_advocate)

    response = _add(api_for(world.advocate), world, world.other_advocate)

    assert response.status_code == 400
    assert "user" in response.data


@pytest.mark.parametrize("persona", ["partner_staff", "org_admin", "young_person"])
def test_only_staff_of_the_lead_organization_join_a_care_team(world, api_for, persona):
    response = _add(api_for(world.supervisor), world, getattr(world, persona))

    assert response.status_code == 400
    assert "user" in response.data
    assert _current(world) == {world.advocate.pk: "primary"}


def test_suspended_staff_cannot_join_a_care_team(world, api_for):
    Membership.objects.filter(user=world.other_advocate).update(is_active=False)

    response = _add(api_for(world.supervisor), world, world.other_advocate)

    assert response.status_code == 400


def test_an_unknown_role_is_a_field_error(world, api_for):
    response = _add(api_for(world.advocate), world, world.other_advocate, role="boss")

    assert response.status_code == 400
    assert "role" in response.data


def test_a_secondary_member_cannot_change_the_team(world, api_for):
    helper = _secondary(world).user

    response = _add(api_for(helper), world, world.other_advocate)

    assert response.status_code == 403
    assert world.other_advocate.pk not in _current(world)


def test_young_person_cannot_change_their_care_team(world, api_for):
    response = _add(api_for(world.young_person), world, world.other_advocate)

    assert response.status_code == 403


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_case_without_a_basis_is_an_unknown_case_when_adding(world, api_for, persona):
    response = _add(api_for(getattr(world, persona)), world, world.other_advocate)

    assert response.status_code == 400
    assert "case" in response.data
    assert _current(world) == {world.advocate.pk: "primary"}


def test_primary_advocate_ends_a_membership(world, api_for):
    member = _secondary(world)

    response = api_for(world.advocate).post(reverse("care-team-end", args=[member.pk]))

    assert response.status_code == 200, response.data
    assert response.data["until"] == timezone.localdate().isoformat()
    ended = api_for(member.user).get(reverse("case-detail", args=[world.case.pk]))
    assert ended.status_code == 404


def test_supervisor_ends_a_membership(world, api_for):
    member = _secondary(world)

    response = api_for(world.supervisor).post(reverse("care-team-end", args=[member.pk]))

    assert response.status_code == 200


def test_a_membership_cannot_end_twice(world, api_for):
    member = _secondary(world)
    client = api_for(world.advocate)
    client.post(reverse("care-team-end", args=[member.pk]))

    response = client.post(reverse("care-team-end", args=[member.pk]))

    assert response.status_code == 400
    assert "until" in response.data


def test_a_secondary_member_cannot_end_anyones_membership(world, api_for):
    member = _secondary(world)
    helper = _secondary(world).user

    response = api_for(helper).post(reverse("care-team-end", args=[member.pk]))

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.until is None


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_care_team_is_invisible_without_a_basis(world, api_for, persona):
    member = CareTeamMember.objects.get(case=world.case)
    client = api_for(getattr(world, persona))

    assert client.get(reverse("care-team-detail", args=[member.pk])).status_code == 404
    assert client.post(reverse("care-team-end", args=[member.pk])).status_code == 404
    assert member.pk not in _ids(client.get(reverse("care-team-list")))
    member.refresh_from_db()
    assert member.until is None


def test_care_team_list_keeps_past_members_and_filters_by_case(world, api_for):
    past = _secondary(world)
    past.until = timezone.localdate()
    past.save()
    f.CareTeamMemberFactory(case=f.CaseFactory(lead_organization=world.lead))

    response = api_for(world.supervisor).get(reverse("care-team-list"), {"case": world.case.pk})

    assert len(_ids(response)) == 2
    assert past.pk in _ids(response)


def test_young_person_sees_who_works_on_their_case(world, api_for):
    response = api_for(world.young_person).get(reverse("care-team-list"))

    assert [row["user"] for row in response.data["results"]] == [world.advocate.pk]


def test_care_team_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    with constant_queries(3):  # viewer (2), page with users
        assert len(client.get(reverse("care-team-list")).data["results"]) == 1
    for _ in range(49):
        f.CareTeamMemberFactory(case=f.CaseFactory(lead_organization=world.lead))

    with constant_queries(3):
        response = client.get(reverse("care-team-list"))
    assert len(response.data["results"]) == 50
