"""The follow-up endpoints: list and filter, write by hand, complete, cancel, reassign."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from providers.models import Membership
from tasks.models import FollowUp
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

OUTSIDERS = ["other_advocate", "org_admin", "partner_staff", "superuser", "young_person"]


def _later(days: int = 1) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def _follow_up(world, **overrides) -> FollowUp:
    fields = {
        "case": world.case,
        "kind": FollowUp.Kind.OTHER,
        "organization": world.lead,
        "assignee": world.advocate,
        "due_at": timezone.now() + dt.timedelta(days=1),
        "description": "Call back",
        "created_by": world.advocate,
        **overrides,
    }
    return FollowUp.objects.create(**fields)


def _incoming(world) -> FollowUp:
    """A follow-up on the recipient's side of a referral sent to the partner organization."""
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    return _follow_up(
        world,
        kind=FollowUp.Kind.REFERRAL_UNANSWERED,
        organization=world.partner,
        assignee=None,
        about_referral=referral,
        description="",
        created_by=None,
    )


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def _create(client, world, **overrides):
    body = {
        "case": world.case.pk,
        "organization": world.lead.pk,
        "due_at": _later(),
        "description": "Check the school enrolment",
        **overrides,
    }
    return client.post(reverse("follow-up-list"), body)


# Writing one by hand


def test_advocate_writes_a_follow_up_for_a_colleague_in_the_lead_queue(world, api_for):
    response = _create(api_for(world.advocate), world, assignee=world.other_advocate.pk)

    assert response.status_code == 201, response.data
    follow_up = FollowUp.objects.get(pk=response.data["id"])
    assert (follow_up.kind, follow_up.organization, follow_up.assignee, follow_up.created_by) == (
        "other",
        world.lead,
        world.other_advocate,
        world.advocate,
    )
    assert response.data["case"] == world.case.pk
    assert response.data["assignee_name"] == world.other_advocate.full_name


def test_partner_staff_write_one_in_their_own_queue_on_a_case_a_consent_shows(world, api_for):
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    client = api_for(world.partner_staff)

    response = _create(client, world, organization=world.partner.pk)

    assert response.status_code == 201, response.data
    assert FollowUp.objects.get(pk=response.data["id"]).organization == world.partner
    assert response.data["id"] in _ids(client.get(reverse("follow-up-list")))


def test_partner_staff_cannot_write_one_into_the_lead_queue(world, api_for):
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    response = _create(api_for(world.partner_staff), world)

    assert response.status_code == 400
    assert "organization" in response.data
    assert not FollowUp.objects.exists()


def test_partner_staff_cannot_write_one_on_a_case_they_do_not_see(world, api_for):
    response = _create(api_for(world.partner_staff), world, organization=world.partner.pk)

    assert response.status_code == 400
    assert "case" in response.data
    assert not FollowUp.objects.exists()


def test_the_young_person_cannot_write_follow_ups(world, api_for):
    response = _create(api_for(world.young_person), world)

    assert response.status_code == 400
    assert "organization" in response.data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "x" * 301}, "description"),
        ({"due_at": "2020-01-01T10:00:00Z"}, "due_at"),
        ({"due_at": "tomorrow"}, "due_at"),
        ({"organization": 999_999}, "organization"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, api_for, overrides, field):
    response = _create(api_for(world.advocate), world, **overrides)

    assert response.status_code == 400
    assert field in response.data
    assert not FollowUp.objects.exists()


def test_the_assignee_must_be_staff_of_the_follow_ups_organization(world, api_for):
    response = _create(api_for(world.advocate), world, assignee=world.org_admin.pk)

    assert response.status_code == 400
    assert "assignee" in response.data
    assert not FollowUp.objects.exists()


# Who sees what


def test_lead_staff_see_the_follow_ups_of_their_cases(world, api_for):
    follow_up = _follow_up(world)

    for persona in ("advocate", "supervisor"):
        response = api_for(getattr(world, persona)).get(reverse("follow-up-list"))
        assert _ids(response) == [follow_up.pk], persona


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_and_the_young_person_see_none(world, api_for, persona):
    follow_up = _follow_up(world)
    client = api_for(getattr(world, persona))

    assert _ids(client.get(reverse("follow-up-list"))) == []
    assert client.get(reverse("follow-up-detail", args=[follow_up.pk])).status_code == 404


