"""Partner pages: referrals received, services delivered, and a case as a consent releases it."""

import re
from datetime import timedelta
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseNote, Person, PlanVersion, Referral, ServicePlan
from cases.services.plans import approve_plan_version, start_plan_version, submit_plan_version
from cases.services.referrals import accept_referral, start_referred_service
from consent.models import REDISCLOSURE_NOTICE, AccessEvent, Consent, ConsentPurpose
from consent.services import revoke_consent
from providers.models import Membership, Organization
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

NAME, LEGAL, PHONE, ADDRESS = (
    "Zephyrine",
    "Zephyrine Marchbanks",
    "+1 555 0199 4321",
    "17 Thornapple",
)
RELATIVE = "Aunt Philippa Quenby"
SHARED_NOTE, STAFF_NOTE = "Prefers meetings at the library", "Staff-only: court date pending"
GOAL = "I want a room of my own by spring"


def _seed(world: World) -> None:
    person = world.case.person
    person.alias, person.legal_name = NAME, LEGAL
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 25)
    person.save()
    rule = person.safe_contact
    rule.phone, rule.address = PHONE, ADDRESS
    rule.save()
    f.FamilyMemberFactory(person=person, name=RELATIVE)
    f.CaseNoteFactory(case=world.case, author=world.advocate, body=SHARED_NOTE)
    f.CaseNoteFactory(case=world.case, author=world.advocate, body=STAFF_NOTE, staff_only=True)


def _approved_plan(world: World, provider: Organization | None = None) -> PlanVersion:
    plan, _ = ServicePlan.objects.get_or_create(case=world.case)
    goal = f.GoalFactory(plan=plan, description=GOAL)
    f.PlannedServiceFactory(goal=goal, provider=provider or world.partner)
    version = start_plan_version(case=world.case, actor=world.advocate)
    submit_plan_version(version=version, actor=world.advocate)
    return approve_plan_version(version=version, actor=world.young_person)


def _consent(world: World, categories: list[str], purpose: str = ConsentPurpose.REFERRAL):
    return grant_consent(world.case, world.partner, categories, by=world.advocate, purpose=purpose)


def _referral(world: World, **kwargs: object) -> Referral:
    defaults = {"case": world.case, "to_organization": world.partner, "sent": True}
    return f.ReferralFactory(**{**defaults, **kwargs})


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _revoke(world: World, consent: Consent) -> None:
    revoke_consent(consent=consent, actor=world.advocate, channel="staff_written")


def _url(name: str, **kwargs: int) -> str:
    return reverse(f"frontend:{name}", kwargs=kwargs)


def _main(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


# --- incoming referrals --------------------------------------------------------------------


def test_incoming_referrals_list_waiting_ones_first_with_service_and_message(world):
    _consent(world, ["plan"])
    accepted = _referral(world, message="Already taken on")
    accept_referral(referral=accepted, actor=world.partner_staff)
    _referral(world, message="Needs a bed this week")
    response = _client(world.partner_staff).get(_url("incoming-referrals"))
    body = _main(response)
    assert response.status_code == 200
    assert body.index("Waiting for your answer") < body.index("Needs a bed this week")
    assert body.index("Needs a bed this week") < body.index("Accepted, service not started")
    assert body.index("Accepted, service not started") < body.index("Already taken on")


def test_a_waiting_referral_says_how_long_it_has_waited(world):
    _referral(world, sent_at=timezone.now() - timedelta(days=4, hours=1))
    body = _main(_client(world.partner_staff).get(_url("incoming-referrals")))
    assert "4 days" in body


def test_drafts_and_referrals_to_other_organizations_are_not_listed(world):
    _referral(world, sent=False, status=Referral.Status.DRAFT, message="Draft, unsent")
    _referral(world, to_organization=f.OrganizationFactory(), message="For someone else")
    body = _main(_client(world.partner_staff).get(_url("incoming-referrals")))
    assert "Draft, unsent" not in body
    assert "For someone else" not in body


def test_the_referral_list_shows_nothing_about_the_young_person(world):
    _seed(world)
    _referral(world)
    body = _client(world.partner_staff).get(_url("incoming-referrals")).content.decode()
    assert NAME not in body and PHONE not in body


def test_an_organization_admin_without_a_staff_role_gets_not_found(world):
    response = _client(world.org_admin).get(_url("incoming-referrals"))
    assert response.status_code == 404


def test_incoming_referrals_cost_the_same_queries_at_two_sizes(world, constant_queries):
    client = _client(world.partner_staff)
    client.get(_url("incoming-referrals"))  # the session settles first
    for size in (2, 8):
        while Referral.objects.filter(to_organization=world.partner).count() < size:
            referral = _referral(world, case=f.CaseFactory(lead_organization=world.lead))
            if referral.pk % 2:
                accept_referral(referral=referral, actor=world.partner_staff)
        with constant_queries(12):
            assert client.get(_url("incoming-referrals")).status_code == 200


def test_listing_incoming_referrals_is_recorded_in_the_access_log(world):
    _referral(world)
    _client(world.partner_staff).get(_url("incoming-referrals"))
    assert AccessEvent.objects.filter(
        user=world.partner_staff, case=world.case, action="list"
    ).exists()


# --- answering -----------------------------------------------------------------------------


def test_accepting_under_a_consent_in_force_accepts_the_referral(world):
    _consent(world, ["plan"])
    referral = _referral(world)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-accept", referral_id=referral.pk), {"note": "We have room"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.transitions.get(to_status="accepted").note == "We have room"


def test_accepting_from_the_list_returns_to_the_list(world):
    _consent(world, ["plan"])
    referral = _referral(world)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-accept", referral_id=referral.pk), {"return_to": "list"}
    )
    assert response["Location"] == _url("incoming-referrals")


