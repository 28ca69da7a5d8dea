"""Giving, signing, changing and revoking consent (CONSENT-REQUIREMENTS R01-R16)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, FamilyMember, Flag, Person
from consent import services
from consent.models import (
    CaseGroupObjectPermission,
    Consent,
    ImmutableConsent,
    RevocationChannel,
    Signature,
    SignatureMethod,
    SignerRule,
)
from consent.policy import consents_in_force, viewer_for, visible_cases
from tests import factories as f
from tests.consents import grant_consent, safe_parent, sign

pytestmark = pytest.mark.django_db

Relation = FamilyMember.Relation


def _adult(world) -> Case:
    person = world.case.person
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.localdate().year - 25, 1, 1)
    person.save()
    return world.case


def _minor(world, age: int = 15) -> Case:
    person = world.case.person
    person.birth_date_precision = Person.BirthDatePrecision.YEAR
    person.birth_year = timezone.localdate().year - age - 1
    person.save()
    return world.case


def _draft(world, **terms) -> Consent:
    values = {
        "case": world.case,
        "recipient": world.partner,
        "categories": ["plan"],
        "purpose": Consent.Purpose.REFERRAL,
        "actor": world.advocate,
        "expires_at": timezone.now() + timedelta(days=30),
        **terms,
    }
    return services.draft_consent(**values)


def _pending(world, **terms) -> Consent:
    consent = _draft(world, **terms)
    return services.submit_for_signature(consent=consent, actor=world.advocate)


def _partner_sees(world) -> bool:
    viewer = viewer_for(world.partner_staff)
    return visible_cases(viewer=viewer).filter(pk=world.case.pk).exists()


def _backdate(consent: Consent) -> None:
    """Move a consent's period into the past, as if time had passed."""
    now = timezone.now()
    Consent.objects.filter(pk=consent.pk).update(
        starts_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1)
    )


def _errors(raised: pytest.ExceptionInfo) -> dict:
    return raised.value.message_dict


@pytest.mark.parametrize(
    ("starts_in", "expires_in", "field"),
    [
        (timedelta(0), None, "expires_at"),
        (timedelta(days=10), timedelta(days=5), "expires_at"),
        (timedelta(0), timedelta(days=366), "expires_at"),
    ],
    ids=["no-expiry", "expiry-before-start", "longer-than-maximum"],
)
def test_r01_expiry_is_required_after_the_start_and_within_the_maximum(
    world, starts_in, expires_in, field
):
    now = timezone.now()
    with pytest.raises(ValidationError) as raised:
        _draft(
            world,
            starts_at=now + starts_in,
            expires_at=None if expires_in is None else now + expires_in,
        )

    assert field in _errors(raised)
    assert not Consent.objects.exists()


def test_r01_the_maximum_period_is_a_setting(world, settings):
    settings.HARBOR = {**settings.HARBOR, "CONSENT_MAX_DAYS": 30}

    with pytest.raises(ValidationError) as raised:
        _draft(world, expires_at=timezone.now() + timedelta(days=31))

    assert "30 days" in _errors(raised)["expires_at"][0]
    assert _draft(world, expires_at=timezone.now() + timedelta(days=29)).pk


def test_r01_the_default_period_is_ninety_days_and_a_setting(world, settings):
    start = timezone.now()
    assert services.default_expiry(start) - start == timedelta(days=90)
    settings.HARBOR = {**settings.HARBOR, "CONSENT_DEFAULT_DAYS": 30}
    assert services.default_expiry(start) - start == timedelta(days=30)


def test_r02_a_consent_names_exactly_one_recipient_organization(world):
    with pytest.raises(ValidationError) as raised:
        _draft(world, recipient=None)

    assert "recipient" in _errors(raised)
    field = Consent._meta.get_field("recipient")
    assert field.many_to_one and not field.null  # one organization, never "all partners"


def test_r02_the_lead_organization_is_not_a_recipient(world):
    with pytest.raises(ValidationError) as raised:
        _draft(world, recipient=world.lead)

    assert "recipient" in _errors(raised)


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"categories": []}, "categories"),
        ({"categories": ["plan", "diary"]}, "categories"),
        ({"purpose": "marketing"}, "purpose"),
        ({"purpose": "other", "purpose_text": "  "}, "purpose_text"),
    ],
    ids=["no-category", "unknown-category", "unknown-purpose", "other-without-text"],
)
def test_r03_categories_and_a_purpose_are_required(world, terms, field):
    with pytest.raises(ValidationError) as raised:
        _draft(world, **terms)

    assert field in _errors(raised)
    assert not Consent.objects.exists()


def test_r04_a_verbal_agreement_is_a_draft_that_shares_nothing(world):
    consent = _draft(world, agreed_verbally=True)

    assert consent.status == Consent.Status.DRAFT
    assert not _partner_sees(world)
    assert not CaseGroupObjectPermission.objects.exists()


