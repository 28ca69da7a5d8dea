"""The case's whole life on the web (issue 18, point 2): activate, close with a reason and the
choice to end the consents in force (the young person is told in their portal), reopen; a
closed case takes no new contacts, referrals or plan versions, for partners too."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Contact, PlanVersion, Referral
from cases.services.records import log_service_contact
from cases.services.referrals import accept_referral
from consent.models import Consent
from consent.policy import consents_in_force, viewer_for
from tasks.models import FollowUp, PortalNotice
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _status_url(world: World) -> str:
    return reverse("frontend:case-status", kwargs={"case_id": world.case.pk})


def _close(world: World, **fields: str):
    data = {"move": "close", "reason": "goals_met", "reason_text": "", "end_consents": "yes"}
    return _client(world.advocate).post(_status_url(world), {**data, **fields})


def test_an_open_case_is_activated_then_closed_then_reopened(world: World) -> None:
    client = _client(world.advocate)

    activated = client.post(_status_url(world), {"move": "activate"})
    world.case.refresh_from_db()
    assert activated.status_code == 302 and world.case.status == Case.Status.ACTIVE

    closed = _close(world, reason="moved")
    world.case.refresh_from_db()
    assert closed.status_code == 302
    assert (world.case.status, world.case.closed_reason) == (Case.Status.CLOSED, "moved")
    assert world.case.closed_on == timezone.localdate()
    page = client.get(_status_url(world)).content.decode()
    assert "Moved away" in page and "Reopen the case" in page

    reopened = client.post(_status_url(world), {"move": "reopen"})
    world.case.refresh_from_db()
    assert reopened.status_code == 302
    assert (world.case.status, world.case.closed_on) == (Case.Status.OPEN, None)
    changed_by = {row.history_user_id for row in world.case.history.all()[:3]}
    assert changed_by == {world.advocate.pk}


def test_closing_for_another_reason_needs_words_and_changes_nothing(world: World) -> None:
    response = _close(world, reason="other")

    assert response.status_code == 400
    assert "Say why the case is closed" in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status != Case.Status.CLOSED


def test_closing_ends_the_consents_in_force_and_tells_the_young_person(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    _close(world, end_consents="yes")

    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED
    assert consent.revocation_channel == "case_closed"
    assert consents_in_force(viewer=viewer_for(world.partner_staff), case_ids=[world.case.pk]) == {}
    notice = PortalNotice.objects.get(person=world.case.person)
    assert (notice.kind, notice.object_id) == ("consent_ended", consent.pk)
    portal = _client(world.young_person).get(reverse("frontend:portal-home")).content.decode()
    assert "a permission to share your information ended with it" in portal


def test_closing_may_keep_the_consents_until_they_expire(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    _close(world, end_consents="no")

    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert not PortalNotice.objects.exists()


def test_a_closed_case_takes_no_contact_referral_or_plan_version(world: World) -> None:
    _close(world)
    client = _client(world.advocate)
    case_page = client.get(reverse("frontend:case", kwargs={"case_id": world.case.pk}))

    contact = client.post(
        reverse("frontend:contact-new", kwargs={"case_id": world.case.pk}),
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "channel": "in_person",
            "outcome": "reached",
            "contact_with": "other",
            "summary": "",
        },
    )
    version = client.post(
        reverse("frontend:plan-version-submit", kwargs={"case_id": world.case.pk})
    )

    body = case_page.content.decode()
    assert "Log a contact" not in body and "Make a referral" not in body
    assert contact.status_code == 400
    assert version.status_code == 400
    assert not Contact.objects.filter(case=world.case).exists()
    assert not PlanVersion.objects.filter(plan__case=world.case).exists()


def test_a_partner_logs_no_contact_on_a_closed_case(world: World) -> None:
    grant_consent(world.case, world.partner, ["plan", "contact"], by=world.advocate)
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    accept_referral(referral=referral, actor=world.partner_staff)
    _close(world, end_consents="no")

    with pytest.raises(ValidationError, match="case is closed"):
        log_service_contact(
            referral=Referral.objects.get(pk=referral.pk),
            actor=world.partner_staff,
            occurred_at=timezone.now(),
            channel="phone",
            outcome="reached",
        )
    assert not Contact.objects.filter(case=world.case).exists()


def test_a_closed_case_cannot_be_closed_again_and_says_why(world: World) -> None:
    _close(world)

    response = _close(world)

    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()


def test_staff_without_a_write_basis_do_not_reach_the_status_page(world: World) -> None:
    for user in (world.partner_staff, world.young_person, world.org_admin):
        assert _client(user).post(_status_url(world), {"move": "activate"}).status_code in (
            403,
            404,
        )
    world.case.refresh_from_db()
    assert world.case.status == Case.Status.OPEN


# --- The young person's details --------------------------------------------------------------


def _person_url(world: World) -> str:
    return reverse("frontend:person-edit", kwargs={"case_id": world.case.pk})


def test_r34_the_details_are_edited_and_declined_answers_recorded(world: World) -> None:
    client = _client(world.advocate)
    form = client.get(_person_url(world))

    response = client.post(
        _person_url(world),
        {
            "alias": "Robin",
            "chosen_name": "",
            "legal_name": "",
            "pronouns": "they/them",
            "birth_date_precision": "year",
            "birth_year": str(timezone.localdate().year - 16),
            "gender": "",
            "race_ethnicity": "",
            "area": "Cook County",
            "languages": "en, es",
            "declined_fields": ["gender", "race_ethnicity"],
        },
    )

    assert form.status_code == 200
    assert response.status_code == 302
    person = world.case.person
    person.refresh_from_db()
    assert (person.alias, person.pronouns, person.area) == ("Robin", "they/them", "Cook County")
    assert person.languages == ["en", "es"]
    assert set(person.declined_fields) == {"gender", "race_ethnicity"}
    assert person.history.first().history_user == world.advocate


def test_details_that_do_not_hold_together_change_nothing(world: World) -> None:
    person = world.case.person
    before = (person.alias, person.birth_date_precision)

    response = _client(world.advocate).post(
        _person_url(world),
        {"alias": "", "legal_name": "", "chosen_name": "", "birth_date_precision": "exact"},
    )

    assert response.status_code == 400
    person.refresh_from_db()
    assert (person.alias, person.birth_date_precision) == before


# --- The care team ----------------------------------------------------------------------------


def test_the_primary_advocate_adds_and_ends_a_secondary_member(world: World) -> None:
    client = _client(world.advocate)
    url = reverse("frontend:care-team", kwargs={"case_id": world.case.pk})

    added = client.post(url, {"user": world.other_advocate.pk})

    member = world.case.care_team.get(user=world.other_advocate, until__isnull=True)
    assert added.status_code == 302 and member.role == "secondary"
    page = _client(world.other_advocate).get(
        reverse("frontend:case", kwargs={"case_id": world.case.pk})
    )
    assert page.status_code == 200
    ended = client.post(
        reverse("frontend:care-team-end", kwargs={"case_id": world.case.pk, "member_id": member.pk})
    )
    member.refresh_from_db()
    assert ended.status_code == 302 and member.until == timezone.localdate()


def test_only_staff_of_the_lead_organization_join_the_team(world: World) -> None:
    response = _client(world.advocate).post(
        reverse("frontend:care-team", kwargs={"case_id": world.case.pk}),
        {"user": world.partner_staff.pk},
    )

    assert response.status_code == 400
    assert not world.case.care_team.filter(user=world.partner_staff).exists()


def test_the_primary_advocate_is_not_ended_from_the_team_page(world: World) -> None:
    primary = world.case.care_team.get(user=world.advocate)

    response = _client(world.supervisor).post(
        reverse(
            "frontend:care-team-end", kwargs={"case_id": world.case.pk, "member_id": primary.pk}
        )
    )

    assert response.status_code == 404
    primary.refresh_from_db()
    assert primary.until is None


# --- Follow-ups written by hand --------------------------------------------------------------


def test_a_follow_up_is_written_by_hand_for_a_colleague(world: World) -> None:
    due = (timezone.localtime() + timezone.timedelta(days=2)).replace(second=0, microsecond=0)

    response = _client(world.advocate).post(
        reverse("frontend:follow-up-new", kwargs={"case_id": world.case.pk}),
        {
            "description": "Call the school about enrolment",
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "assignee": world.other_advocate.pk,
        },
    )

    assert response.status_code == 302
    follow_up = FollowUp.objects.get(case=world.case, kind=FollowUp.Kind.OTHER)
    assert (follow_up.assignee, follow_up.organization, follow_up.created_by) == (
        world.other_advocate,
        world.lead,
        world.advocate,
    )
    assert follow_up.due_at == due
    inbox = _client(world.other_advocate).get(reverse("frontend:follow-ups")).content.decode()
    assert "Call the school about enrolment" in inbox


def test_a_follow_up_due_in_the_past_or_for_an_outsider_is_refused(world: World) -> None:
    past = (timezone.localtime() - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    future = (timezone.localtime() + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("frontend:follow-up-new", kwargs={"case_id": world.case.pk})
    client = _client(world.advocate)

    late = client.post(url, {"description": "Too late", "due_at": past, "assignee": ""})
    outsider = client.post(
        url, {"description": "Outsider", "due_at": future, "assignee": world.partner_staff.pk}
    )

    assert late.status_code == outsider.status_code == 400
    assert "A new follow-up is due in the future." in late.content.decode()
    assert "Select a valid choice" in outsider.content.decode()
    assert not FollowUp.objects.filter(description__in=["Too late", "Outsider"]).exists()


# --- Flags --------------------------------------------------------------------------------------


def test_a_flag_is_raised_shown_on_the_case_and_cleared(world: World) -> None:
    client = _client(world.advocate)
    url = reverse("frontend:flags", kwargs={"case_id": world.case.pk})

    raised = client.post(url, {"kind": "safety", "text": "Do not call after 6pm"})
    flag = world.case.flags.get()
    case_page = client.get(reverse("frontend:case", kwargs={"case_id": world.case.pk}))
    cleared = client.post(
        reverse("frontend:flag-clear", kwargs={"case_id": world.case.pk, "flag_id": flag.pk})
    )

    assert raised.status_code == 302
    assert "Do not call after 6pm" in case_page.content.decode()
    assert cleared.status_code == 302
    flag.refresh_from_db()
    assert (flag.raised_by, flag.cleared_by) == (world.advocate, world.advocate)
    assert flag.cleared_at is not None


def test_a_flag_without_words_is_refused(world: World) -> None:
    response = _client(world.advocate).post(
        reverse("frontend:flags", kwargs={"case_id": world.case.pk}), {"kind": "safety", "text": ""}
    )

    assert response.status_code == 400
    assert not world.case.flags.exists()