def test_accepting_is_refused_with_a_message_when_no_consent_is_in_force(world):
    consent = _consent(world, ["plan"])
    referral = _referral(world)
    _revoke(world, consent)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-accept", referral_id=referral.pk)
    )
    assert response.status_code == 400
    assert "No consent in force lets your organization receive this referral" in (
        response.content.decode()
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    assert not referral.transitions.exists()


def test_accepting_is_refused_when_the_consent_does_not_cover_what_the_referral_carries(world):
    _consent(world, ["plan"])
    referral = _referral(world, categories=["plan", "contact"])
    response = _client(world.partner_staff).post(
        _url("incoming-referral-accept", referral_id=referral.pk)
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_the_referral_page_warns_before_accepting_when_no_consent_is_in_force(world):
    referral = _referral(world)
    body = _client(world.partner_staff).get(_url("incoming-referral", referral_id=referral.pk))
    assert "cannot be accepted" in body.content.decode()


def test_an_accepted_referral_cannot_be_accepted_again(world):
    _consent(world, ["plan"])
    referral = _referral(world)
    accept_referral(referral=referral, actor=world.partner_staff)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-accept", referral_id=referral.pk)
    )
    assert response.status_code == 400
    assert "no longer possible" in response.content.decode()


def test_declining_needs_a_reason(world):
    referral = _referral(world)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-decline", referral_id=referral.pk), {"reason": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_declining_for_another_reason_needs_words(world):
    referral = _referral(world)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-decline", referral_id=referral.pk), {"reason": "other"}
    )
    assert response.status_code == 400
    assert "Say why when the reason is" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_declining_with_a_coded_reason_declines(world):
    _consent(world, ["plan"])
    referral = _referral(world)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-decline", referral_id=referral.pk),
        {"reason": "no_capacity", "reason_text": "Full until March"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "no_capacity")
    assert referral.decline_reason_text == "Full until March"
    page = _client(world.partner_staff).get(_url("incoming-referral", referral_id=referral.pk))
    assert "No capacity: Full until March" in _main(page)


def test_an_accepted_referral_is_started_then_completed_with_an_outcome(world):
    _consent(world, ["plan"])
    referral = _referral(world)
    accept_referral(referral=referral, actor=world.partner_staff)
    client = _client(world.partner_staff)
    assert client.post(_url("incoming-referral-start", referral_id=referral.pk)).status_code == 302
    refused = client.post(_url("incoming-referral-complete", referral_id=referral.pk), {})
    assert refused.status_code == 400
    done = client.post(
        _url("incoming-referral-complete", referral_id=referral.pk),
        {"outcome_note": "Housed in a shared flat"},
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_note) == ("completed", "Housed in a shared flat")