def test_r04_verbal_is_not_a_signature_method(world):
    consent = _pending(world)

    with pytest.raises(ValidationError) as raised:
        services.add_signature(
            consent=consent,
            recorded_by=world.advocate,
            method="verbal",
            evidence="she said yes on the phone",
            signed_at=timezone.now(),
        )

    assert "method" in _errors(raised)
    assert not Signature.objects.exists()


def test_r04_an_adult_consent_activates_with_the_written_signature(world):
    _adult(world)
    consent = _pending(world)
    assert consent.signer_rule == SignerRule.SELF
    assert not _partner_sees(world)

    sign(consent, by=world.advocate)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert _partner_sees(world)


@pytest.mark.parametrize(
    ("evidence", "signed_at", "field"),
    [("", timezone.now, "evidence"), ("scan", lambda: None, "signed_at")],
    ids=["no-evidence", "no-time"],
)
def test_r05_a_signature_missing_evidence_or_time_is_refused(world, evidence, signed_at, field):
    _adult(world)
    consent = _pending(world)

    with pytest.raises(ValidationError) as raised:
        services.add_signature(
            consent=consent,
            recorded_by=world.advocate,
            method=SignatureMethod.UPLOADED_FORM,
            evidence=evidence,
            signed_at=signed_at(),
        )

    assert field in _errors(raised)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE


def test_r05_every_signature_records_who_role_method_time_evidence_and_recorder(world):
    _adult(world)
    consent = _pending(world)
    sign(consent, by=world.advocate)

    [signature] = consent.signatures.all()
    assert signature.signer_role == "young_person"
    assert signature.method == SignatureMethod.UPLOADED_FORM
    assert signature.signed_at and signature.evidence
    assert signature.recorded_by == world.advocate


def test_r06_a_minor_and_a_parent_both_sign_either_alone_shares_nothing(world):
    _minor(world)
    consent = _pending(world)
    assert consent.signer_rule == SignerRule.MINOR_WITH_PARENT

    sign(consent, by=world.advocate)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert services.missing_signers(consent) == ["one parent, legal guardian or legal custodian"]
    assert not _partner_sees(world)

    sign(consent, by=world.advocate, family_member=safe_parent(world.case))
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert _partner_sees(world)


def test_r06_the_parent_alone_leaves_the_consent_pending(world):
    _minor(world)
    consent = _pending(world)

    sign(consent, by=world.advocate, family_member=safe_parent(world.case))

    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE
    assert services.missing_signers(consent) == ["the young person"]
    assert not _partner_sees(world)


def test_r06_the_self_consent_age_is_a_setting(world, settings):
    _minor(world, age=16)
    settings.HARBOR = {**settings.HARBOR, "SELF_CONSENT_AGE": 16}

    assert _pending(world).signer_rule == SignerRule.SELF


def test_r06_an_unknown_age_counts_as_a_minor(world):
    assert world.case.person.birth_date_precision == Person.BirthDatePrecision.UNKNOWN

    assert _pending(world).signer_rule == SignerRule.MINOR_WITH_PARENT


@pytest.mark.parametrize(
    "harm",
    [
        {"harmed_young_person": True},
        {"harmed_other_parent": True},
        {"contact_is_safe": False},
    ],
    ids=["abused-the-young-person", "abused-the-other-parent", "not-safe"],
)
def test_r07_an_abuser_or_unsafe_person_cannot_sign(world, harm):
    _minor(world)
    consent = _pending(world)
    sign(consent, by=world.advocate)
    values = {"relation": Relation.FATHER, "contact_is_safe": True, **harm}
    father = f.FamilyMemberFactory(person=world.case.person, **values)

    with pytest.raises(ValidationError) as raised:
        sign(consent, by=world.advocate, family_member=father)

    assert "family_member" in _errors(raised)
    assert not consent.signatures.filter(family_member=father).exists()
    assert not _partner_sees(world)
    assert not CaseGroupObjectPermission.objects.exists()


def test_r08_one_non_abusive_parent_is_enough_and_a_second_is_never_asked(world):
    _minor(world)
    consent = _pending(world)
    sign(consent, by=world.advocate)
    sign(consent, by=world.advocate, family_member=safe_parent(world.case))
    consent.refresh_from_db()

    assert consent.status == Consent.Status.ACTIVE
    assert services.missing_signers(consent) == []


def test_r09_with_the_may_consent_alone_flag_the_minor_alone_activates(world):
    _minor(world)
    f.FlagFactory(
        case=world.case, kind=Flag.Kind.MAY_CONSENT_ALONE, text="State minor-consent statute"
    )
    consent = _pending(world)
    assert consent.signer_rule == SignerRule.MINOR_ALONE
    assert consent.signer_rule_basis == "State minor-consent statute"

    sign(consent, by=world.advocate)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


def test_r09_a_cleared_flag_no_longer_counts(world):
    _minor(world)
    f.FlagFactory(
        case=world.case,
        kind=Flag.Kind.MAY_CONSENT_ALONE,
        text="Statute",
        cleared_at=timezone.now(),
    )

    assert _pending(world).signer_rule == SignerRule.MINOR_WITH_PARENT