def test_the_assignee_sees_one_outside_their_care_team_without_the_case(world, api_for):
    follow_up = _follow_up(world, assignee=world.other_advocate)

    response = api_for(world.other_advocate).get(reverse("follow-up-detail", args=[follow_up.pk]))

    assert response.status_code == 200
    assert response.data["case"] is None


def test_the_receiving_organization_sees_its_side_of_a_referral_without_the_case(world, api_for):
    follow_up = _incoming(world)

    response = api_for(world.partner_staff).get(reverse("follow-up-list"))

    [row] = response.data["results"]
    assert row["id"] == follow_up.pk
    assert row["case"] is None
    assert row["about_referral"] == follow_up.about_referral_id
    assert _ids(api_for(world.advocate).get(reverse("follow-up-list"))) == []


def test_the_case_filter_does_not_find_the_receivers_follow_ups_by_case(world, api_for):
    _incoming(world)

    response = api_for(world.partner_staff).get(reverse("follow-up-list"), {"case": world.case.pk})

    assert _ids(response) == []


# Filters


def test_filters_by_status_kind_assignee_organization_and_case(world, api_for):
    mine = _follow_up(world)
    theirs = _follow_up(world, assignee=world.other_advocate)
    done = _follow_up(world, status="done", completed_at=timezone.now())
    plan = world.case.plan
    review = _follow_up(world, kind=FollowUp.Kind.PLAN_REVIEW, about_plan=plan)
    client = api_for(world.supervisor)

    def ids(**params) -> set[int]:
        return set(_ids(client.get(reverse("follow-up-list"), params)))

    assert ids(status="done") == {done.pk}
    assert ids(kind="plan_review") == {review.pk}
    assert ids(organization=world.lead.pk) == {mine.pk, theirs.pk, done.pk, review.pk}
    assert ids(organization=world.partner.pk) == set()
    assert ids(case=world.case.pk) == {mine.pk, theirs.pk, done.pk, review.pk}
    as_advocate = api_for(world.advocate).get(reverse("follow-up-list"), {"assignee": "me"})
    assert set(_ids(as_advocate)) == {mine.pk, done.pk, review.pk}
    assert ids(assignee="me") == set()
    assert client.get(reverse("follow-up-list"), {"status": "late"}).status_code == 400


def test_overdue_filter_finds_open_follow_ups_past_due(world, api_for):
    past = timezone.now() - dt.timedelta(hours=1)
    overdue = _follow_up(world, due_at=past)
    on_time = _follow_up(world)
    closed = _follow_up(world, due_at=past, status="done", completed_at=timezone.now())
    client = api_for(world.advocate)

    response = client.get(reverse("follow-up-list"), {"overdue": "true"})

    assert _ids(response) == [overdue.pk]
    assert response.data["results"][0]["overdue"] is True
    not_overdue = client.get(reverse("follow-up-list"), {"overdue": "false"})
    assert set(_ids(not_overdue)) == {on_time.pk, closed.pk}


# Complete, cancel, reassign


def test_the_advocate_completes_a_follow_up_with_a_note(world, api_for):
    follow_up = _follow_up(world)

    response = api_for(world.advocate).post(
        reverse("follow-up-complete", args=[follow_up.pk]), {"note": "Called back"}
    )

    assert response.status_code == 200, response.data
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completion_note, follow_up.completed_by) == (
        "done",
        "Called back",
        world.advocate,
    )
    assert follow_up.completed_at is not None


def test_a_closed_follow_up_cannot_be_completed_again(world, api_for):
    follow_up = _follow_up(world, status="cancelled", completed_at=timezone.now())

    response = api_for(world.advocate).post(reverse("follow-up-complete", args=[follow_up.pk]))

    assert response.status_code == 400
    assert "status" in response.data