def test_closing_without_service_needs_a_reason(world):
    referral = _referral(world)
    accept_referral(referral=referral, actor=world.partner_staff)
    client = _client(world.partner_staff)
    url = _url("incoming-referral-close", referral_id=referral.pk)
    assert client.post(url, {"note": "  "}).status_code == 400
    assert client.post(url, {"note": "Moved away"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED_WITHOUT_SERVICE


def test_a_referral_is_not_found_for_an_organization_it_was_not_sent_to(world):
    referral = _referral(world, to_organization=f.OrganizationFactory())
    client = _client(world.partner_staff)
    assert client.get(_url("incoming-referral", referral_id=referral.pk)).status_code == 404
    response = client.post(_url("incoming-referral-accept", referral_id=referral.pk))
    assert response.status_code == 404


def test_the_sending_advocate_cannot_answer_their_own_referral(world):
    referral = _referral(world)
    response = _client(world.advocate).post(
        _url("incoming-referral-accept", referral_id=referral.pk)
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


# --- services delivered --------------------------------------------------------------------


def test_services_delivered_lists_running_referrals_and_released_approved_plans(world):
    _consent(world, ["plan"])
    _approved_plan(world)
    referral = _referral(world)
    accept_referral(referral=referral, actor=world.partner_staff)
    start_referred_service(referral=referral, actor=world.partner_staff)
    body = _main(_client(world.partner_staff).get(_url("partner-services")))
    assert "In service" in body
    assert GOAL in body
    assert _url("partner-case", case_id=world.case.pk) in body


def test_r21_services_delivered_offer_no_plan_changes(world):
    _consent(world, ["plan"])
    _approved_plan(world)
    body = _main(_client(world.partner_staff).get(_url("partner-services")))
    assert "<form" not in body


def test_an_approved_plan_not_released_to_the_partner_is_not_shown(world):
    _consent(world, ["notes"])
    _approved_plan(world)
    body = _main(_client(world.partner_staff).get(_url("partner-services")))
    assert GOAL not in body


def test_services_delivered_cost_the_same_queries_at_two_sizes(world, constant_queries):
    client = _client(world.partner_staff)
    client.get(_url("partner-services"))
    for size in (1, 4):
        while Referral.objects.filter(to_organization=world.partner).count() < size:
            case = f.CaseFactory(lead_organization=world.lead)
            grant_consent(case, world.partner, ["plan"], by=world.supervisor)
            plan, _ = ServicePlan.objects.get_or_create(case=case)
            f.PlannedServiceFactory(goal=f.GoalFactory(plan=plan), provider=world.partner)
            version = start_plan_version(case=case, actor=world.supervisor)
            submit_plan_version(version=version, actor=world.supervisor)
            approve_plan_version(version=version, actor=world.supervisor)
            referral = f.ReferralFactory(case=case, to_organization=world.partner, sent=True)
            accept_referral(referral=referral, actor=world.partner_staff)
        with constant_queries(14):
            assert client.get(_url("partner-services")).status_code == 200


# --- the case as released ------------------------------------------------------------------


def test_r17_r19_the_case_view_shows_released_categories_and_nothing_withheld(world):
    _seed(world)
    _approved_plan(world)
    _consent(world, ["plan", "notes"])
    response = _client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert GOAL in body and SHARED_NOTE in body
    for withheld in (NAME, LEGAL, PHONE, ADDRESS, RELATIVE, STAFF_NOTE):
        assert withheld not in body, withheld
    note = body[body.index("Withheld from your organization") :]
    for category in ("Identity", "Contact details", "Family", "Documents"):
        assert category in note[: note.index("</div>")]


def test_r17_identity_and_contact_show_only_when_released(world):
    _seed(world)
    _consent(world, ["identity", "contact", "family"])
    body = _client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk))
    text = body.content.decode()
    assert NAME in text and PHONE in text and RELATIVE in text
    assert SHARED_NOTE not in text


def test_r19_the_case_view_names_the_consent_it_was_released_under(world):
    consent = _consent(world, ["plan"], purpose=ConsentPurpose.CARE_COORDINATION)
    body = _main(_client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk)))
    assert f"Consent {consent.pk}, for: Care coordination" in body
    assert "in force until" in body


def test_r20_the_case_view_carries_the_no_redisclosure_notice(world):
    _consent(world, ["plan"])
    body = _client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk))
    assert escape(REDISCLOSURE_NOTICE) in body.content.decode()


def test_r21_the_case_view_has_no_write_controls(world):
    _consent(world, ["identity", "contact", "plan", "notes", "documents", "family"])
    body = _main(_client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk)))
    assert not re.search(r"<form|<button|<input|<textarea|<select", body)


def test_only_the_approved_plan_version_is_shown(world):
    _consent(world, ["plan"])
    plan, _ = ServicePlan.objects.get_or_create(case=world.case)
    f.GoalFactory(plan=plan, description="A draft goal not yet approved")
    version = start_plan_version(case=world.case, actor=world.advocate)
    submit_plan_version(version=version, actor=world.advocate)
    body = _main(_client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk)))
    assert "A draft goal not yet approved" not in body
    assert "No version of the plan has been approved yet." in body