def test_r10_an_adult_with_a_court_appointed_guardian_needs_the_guardian(world):
    _adult(world)
    guardian = f.FamilyMemberFactory(
        person=world.case.person,
        relation=Relation.AUNT_UNCLE,
        is_legal_guardian=True,
        is_court_appointed=True,
        contact_is_safe=True,
    )
    mother = safe_parent(world.case)
    consent = _pending(world)
    assert consent.signer_rule == SignerRule.ADULT_WITH_GUARDIAN
    sign(consent, by=world.advocate)

    with pytest.raises(ValidationError):
        sign(consent, by=world.advocate, family_member=mother)
    sign(consent, by=world.advocate, family_member=guardian)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


def test_r10_the_abuser_exclusion_applies_to_a_court_appointed_guardian(world):
    _adult(world)
    guardian = f.FamilyMemberFactory(
        person=world.case.person,
        relation=Relation.FATHER,
        is_legal_guardian=True,
        is_court_appointed=True,
        contact_is_safe=True,
        harmed_young_person=True,
    )
    consent = _pending(world)
    sign(consent, by=world.advocate)

    with pytest.raises(ValidationError) as raised:
        sign(consent, by=world.advocate, family_member=guardian)

    assert "harmed" in _errors(raised)["family_member"][0]


def test_r12_active_terms_cannot_be_changed_a_change_is_a_new_consent(world):
    _adult(world)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    with pytest.raises(ValidationError) as raised:
        services.change_draft(
            consent=consent, actor=world.advocate, changes={"categories": ["notes"]}
        )
    assert "status" in _errors(raised)

    renewal = services.renew_consent(consent=consent, actor=world.advocate)
    assert renewal.replaces == consent and renewal.status == Consent.Status.DRAFT
    services.change_draft(consent=renewal, actor=world.advocate, changes={"categories": ["notes"]})
    services.submit_for_signature(consent=renewal, actor=world.advocate)
    sign(renewal, by=world.advocate)

    consent.refresh_from_db()
    renewal.refresh_from_db()
    assert consent.categories == ["plan"]
    assert consent.status == Consent.Status.EXPIRED  # replaced, and kept in the history
    assert renewal.status == Consent.Status.ACTIVE and renewal.categories == ["notes"]


def test_r12_no_code_path_can_save_new_terms_on_an_active_consent(world):
    _adult(world)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    consent.categories = ["plan", "identity"]

    with pytest.raises(ImmutableConsent):
        consent.save()
    with pytest.raises(ImmutableConsent):
        consent.save(update_fields=["categories"])

    assert Consent.objects.get(pk=consent.pk).categories == ["plan"]


def test_r13_revocation_removes_access_in_the_same_transaction(world):
    _adult(world)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    assert _partner_sees(world)

    services.revoke_consent(
        consent=consent,
        actor=world.advocate,
        channel=RevocationChannel.SPOKEN,
        reason="Told me on the phone",
    )

    assert not _partner_sees(world)
    assert not CaseGroupObjectPermission.objects.filter(content_object=world.case).exists()
    consent.refresh_from_db()
    assert consent.revoked_by == world.advocate
    assert consent.revocation_channel == RevocationChannel.SPOKEN
    assert consent.revoked_at is not None


def test_r14_a_consent_past_its_expiry_grants_nothing_before_the_sweep(world):
    _adult(world)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    _backdate(consent)
    CaseGroupObjectPermission.objects.update(valid_until=timezone.now() + timedelta(days=1))

    viewer = viewer_for(world.partner_staff)
    assert consents_in_force(viewer=viewer, case_ids=[world.case.pk]) == {}
    assert consent.status == Consent.Status.ACTIVE  # the sweep has not run


@pytest.mark.parametrize(
    "final", [Consent.Status.REVOKED, Consent.Status.EXPIRED], ids=["revoked", "expired"]
)
def test_r15_nothing_leaves_revoked_or_expired(world, final):
    _adult(world)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    if final == Consent.Status.REVOKED:
        services.revoke_consent(
            consent=consent, actor=world.advocate, channel=RevocationChannel.WRITTEN
        )
    else:
        _backdate(consent)
        assert services.expire_due_consents() == 1

    with pytest.raises(ValidationError):
        services.revoke_consent(
            consent=consent, actor=world.advocate, channel=RevocationChannel.WRITTEN
        )
    with pytest.raises(ValidationError):
        services.submit_for_signature(consent=consent, actor=world.advocate)
    consent.refresh_from_db()
    assert consent.status == final


def test_r15_a_draft_cannot_skip_to_active(world):
    _adult(world)
    consent = _draft(world)

    with pytest.raises(ValidationError):
        sign(consent, by=world.advocate)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.DRAFT


def test_r16_revocation_deletes_nothing(world):
    _adult(world)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    services.revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED
    assert consent.signatures.count() == 1
    assert consent.receipt_id is not None
