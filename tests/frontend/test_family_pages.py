"""Family and guardians on the case page (issue 18): adding, editing and ending family members,
the "may consent alone" flag (R09), and the signature form's signers and reasons (R06-R10).
A minor's consent is completed here on pages only."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.models import FamilyMember, Flag, Person
from consent.models import Consent, ConsentPurpose, Signature, SignerRule
from consent.policy import consents_in_force, viewer_for
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent, sign
from tests.documents import scan_upload
from tests.frontend.clients import signed_in, url

pytestmark = pytest.mark.django_db

MOTHER = FamilyMember.Relation.MOTHER
FATHER = FamilyMember.Relation.FATHER
HARM_WORDS = ("Harmed the young person", "Harmed the other parent", "harmed")


def member_data(**changes: object) -> dict:
    data = {"name": "Rosalind Okafor", "relation": MOTHER, "phone": "+1 555 0100"}
    data.update(changes)
    # An unticked box is simply absent from a posted form.
    return {k: v for k, v in data.items() if v is not False}


def add_member(world: World, **changes: object) -> FamilyMember:
    response = signed_in(world.advocate).post(url("family-new", world), member_data(**changes))
    assert response.status_code == 302, response.context["form"].errors
    return FamilyMember.objects.latest("pk")


def make_adult(world: World) -> None:
    person = world.case.person
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.localdate().year - 25, 1, 1)
    person.save()


def ask_for_signed_form(world: World) -> Consent:
    """Request a consent on the request page, choosing to record a signed form."""
    today = timezone.localdate()
    response = signed_in(world.advocate).post(
        url("consent-request", world),
        {
            "recipient": world.partner.pk,
            "categories": ["plan", "contact"],
            "purpose": ConsentPurpose.REFERRAL,
            "purpose_text": "",
            "starts_on": today.isoformat(),
            "expires_on": (today + timedelta(days=90)).isoformat(),
            "language": "en",
            "step": "sign",
        },
    )
    consent = Consent.objects.latest("pk")
    assert response["Location"] == url("consent-sign", world, consent_id=consent.pk)
    return consent


def record_signature(world: World, consent: Consent, signer: str) -> object:
    return signed_in(world.advocate).post(
        url("consent-sign", world, consent_id=consent.pk),
        {
            "signer": signer,
            "method": "uploaded_form",
            "signed_on": timezone.localdate().isoformat(),
            "scan": scan_upload(),
        },
    )


def partner_consents(world: World) -> dict:
    return consents_in_force(viewer=viewer_for(world.partner_staff), case_ids=[world.case.pk])


# --- the family record ------------------------------------------------------------------------


def test_the_case_page_lists_the_family_with_their_marks_and_links(world: World) -> None:
    mother = f.FamilyMemberFactory(
        person=world.case.person, name="Rosalind", relation=MOTHER, contact_is_safe=True
    )
    father = f.FamilyMemberFactory(
        person=world.case.person,
        name="Bartholomew",
        relation=FATHER,
        is_legal_guardian=False,
        harmed_young_person=True,
    )
    response = signed_in(world.advocate).get(url("case", world))
    body = response.content.decode()
    assert response.status_code == 200
    assert [m.pk for m in response.context["family"]] == [father.pk, mother.pk]
    assert "Rosalind" in body and "Bartholomew" in body
    assert "Harmed the young person" in body
    assert "Not confirmed safe: do not contact" in body
    assert url("family-new", world) in body
    assert url("family-edit", world, member_id=mother.pk) in body
    assert url("family-end", world, member_id=father.pk) in body
    assert url("may-consent-alone", world) in body
    # Why the father cannot sign, in plain words, beside his name.
    assert response.context["family"][0].why_not_signer.startswith("A person recorded as having")
    assert response.context["family"][1].why_not_signer == ""


def test_adding_a_family_member_records_them_with_who_added_them(world: World) -> None:
    response = signed_in(world.advocate).post(
        url("family-new", world),
        member_data(is_legal_guardian="on", contact_is_safe="on", notes="Lives nearby"),
    )
    assert response.status_code == 302
    assert response["Location"] == url("case", world) + "#family"
    member = FamilyMember.objects.get()
    assert (member.person, member.name) == (world.case.person, "Rosalind Okafor")
    assert member.relation == MOTHER
    assert member.is_legal_guardian and member.contact_is_safe and not member.is_recorded_abuser
    assert member.notes == "Lives nearby"
    assert member.history.get().history_user == world.advocate


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"relation": "cousin"}, "relation"),
        ({"relation": "other", "relation_other": ""}, "relation_other"),
        ({"is_court_appointed": "on"}, "is_court_appointed"),
        ({"harmed_young_person": "on", "contact_is_safe": "on"}, "contact_is_safe"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_bad_input_shows_form_errors_and_writes_nothing(
    world: World, changes: dict, field: str
) -> None:
    response = signed_in(world.advocate).post(url("family-new", world), member_data(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not FamilyMember.objects.exists()


def test_editing_a_family_member_is_kept_in_their_history(world: World) -> None:
    member = add_member(world)
    client = signed_in(world.supervisor)
    page = client.get(url("family-edit", world, member_id=member.pk))
    assert page.status_code == 200
    assert page.context["form"].initial["name"] == "Rosalind Okafor"
    response = client.post(
        url("family-edit", world, member_id=member.pk),
        member_data(relation=FATHER, harmed_other_parent="on"),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.relation == FATHER and member.harmed_other_parent
    latest = member.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == world.supervisor
    assert member.history.count() == 2


def test_a_refused_edit_changes_nothing(world: World) -> None:
    member = add_member(world, contact_is_safe="on")
    response = signed_in(world.advocate).post(
        url("family-edit", world, member_id=member.pk),
        member_data(contact_is_safe="on", harmed_young_person="on"),
    )
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.contact_is_safe and not member.harmed_young_person
    assert member.history.count() == 1


def test_a_family_member_of_another_young_person_is_not_found(world: World) -> None:
    stranger = f.FamilyMemberFactory()
    client = signed_in(world.advocate)
    assert client.get(url("family-edit", world, member_id=stranger.pk)).status_code == 404
    assert client.post(url("family-end", world, member_id=stranger.pk)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.ended_on is None


def test_ending_a_family_member_takes_them_off_the_record_and_keeps_their_signature(
    world: World,
) -> None:
    parent = add_member(world, contact_is_safe="on")
    consent = ask_for_signed_form(world)
    assert record_signature(world, consent, "young_person").status_code == 302
    assert record_signature(world, consent, str(parent.pk)).status_code == 302
    client = signed_in(world.advocate)
    confirm = client.get(url("family-end", world, member_id=parent.pk))
    assert confirm.status_code == 200
    assert "keep their signature" in confirm.content.decode()
    response = client.post(url("family-end", world, member_id=parent.pk))
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.ended_on == timezone.localdate()
    assert parent.history.order_by("-history_id").first().history_user == world.advocate
    # Off the family list, not editable, and not offered as a signer any more.
    assert parent not in signed_in(world.advocate).get(url("case", world)).context["family"]
    assert client.get(url("family-edit", world, member_id=parent.pk)).status_code == 404
    # The consent they signed keeps their signature and stays in force.
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert consent.signatures.filter(family_member=parent).exists()
    detail = client.get(url("consent-detail", world, consent_id=consent.pk))
    assert detail.status_code == 200


def test_an_ended_family_member_cannot_sign(world: World) -> None:
    parent = add_member(world, contact_is_safe="on")
    consent = ask_for_signed_form(world)
    ended = signed_in(world.advocate).post(url("family-end", world, member_id=parent.pk))
    assert ended.status_code == 302, ended.content.decode()[-3000:]
    response = record_signature(world, consent, str(parent.pk))
    assert response.status_code == 400
    assert not Signature.objects.exists()


# --- harm marks stay with the lead organization (R07) ----------------------------------------


def test_r07_harm_marks_are_never_shown_to_a_partner_holding_a_family_consent(
    world: World,
) -> None:
    f.FamilyMemberFactory(
        person=world.case.person,
        name="Bartholomew",
        relation=FATHER,
        harmed_young_person=True,
        harmed_other_parent=True,
    )
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    response = signed_in(world.partner_staff).get(
        reverse("frontend:partner-case", kwargs={"case_id": world.case.pk})
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Bartholomew" in body  # the family is released to them
    assert not [words for words in HARM_WORDS if words in body]
    # The family pages themselves are the lead staff's only.
    assert signed_in(world.partner_staff).get(url("family-new", world)).status_code == 404


def test_r07_harm_marks_are_never_shown_to_the_young_person(world: World) -> None:
    f.FamilyMemberFactory(
        person=world.case.person, name="Bartholomew", relation=FATHER, harmed_young_person=True
    )
    client = signed_in(world.young_person)
    for name in ("portal-home", "portal-consents", "portal-export"):
        response = client.get(reverse(f"frontend:{name}"))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert not [words for words in HARM_WORDS if words in body], name
    assert client.get(url("case", world)).status_code == 404
    assert client.get(url("family-new", world)).status_code == 404


# --- the signature form ----------------------------------------------------------------------


def test_the_signature_form_lists_every_eligible_signer_and_why_the_others_are_not(
    world: World,
) -> None:
    mother = add_member(world, name="Ada Mother", contact_is_safe="on")
    custodian = add_member(
        world, name="Bea Custodian", relation="legal_custodian", contact_is_safe="on"
    )
    unsafe = add_member(world, name="Cy Unsafe", relation=FATHER)
    harmer = add_member(world, name="Dot Harmer", relation="stepparent", harmed_young_person="on")
    aunt = add_member(world, name="Eve Aunt", relation="aunt_uncle", contact_is_safe="on")
    consent = ask_for_signed_form(world)
    response = signed_in(world.advocate).get(url("consent-sign", world, consent_id=consent.pk))
    assert response.status_code == 200
    choices = [value for value, _ in response.context["form"].fields["signer"].choices]
    assert choices == ["young_person", str(mother.pk), str(custodian.pk)]
    reasons = {member.pk: reason for member, _, reason in response.context["refused"]}
    assert reasons == {
        unsafe.pk: "This person has not been confirmed safe to contact, so they cannot sign.",
        harmer.pk: "A person recorded as having harmed the young person or a parent cannot sign.",
        aunt.pk: "Only a parent, legal guardian or legal custodian can sign.",
    }
    body = response.content.decode()
    assert "Who cannot sign, and why" in body
    assert "Eve Aunt" in body and "Only a parent, legal guardian or legal custodian" in body


def test_once_a_parent_signed_no_other_family_member_is_offered(world: World) -> None:
    mother = add_member(world, name="Ada Mother", contact_is_safe="on")
    father = add_member(world, name="Ben Father", relation=FATHER, contact_is_safe="on")
    consent = ask_for_signed_form(world)
    assert record_signature(world, consent, str(mother.pk)).status_code == 302
    response = signed_in(world.advocate).get(url("consent-sign", world, consent_id=consent.pk))
    choices = [value for value, _ in response.context["form"].fields["signer"].choices]
    assert choices == ["young_person"]
    reasons = {member.pk: reason for member, _, reason in response.context["refused"]}
    assert reasons[mother.pk] == "This person has already signed."
    assert "one is enough" in reasons[father.pk]


def test_a_minor_with_nobody_who_may_sign_is_told_what_to_record(world: World) -> None:
    consent = ask_for_signed_form(world)
    body = (
        signed_in(world.advocate)
        .get(url("consent-sign", world, consent_id=consent.pk))
        .content.decode()
    )
    assert "A parent, legal guardian or legal custodian who is safe to contact" in body
    assert url("case", world) + "#family" in body


# --- a minor's consent, completed on pages only ----------------------------------------------


def test_r06_a_minors_consent_is_completed_with_a_safe_parent_on_pages_only(
    world: World,
) -> None:
    parent = add_member(world, name="Ada Mother", contact_is_safe="on")
    consent = ask_for_signed_form(world)
    assert consent.signer_rule == SignerRule.MINOR_WITH_PARENT
    assert record_signature(world, consent, "young_person").status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert partner_consents(world) == {}
    assert record_signature(world, consent, str(parent.pk)).status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert consent.signatures.get(family_member=parent).signer_role == "parent"
    assert partner_consents(world) != {}


def test_r07_a_parent_who_harmed_them_cannot_be_recorded_as_a_signer(world: World) -> None:
    harmer = add_member(world, name="Bartholomew", relation=FATHER, harmed_young_person="on")
    consent = ask_for_signed_form(world)
    assert record_signature(world, consent, "young_person").status_code == 302
    response = record_signature(world, consent, str(harmer.pk))
    assert response.status_code == 400
    assert "harmed" in response.context["form"].errors["signer"][0]
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert not consent.signatures.filter(family_member=harmer).exists()
    assert partner_consents(world) == {}


def test_r07_harm_marked_on_a_parent_after_they_were_listed_refuses_them(world: World) -> None:
    parent = add_member(world, name="Ada Mother", contact_is_safe="on")
    consent = ask_for_signed_form(world)
    signed_in(world.advocate).post(
        url("family-edit", world, member_id=parent.pk),
        member_data(name="Ada Mother", harmed_other_parent="on"),
    )
    response = record_signature(world, consent, str(parent.pk))
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_r09_may_consent_alone_needs_its_legal_basis(world: World) -> None:
    client = signed_in(world.advocate)
    assert client.get(url("may-consent-alone", world)).status_code == 200
    response = client.post(url("may-consent-alone", world), {"action": "set", "legal_basis": " "})
    assert response.status_code == 400
    assert "legal_basis" in response.context["form"].errors
    assert not Flag.objects.exists()


def test_r09_with_the_flag_and_its_basis_the_young_persons_signature_alone_activates(
    world: World,
) -> None:
    client = signed_in(world.advocate)
    response = client.post(
        url("may-consent-alone", world),
        {"action": "set", "legal_basis": "State law on minors' consent to shelter services"},
    )
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert flag.kind == Flag.Kind.MAY_CONSENT_ALONE and flag.raised_by == world.advocate
    assert "State law on minors" in client.get(url("case", world)).content.decode()
    consent = ask_for_signed_form(world)
    assert consent.signer_rule == SignerRule.MINOR_ALONE
    assert consent.signer_rule_basis == "State law on minors' consent to shelter services"
    assert record_signature(world, consent, "young_person").status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


def test_r09_changing_the_basis_keeps_one_flag_and_clearing_needs_a_parent_again(
    world: World,
) -> None:
    client = signed_in(world.advocate)
    client.post(url("may-consent-alone", world), {"action": "set", "legal_basis": "First basis"})
    client.post(url("may-consent-alone", world), {"action": "set", "legal_basis": "Court order"})
    current = Flag.objects.filter(cleared_at__isnull=True)
    assert [flag.text for flag in current] == ["Court order"]
    response = client.post(url("may-consent-alone", world), {"action": "clear"})
    assert response.status_code == 302
    assert not Flag.objects.filter(cleared_at__isnull=True).exists()
    assert ask_for_signed_form(world).signer_rule == SignerRule.MINOR_WITH_PARENT


def test_r10_an_adults_court_appointed_guardian_signs(world: World) -> None:
    make_adult(world)
    guardian = add_member(
        world,
        name="Gil Guardian",
        relation="legal_guardian",
        is_legal_guardian="on",
        is_court_appointed="on",
        contact_is_safe="on",
    )
    mother = add_member(world, name="Ada Mother", contact_is_safe="on")
    consent = ask_for_signed_form(world)
    assert consent.signer_rule == SignerRule.ADULT_WITH_GUARDIAN
    response = signed_in(world.advocate).get(url("consent-sign", world, consent_id=consent.pk))
    choices = [value for value, _ in response.context["form"].fields["signer"].choices]
    assert choices == ["young_person", str(guardian.pk)]
    reasons = {member.pk: reason for member, _, reason in response.context["refused"]}
    assert reasons == {mother.pk: "Only the court-appointed guardian signs."}
    assert record_signature(world, consent, "young_person").status_code == 302
    assert record_signature(world, consent, str(mother.pk)).status_code == 400
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert record_signature(world, consent, str(guardian.pk)).status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert consent.signatures.get(family_member=guardian).signer_role == (
        "court_appointed_guardian"
    )


def test_r10_an_ended_guardian_no_longer_has_to_sign(world: World) -> None:
    make_adult(world)
    guardian = add_member(
        world,
        relation="legal_guardian",
        is_legal_guardian="on",
        is_court_appointed="on",
        contact_is_safe="on",
    )
    signed_in(world.advocate).post(url("family-end", world, member_id=guardian.pk))
    assert ask_for_signed_form(world).signer_rule == SignerRule.SELF


def test_an_adult_signs_alone_and_the_family_is_told_why(world: World) -> None:
    make_adult(world)
    mother = add_member(world, name="Ada Mother", contact_is_safe="on")
    consent = ask_for_signed_form(world)
    response = signed_in(world.advocate).get(url("consent-sign", world, consent_id=consent.pk))
    reasons = {member.pk: reason for member, _, reason in response.context["refused"]}
    assert reasons == {mother.pk: "The young person signs this consent alone."}
    sign(consent, by=world.advocate)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


def test_r07_a_partner_holding_a_family_consent_gets_no_harm_marks_from_the_api(
    world: World, api_for: Callable[[User], object]
) -> None:
    member = f.FamilyMemberFactory(
        person=world.case.person, name="Bartholomew", relation=FATHER, harmed_young_person=True
    )
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    detail = reverse("family-member-detail", args=[member.pk])
    data = api_for(world.partner_staff).get(detail).data
    assert data["name"] == "Bartholomew"
    assert "harmed_young_person" not in data and "harmed_other_parent" not in data
    assert api_for(world.advocate).get(detail).data["harmed_young_person"] is True


def test_r07_the_young_person_gets_no_harm_marks_from_the_api(
    world: World, api_for: Callable[[User], object]
) -> None:
    """Someone else may hold the young person's phone: the marks stay with the lead's staff."""
    member = f.FamilyMemberFactory(
        person=world.case.person, name="Bartholomew", relation=FATHER, harmed_young_person=True
    )
    client = api_for(world.young_person)

    detail = client.get(reverse("family-member-detail", args=[member.pk])).data
    rows = client.get(reverse("family-member-list")).data["results"]

    assert detail["name"] == "Bartholomew"
    for shown in (detail, *rows):
        assert "harmed_young_person" not in shown and "harmed_other_parent" not in shown


def test_a_partner_no_longer_sees_a_relative_taken_off_the_record(world: World) -> None:
    member = f.FamilyMemberFactory(person=world.case.person, name="Bartholomew")
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    signed_in(world.advocate).post(url("family-end", world, member_id=member.pk))
    body = (
        signed_in(world.partner_staff)
        .get(reverse("frontend:partner-case", kwargs={"case_id": world.case.pk}))
        .content.decode()
    )
    assert "Bartholomew" not in body