def test_the_case_view_is_not_found_without_a_consent_in_force(world):
    consent = _consent(world, ["plan"])
    client = _client(world.partner_staff)
    assert client.get(_url("partner-case", case_id=world.case.pk)).status_code == 200
    _revoke(world, consent)
    assert client.get(_url("partner-case", case_id=world.case.pk)).status_code == 404


def test_the_case_view_is_not_found_for_an_organization_with_no_consent(world):
    _consent(world, ["plan"])
    other = f.MembershipFactory(role=Membership.Role.ADVOCATE).user
    response = _client(other).get(_url("partner-case", case_id=world.case.pk))
    assert response.status_code == 404


def test_the_lead_organization_uses_its_own_case_page(world):
    response = _client(world.advocate).get(_url("partner-case", case_id=world.case.pk))
    assert response.status_code == 404


def test_reading_the_case_view_is_recorded_under_the_consent(world):
    consent = _consent(world, ["plan", "notes"])
    _client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk))
    event = AccessEvent.objects.get(user=world.partner_staff, action="view", outcome="allowed")
    assert (event.case_id, event.consent_id) == (world.case.pk, consent.pk)
    assert event.categories == ["plan", "notes"]


def test_a_refused_case_view_is_recorded_as_denied(world):
    _client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk))
    assert AccessEvent.objects.filter(
        user=world.partner_staff, case=world.case, outcome="denied"
    ).exists()


def test_a_referral_links_to_the_case_view_only_under_a_consent_in_force(world):
    referral = _referral(world)
    client = _client(world.partner_staff)
    link = _url("partner-case", case_id=world.case.pk)
    url = _url("incoming-referral", referral_id=referral.pk)
    assert link not in client.get(url).content.decode()
    _consent(world, ["plan"])
    assert link in client.get(url).content.decode()


def test_notes_marked_staff_only_are_never_released(world):
    f.CaseNoteFactory(
        case=world.case,
        author=world.advocate,
        body=STAFF_NOTE,
        staff_only=True,
        category=CaseNote.Category.LEGAL,
    )
    _consent(world, ["notes"])
    body = _client(world.partner_staff).get(_url("partner-case", case_id=world.case.pk))
    assert STAFF_NOTE not in body.content.decode()


def _delivering(world: World) -> Referral:
    """An accepted referral for a planned service, with safe-contact rules confirmed today."""
    _consent(world, ["plan"])
    service = f.PlannedServiceFactory(goal=f.GoalFactory(plan=world.case.plan))
    referral = _referral(world, planned_service=service)
    accept_referral(referral=referral, actor=world.partner_staff)
    rule = world.case.person.safe_contact
    rule.confirmed_at = timezone.now()
    rule.save()
    return referral


def _contact(when: object) -> dict[str, object]:
    return {"occurred_at": when, "channel": "in_person", "outcome": "reached", "summary": "Met"}


def test_the_partner_logs_a_contact_that_keeps_the_service_clock_running(world):
    referral = _delivering(world)
    when = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = _client(world.partner_staff).post(
        _url("incoming-referral-contact", referral_id=referral.pk), _contact(when)
    )
    assert response.status_code == 302
    contact = world.case.contacts.get()
    assert contact.organization == world.partner
    assert contact.staff == world.partner_staff
    referral.planned_service.refresh_from_db()
    assert referral.planned_service.last_contact_at == contact.occurred_at


def test_r31_the_partner_cannot_log_a_contact_on_stale_safe_contact_rules(world):
    referral = _delivering(world)
    rule = world.case.person.safe_contact
    rule.confirmed_at = timezone.now() - timedelta(days=400)
    rule.save()
    response = _client(world.partner_staff).post(
        _url("incoming-referral-contact", referral_id=referral.pk),
        _contact(timezone.localtime().strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 400
    assert "need re-confirming by the lead organization" in response.content.decode()
    assert not world.case.contacts.exists()


def test_no_contact_is_logged_before_the_referral_is_accepted(world):
    _consent(world, ["plan"])
    referral = _referral(world)
    response = _client(world.partner_staff).post(
        _url("incoming-referral-contact", referral_id=referral.pk),
        _contact(timezone.localtime().strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 400
    assert not world.case.contacts.exists()


def test_a_contact_in_the_future_is_refused_with_a_field_message(world):
    referral = _delivering(world)
    later = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = _client(world.partner_staff).post(
        _url("incoming-referral-contact", referral_id=referral.pk), _contact(later)
    )
    assert response.status_code == 400
    assert "cannot be logged before it happened" in response.content.decode()
    assert not world.case.contacts.exists()
