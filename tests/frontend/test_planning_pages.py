"""The planning pages: plan editor, consent requests (preview, signatures, withdrawal) and
referrals, for the lead organization's care team and supervisors only."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.models import FamilyMember, Goal, PlannedService, PlanVersion, Referral, ServicePlan
from cases.services.plans import request_plan_changes, start_plan_version, submit_plan_version
from consent.models import AccessEvent, Consent, ConsentPurpose, RevocationChannel, Signature
from consent.policy import consents_in_force, viewer_for
from consent.preview import CATEGORY_WORDS
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent, pending_consent, safe_parent
from tests.documents import scan_upload
from tests.frontend.clients import signed_in, url

pytestmark = pytest.mark.django_db


def goal(world: World, description: str = "I want my own room") -> Goal:
    plan, _ = ServicePlan.objects.get_or_create(case=world.case)
    return f.GoalFactory(plan=plan, description=description)


def terms(world: World, **changes: object) -> dict:
    today = timezone.localdate()
    data = {
        "recipient": world.partner.pk,
        "categories": ["plan", "contact"],
        "purpose": ConsentPurpose.REFERRAL,
        "purpose_text": "",
        "starts_on": today.isoformat(),
        "expires_on": (today + timedelta(days=90)).isoformat(),
        "language": "en",
    }
    return {**data, **changes}


def errors_of(response, form: str = "form") -> dict:
    return response.context[form].errors


# --- the plan editor -------------------------------------------------------------------------


def test_plan_editor_shows_goals_their_services_and_the_versions(world: World) -> None:
    service = f.PlannedServiceFactory(goal=goal(world), provider=world.partner)
    response = signed_in(world.advocate).get(url("plan-editor", world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "I want my own room" in body
    assert service.service_type.name in body and "Partner Housing" in body
    assert "<title>Plan · Harbor</title>" in body


def test_advocate_adds_a_goal_in_the_young_persons_own_words(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("plan-goal-add", world), {"description": "Finish school", "domain": "education"}
    )
    assert response.status_code == 302
    assert Goal.objects.get(plan__case=world.case).description == "Finish school"


def test_goal_without_words_is_refused_with_a_field_message_and_nothing_written(
    world: World,
) -> None:
    response = signed_in(world.advocate).post(
        url("plan-goal-add", world), {"description": "   ", "domain": "education"}
    )
    assert response.status_code == 400
    assert "description" in errors_of(response, "goal_form")
    assert not Goal.objects.exists()


def test_advocate_changes_a_goals_words_and_status(world: World) -> None:
    target = goal(world)
    response = signed_in(world.advocate).post(
        url("plan-goal-edit", world, goal_id=target.pk),
        {"description": "My own flat", "domain": "housing", "status": "achieved"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.description, target.status) == ("My own flat", "achieved")


def test_advocate_plans_a_service_with_its_provider(world: World) -> None:
    target = goal(world)
    kind = f.service_type("housing_navigation")
    response = signed_in(world.advocate).post(
        url("plan-service-add", world, goal_id=target.pk),
        {"service_type": kind.pk, "provider": world.partner.pk, "expected_contact_days": 7},
    )
    assert response.status_code == 302
    service = PlannedService.objects.get(goal=target)
    assert (service.provider, service.status) == (world.partner, "proposed")


def test_service_ending_before_it_starts_is_refused_with_the_services_message(
    world: World,
) -> None:
    target = goal(world)
    response = signed_in(world.advocate).post(
        url("plan-service-add", world, goal_id=target.pk),
        {
            "service_type": f.service_type().pk,
            "starts_on": "2026-05-10",
            "ends_on": "2026-05-01",
            "expected_contact_days": 14,
        },
    )
    assert response.status_code == 400
    assert errors_of(response)["ends_on"] == ["The end date must not be before the start date."]
    assert not PlannedService.objects.exists()


def test_advocate_changes_a_planned_services_provider_and_moves_it(world: World) -> None:
    service = f.PlannedServiceFactory(goal=goal(world))
    client = signed_in(world.advocate)
    response = client.post(
        url("plan-service-edit", world, service_id=service.pk),
        {
            "service_type": service.service_type_id,
            "provider": world.partner.pk,
            "expected_contact_days": 14,
        },
    )
    assert response.status_code == 302
    response = client.post(
        url("plan-service-move", world, service_id=service.pk), {"status": "active"}
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.provider, service.status) == (world.partner, "active")


def test_a_move_not_allowed_from_the_current_status_is_refused(world: World) -> None:
    service = f.PlannedServiceFactory(goal=goal(world))
    response = signed_in(world.advocate).post(
        url("plan-service-move", world, service_id=service.pk), {"status": "completed"}
    )
    assert response.status_code == 400
    assert "cannot move from 'proposed'" in errors_of(response, "move_form")["__all__"][0]
    service.refresh_from_db()
    assert service.status == "proposed"


def test_submitting_a_version_asks_the_young_person_for_approval(world: World) -> None:
    goal(world)
    response = signed_in(world.advocate).post(
        url("plan-version-submit", world), {"summary": "First plan"}
    )
    assert response.status_code == 302
    version = PlanVersion.objects.get(plan__case=world.case)
    assert version.status == PlanVersion.Status.AWAITING_APPROVAL
    assert version.content["goals"][0]["description"] == "I want my own room"


def test_a_second_version_while_one_awaits_approval_is_refused_and_starts_nothing(
    world: World,
) -> None:
    version = start_plan_version(case=world.case, actor=world.advocate)
    submit_plan_version(version=version, actor=world.advocate)
    response = signed_in(world.advocate).post(url("plan-version-submit", world), {})
    assert response.status_code == 400
    assert "still in progress" in str(errors_of(response, "version_form"))
    assert PlanVersion.objects.count() == 1


def test_changes_requested_show_the_comment_and_the_draft_is_submitted_again(
    world: World,
) -> None:
    version = start_plan_version(case=world.case, actor=world.advocate)
    submit_plan_version(version=version, actor=world.advocate)
    request_plan_changes(
        version=version, actor=world.young_person, changes_requested="Add my job search"
    )
    client = signed_in(world.advocate)
    body = client.get(url("plan-editor", world)).content.decode()
    assert "Changes requested" in body and "Add my job search" in body
    assert client.post(url("plan-version-submit", world), {}).status_code == 302
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.AWAITING_APPROVAL
    assert PlanVersion.objects.count() == 1


def test_supervisor_of_the_lead_organization_may_edit_the_plan(world: World) -> None:
    response = signed_in(world.supervisor).post(
        url("plan-goal-add", world), {"description": "Feel safe", "domain": "safety"}
    )
    assert response.status_code == 302


def test_plan_editor_queries_do_not_grow_with_goals_and_services(
    world: World, constant_queries
) -> None:
    client = signed_in(world.advocate)
    for size in (1, 4):
        for _ in range(size):
            f.PlannedServiceFactory(goal=goal(world), provider=world.partner)
        with constant_queries(budget=16):
            assert client.get(url("plan-editor", world)).status_code == 200


# --- the consent request -----------------------------------------------------------------------


def test_request_form_starts_today_and_expires_after_the_default_period(world: World) -> None:
    response = signed_in(world.advocate).get(url("consent-request", world))
    form = response.context["form"]
    days = settings.HARBOR["CONSENT_DEFAULT_DAYS"]
    assert form["starts_on"].initial == timezone.localdate()
    assert (form["expires_on"].initial - form["starts_on"].initial).days == days


def test_preview_shows_exactly_the_chosen_categories_and_writes_nothing(world: World) -> None:
    response = signed_in(world.advocate).post(url("consent-request", world), terms(world))
    assert response.status_code == 200
    preview = response.context["preview"]
    words = CATEGORY_WORDS["en"]
    assert preview.shared == [words["contact"], words["plan"]]
    assert words["identity"] in preview.not_shared
    body = response.content.decode()
    assert words["plan"] in body and preview.summary in body
    assert not Consent.objects.exists()


def test_preview_speaks_spanish_when_asked(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, language="es")
    )
    assert CATEGORY_WORDS["es"]["plan"] in response.content.decode()


def test_the_spanish_plan_editor_names_service_types_in_spanish(world: World) -> None:
    world.advocate.preferred_language = "es"
    world.advocate.save()
    planned = f.PlannedServiceFactory(
        goal=goal(world), service_type=f.service_type("case_management")
    )

    editor = signed_in(world.advocate).get(url("plan-editor", world)).content.decode()
    form = signed_in(world.advocate).get(url("plan-service-add", world, goal_id=planned.goal_id))

    assert "Gestión de casos" in editor and "Case management" not in editor
    assert "Vivienda de transición" in form.content.decode()


def test_r01_consent_without_expiry_is_refused_on_the_form(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, expires_on="", step="portal")
    )
    assert response.status_code == 400
    assert errors_of(response)["expires_on"] == ["A consent needs an expiry date."]
    assert not Consent.objects.exists()


def test_r01_expiry_before_the_start_is_refused_on_the_form(world: World) -> None:
    today = timezone.localdate()
    response = signed_in(world.advocate).post(
        url("consent-request", world),
        terms(world, expires_on=(today - timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 400
    assert errors_of(response)["expires_on"] == ["The expiry must come after the start."]


def test_r01_period_longer_than_the_maximum_is_refused_on_the_form(world: World) -> None:
    too_long = timezone.localdate() + timedelta(days=settings.HARBOR["CONSENT_MAX_DAYS"] + 1)
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, expires_on=too_long.isoformat())
    )
    assert response.status_code == 400
    assert "at most" in errors_of(response)["expires_on"][0]


def test_r03_consent_without_a_category_is_refused_on_the_form(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, categories=[], step="portal")
    )
    assert response.status_code == 400
    assert errors_of(response)["categories"] == ["Choose at least one data category."]
    assert not Consent.objects.exists()


def test_r03_purpose_other_needs_its_words(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, purpose=ConsentPurpose.OTHER)
    )
    assert response.status_code == 400
    assert errors_of(response)["purpose_text"] == ["Describe the purpose when it is 'other'."]


def test_r02_the_lead_organization_is_not_offered_as_a_recipient(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, recipient=world.lead.pk)
    )
    assert response.status_code == 400
    assert "recipient" in errors_of(response)


def test_sending_to_the_portal_leaves_the_consent_waiting_for_signatures(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, step="portal")
    )
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("consent-detail", world, consent_id=consent.pk)
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert consent.categories == ["contact", "plan"]


def test_choosing_a_signed_form_goes_to_the_signature_page(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("consent-request", world), terms(world, step="sign")
    )
    consent = Consent.objects.get()
    assert response["Location"] == url("consent-sign", world, consent_id=consent.pk)


def test_consent_detail_names_the_signers_still_missing(world: World) -> None:
    consent = pending_consent(world)
    response = signed_in(world.advocate).get(url("consent-detail", world, consent_id=consent.pk))
    assert response.status_code == 200
    assert response.context["missing"] == [
        "the young person",
        "one parent, legal guardian or legal custodian",
    ]


def test_r06_recording_both_written_signatures_activates_the_consent(world: World) -> None:
    consent = pending_consent(world)
    parent = safe_parent(world.case)
    client = signed_in(world.advocate)
    sign_url = url("consent-sign", world, consent_id=consent.pk)
    today = timezone.localdate().isoformat()
    form = {"method": "uploaded_form", "signed_on": today}
    signed = {**form, "signer": "young_person", "scan": scan_upload()}
    assert client.post(sign_url, signed).status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert (
        client.post(sign_url, {**form, "signer": str(parent.pk), "scan": scan_upload()}).status_code
        == 302
    )
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    body = client.get(url("consent-detail", world, consent_id=consent.pk)).content.decode()
    assert f"/api/v1/consents/{consent.pk}/receipt.html" in body


def test_r07_a_recorded_abuser_cannot_be_added_as_a_signer(world: World) -> None:
    consent = pending_consent(world)
    abuser = f.FamilyMemberFactory(
        person=world.case.person,
        relation=FamilyMember.Relation.FATHER,
        harmed_young_person=True,
        contact_is_safe=True,
    )
    response = signed_in(world.advocate).post(
        url("consent-sign", world, consent_id=consent.pk),
        {
            "signer": str(abuser.pk),
            "method": "uploaded_form",
            "signed_on": timezone.localdate().isoformat(),
            "scan": scan_upload(),
        },
    )
    assert response.status_code == 400
    assert "harmed" in errors_of(response)["signer"][0]
    assert not Signature.objects.exists()


def test_r05_r45_a_signature_without_the_scan_of_the_form_is_refused(world: World) -> None:
    consent = pending_consent(world)
    response = signed_in(world.advocate).post(
        url("consent-sign", world, consent_id=consent.pk),
        {
            "signer": "young_person",
            "method": "uploaded_form",
            "signed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert errors_of(response)["scan"] == ["Upload the scan of the signed form."]
    assert not Signature.objects.exists()


def test_r04_staff_cannot_record_a_portal_esignature_for_the_young_person(world: World) -> None:
    consent = pending_consent(world)
    response = signed_in(world.advocate).post(
        url("consent-sign", world, consent_id=consent.pk),
        {
            "signer": "young_person",
            "method": "portal_esignature",
            "signed_on": timezone.localdate().isoformat(),
            "scan": scan_upload(),
        },
    )
    assert response.status_code == 400
    assert "method" in errors_of(response)
    assert not Signature.objects.exists()


def test_r13_withdrawal_page_asks_for_confirmation_and_changes_nothing(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    response = signed_in(world.advocate).get(url("consent-withdraw", world, consent_id=consent.pk))
    assert response.status_code == 200
    assert "Confirm the withdrawal" in response.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


def test_r13_a_spoken_withdrawal_ends_the_partners_access_at_once(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    response = signed_in(world.advocate).post(
        url("consent-withdraw", world, consent_id=consent.pk),
        {"channel": RevocationChannel.SPOKEN, "reason": "Told me on the phone"},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED
    assert (consent.revocation_channel, consent.revoked_by) == ("staff_spoken", world.advocate)
    partner = viewer_for(world.partner_staff)
    assert consents_in_force(viewer=partner, case_ids=[world.case.pk]) == {}


def test_r15_withdrawing_a_consent_that_is_not_active_is_refused(world: World) -> None:
    consent = pending_consent(world)
    response = signed_in(world.advocate).post(
        url("consent-withdraw", world, consent_id=consent.pk), {"channel": "staff_spoken"}
    )
    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE


def test_r12_asking_again_makes_a_new_consent_and_the_active_one_stays(world: World) -> None:
    active = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    signed_in(world.advocate).post(url("consent-request", world), terms(world, step="portal"))
    active.refresh_from_db()
    assert active.status == Consent.Status.ACTIVE and active.categories == ["plan"]
    assert Consent.objects.count() == 2


def test_the_case_page_lists_every_consent_with_its_state_and_a_link(world: World) -> None:
    """Issue 18: a consent is found again from the case page, whatever its state."""
    active = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    waiting = pending_consent(world)
    withdrawn = grant_consent(
        world.case, f.OrganizationFactory(name="Gone Org"), ["plan"], by=world.advocate
    )
    signed_in(world.advocate).post(
        url("consent-withdraw", world, consent_id=withdrawn.pk), {"channel": "staff_spoken"}
    )

    page = signed_in(world.advocate).get(
        reverse("frontend:case", kwargs={"case_id": world.case.pk})
    )

    body = page.content.decode()
    for consent in (active, waiting, withdrawn):
        assert url("consent-detail", world, consent_id=consent.pk) in body
    assert body.index("Active") < body.index("Pending signature") < body.index("Revoked")
    assert "1 consent is waiting for signatures." in body


def test_r12_renewing_sends_the_same_terms_for_signatures_and_keeps_the_active_one(
    world: World,
) -> None:
    active = grant_consent(world.case, world.partner, ["plan", "identity"], by=world.advocate)

    response = signed_in(world.advocate).post(url("consent-renew", world, consent_id=active.pk))

    renewal = Consent.objects.exclude(pk=active.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("consent-detail", world, consent_id=renewal.pk)
    assert renewal.status == Consent.Status.PENDING_SIGNATURE
    assert (renewal.recipient, sorted(renewal.categories)) == (world.partner, ["identity", "plan"])
    assert renewal.replaces_id == active.pk
    active.refresh_from_db()
    assert active.status == Consent.Status.ACTIVE


def test_a_withdrawn_consent_is_not_renewed(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    client = signed_in(world.advocate)
    client.post(url("consent-withdraw", world, consent_id=consent.pk), {"channel": "staff_spoken"})

    response = client.post(url("consent-renew", world, consent_id=consent.pk))

    assert response.status_code == 302
    assert Consent.objects.count() == 1


# --- referrals -----------------------------------------------------------------------------------


def test_referral_offers_only_organizations_an_active_consent_covers(world: World) -> None:
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )
    uncovered = f.OrganizationFactory(name="Uncovered Clinic")
    response = signed_in(world.advocate).get(url("referral-new", world))
    offered = list(response.context["form"].fields["to_organization"].queryset)
    assert offered == [world.partner]
    assert uncovered not in offered


def test_referral_is_created_and_sent_to_a_covered_organization(world: World) -> None:
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )
    service = f.PlannedServiceFactory(goal=goal(world))
    response = signed_in(world.advocate).post(
        url("referral-new", world),
        {
            "planned_service": service.pk,
            "to_organization": world.partner.pk,
            "categories": ["plan"],
            "message": "Needs a room",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.status, referral.service_type_id) == ("sent", service.service_type_id)
    service.refresh_from_db()
    assert service.status == PlannedService.Status.REFERRED


def test_referral_refused_without_a_consent_covering_its_categories_writes_nothing(
    world: World,
) -> None:
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )
    response = signed_in(world.advocate).post(
        url("referral-new", world),
        {
            "service_type": f.service_type().pk,
            "to_organization": world.partner.pk,
            "categories": ["plan", "contact"],
        },
    )
    assert response.status_code == 400
    assert "contact" in str(errors_of(response).get("__all__"))
    assert not Referral.objects.exists()


def test_referral_to_an_organization_no_consent_covers_is_not_accepted(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("referral-new", world),
        {"service_type": f.service_type().pk, "to_organization": world.partner.pk},
    )
    assert response.status_code == 400
    assert "to_organization" in errors_of(response)
    assert not Referral.objects.exists()


def test_page_explains_which_consent_is_missing_for_an_uncovered_organization(
    world: World,
) -> None:
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )
    query = f"?organization={world.partner.pk}&categories=plan&categories=contact"
    response = signed_in(world.advocate).get(url("referral-new", world) + query)
    body = response.content.decode()
    assert "No active consent for Partner Housing covering: Contact" in body
    ask = url("consent-request", world) + f"?recipient={world.partner.pk}&amp;categories=contact"
    assert ask in body


def test_advocate_withdraws_a_sent_referral(world: World) -> None:
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    response = signed_in(world.advocate).post(
        url("referral-withdraw", world, referral_id=referral.pk)
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN


def test_the_referral_form_names_planned_services_by_type_provider_and_goal(world: World) -> None:
    f.PlannedServiceFactory(
        goal=goal(world, "Find a safe place to live"),
        service_type=f.service_type("transitional_housing"),
        provider=world.partner,
    )
    f.PlannedServiceFactory(goal=goal(world, "Go back to school"))
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )

    page = signed_in(world.advocate).get(url("referral-new", world)).content.decode()

    assert f"Transitional housing — {world.partner.name} — Find a safe place to live" in page
    assert "Case management — no provider yet — Go back to school" in page
    assert not re.search(r"planned service \d", page)


def test_withdrawing_a_referral_asks_for_confirmation_first(world: World) -> None:
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    client = signed_in(world.advocate)
    withdraw = url("referral-withdraw", world, referral_id=referral.pk)

    listing = client.get(url("referral-new", world)).content.decode()
    confirmation = client.get(withdraw)

    assert f'<a class="button button-danger" href="{withdraw}">' in listing
    assert confirmation.status_code == 200
    assert '<button type="submit" class="button button-danger">' in confirmation.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_a_referral_that_cannot_be_withdrawn_says_why_on_the_confirmation_page(
    world: World,
) -> None:
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    client = signed_in(world.advocate)
    withdraw = url("referral-withdraw", world, referral_id=referral.pk)
    client.post(withdraw, {"note": "Found another place"})

    again = client.post(withdraw)

    assert again.status_code == 400
    assert "form-errors" in again.content.decode()


def test_r21_partner_staff_under_a_consent_cannot_refer_onward(world: World) -> None:
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    client = signed_in(world.partner_staff)
    assert client.get(url("referral-new", world)).status_code == 404
    response = client.post(
        url("referral-new", world),
        {"service_type": f.service_type().pk, "to_organization": world.partner.pk},
    )
    assert response.status_code == 404
    assert not Referral.objects.exists()


# --- who may use the pages, and the access log ---------------------------------------------


@pytest.mark.parametrize("persona", ["other_advocate", "partner_staff", "young_person", "intake"])
@pytest.mark.parametrize("name", ["plan-editor", "consent-request", "referral-new"])
def test_pages_answer_404_to_anyone_without_a_lead_basis(
    world: World, persona: str, name: str
) -> None:
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    response = signed_in(getattr(world, persona)).get(url(name, world))
    assert response.status_code == 404


def test_opening_the_plan_editor_records_an_allowed_access_event(world: World) -> None:
    signed_in(world.advocate).get(url("plan-editor", world))
    event = AccessEvent.objects.get(user=world.advocate, case=world.case)
    assert (event.action, event.outcome) == ("view", "allowed")


def test_a_write_is_recorded_as_an_edit(world: World) -> None:
    signed_in(world.advocate).post(
        url("plan-goal-add", world), {"description": "Finish school", "domain": "education"}
    )
    event = AccessEvent.objects.get(user=world.advocate, case=world.case)
    assert (event.action, event.outcome) == ("edit", "allowed")


def test_a_refused_partner_is_recorded_as_a_denied_attempt(world: World) -> None:
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    signed_in(world.partner_staff).get(url("plan-editor", world))
    event = AccessEvent.objects.get(user=world.partner_staff, case=world.case)
    assert event.outcome == "denied"


def test_r14_the_consent_page_shows_an_expired_consent_as_expired_before_the_sweep(
    world: World,
) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    Consent.objects.filter(pk=consent.pk).update(
        starts_at=timezone.now() - timedelta(days=30),
        expires_at=timezone.now() - timedelta(seconds=1),
    )  # the sweep has not run: the row still says active

    response = signed_in(world.advocate).get(url("consent-detail", world, consent_id=consent.pk))

    status = response.content.decode().split("Status</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert "Expired" in status
    assert "Active" not in status


def test_staff_record_an_approval_given_in_person_with_its_evidence(world: World) -> None:
    """Issue 18: the young person approved the plan at a meeting; the advocate records it."""
    version = start_plan_version(case=world.case, actor=world.advocate)
    submit_plan_version(version=version, actor=world.advocate)
    approve_url = reverse(
        "frontend:plan-version-approve-in-person",
        kwargs={"case_id": world.case.pk, "version_id": version.pk},
    )
    client = signed_in(world.advocate)

    refused = client.post(approve_url, {"evidence": "", "confirmed": "on"})
    approved = client.post(approve_url, {"evidence": "Signed plan page, 3 Dec", "confirmed": "on"})

    assert refused.status_code == 400
    assert approved.status_code == 302
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.APPROVED
    assert (version.approval_channel, version.approved_by) == ("in_person", world.advocate)
    assert version.approval_evidence == "Signed plan page, 3 Dec"


def test_no_approval_is_recorded_for_a_version_not_awaiting_it(world: World) -> None:
    version = start_plan_version(case=world.case, actor=world.advocate)

    response = signed_in(world.advocate).post(
        reverse(
            "frontend:plan-version-approve-in-person",
            kwargs={"case_id": world.case.pk, "version_id": version.pk},
        ),
        {"evidence": "Meeting", "confirmed": "on"},
    )

    assert response.status_code == 404
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.DRAFT