def test_cancelling_needs_a_reason(world, api_for):
    follow_up = _follow_up(world)
    client = api_for(world.supervisor)

    missing = client.post(reverse("follow-up-cancel", args=[follow_up.pk]), {})
    done = client.post(reverse("follow-up-cancel", args=[follow_up.pk]), {"note": "Moved away"})

    assert missing.status_code == 400 and "note" in missing.data
    assert done.status_code == 200
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completion_note) == ("cancelled", "Moved away")


def test_the_receiver_completes_its_side_of_a_referral(world, api_for):
    follow_up = _incoming(world)

    response = api_for(world.partner_staff).post(
        reverse("follow-up-complete", args=[follow_up.pk]), {"note": "Answered"}
    )

    assert response.status_code == 200, response.data
    assert response.data["case"] is None
    follow_up.refresh_from_db()
    assert follow_up.status == "done"


@pytest.mark.parametrize("persona", ["advocate", "supervisor"])
def test_the_assignee_or_a_supervisor_reassigns(world, api_for, persona):
    follow_up = _follow_up(world)

    response = api_for(getattr(world, persona)).post(
        reverse("follow-up-reassign", args=[follow_up.pk]), {"assignee": world.intake.pk}
    )

    assert response.status_code == 200, response.data
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.intake


def test_care_team_members_who_are_not_the_assignee_cannot_reassign(world, api_for):
    colleague = f.CareTeamMemberFactory(
        case=world.case, user=world.other_advocate, role="secondary"
    ).user
    follow_up = _follow_up(world)

    response = api_for(colleague).post(
        reverse("follow-up-reassign", args=[follow_up.pk]), {"assignee": colleague.pk}
    )

    assert response.status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.advocate


@pytest.mark.parametrize("who", ["org_admin", "partner_staff", "suspended"])
def test_reassigning_to_someone_not_on_the_queues_staff_is_a_400(world, api_for, who):
    if who == "suspended":
        Membership.objects.filter(user=world.other_advocate).update(is_active=False)
        who = "other_advocate"
    follow_up = _follow_up(world)

    response = api_for(world.supervisor).post(
        reverse("follow-up-reassign", args=[follow_up.pk]), {"assignee": getattr(world, who).pk}
    )

    assert response.status_code == 400
    assert "assignee" in response.data
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.advocate


def test_a_closed_follow_up_cannot_be_reassigned(world, api_for):
    follow_up = _follow_up(world, status="done", completed_at=timezone.now())

    response = api_for(world.supervisor).post(
        reverse("follow-up-reassign", args=[follow_up.pk]), {"assignee": world.intake.pk}
    )

    assert response.status_code == 400
    assert "status" in response.data


def test_handing_it_on_leaves_the_former_assignee_without_it(world, api_for):
    follow_up = _follow_up(world, assignee=world.other_advocate)
    client = api_for(world.other_advocate)

    response = client.post(
        reverse("follow-up-reassign", args=[follow_up.pk]), {"assignee": world.advocate.pk}
    )

    assert response.status_code == 200, response.data
    assert response.data["case"] is None
    assert client.get(reverse("follow-up-detail", args=[follow_up.pk])).status_code == 404


# Nothing about the young person, and a constant cost


def test_a_follow_up_carries_no_personal_data(world, api_for):
    person = world.case.person
    person.alias, person.legal_name = "Zephyrine", "Zephyrine Oakhollow"
    person.save()
    _follow_up(world)

    body = api_for(world.advocate).get(reverse("follow-up-list")).content.decode()

    assert "Zephyrine" not in body and "Oakhollow" not in body


def test_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    _follow_up(world)
    _incoming(world)
    with constant_queries(3):  # viewer (2), page with assignees and organizations
        client.get(reverse("follow-up-list"))
    for _ in range(5):
        _follow_up(world, assignee=world.other_advocate)
        other_case = f.CaseFactory(lead_organization=world.lead)
        _follow_up(world, case=other_case, assignee=None)
    with constant_queries(3):
        response = client.get(reverse("follow-up-list"))
    assert len(response.data["results"]) == 11
