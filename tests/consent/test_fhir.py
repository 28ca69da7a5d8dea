"""R38: each consent exports as a FHIR R4 Consent that fhir.resources (R4B) validates, and that
says what the library does not check."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from fhir.resources.R4B.consent import Consent as FhirConsent

from consent.fhir import (
    DATA_CATEGORY_SYSTEM,
    FhirExportError,
    consent_to_fhir,
    harbor_canonical_url,
    invariant_errors,
    related_person_id,
)
from consent.models import Consent, Signature, SignerRule
from tests import factories as f
from tests.consents import store, typed_in_late

pytestmark = pytest.mark.django_db

V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


@pytest.fixture
def consent(world) -> Consent:
    """A minor's consent to the partner, signed by the young person and their mother."""
    person = world.case.person
    person.legal_name, person.alias = "Rosalind Quintero", "Roz"
    person.save()
    consent = f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        categories=["plan", "notes"],
        signer_rule=SignerRule.MINOR_WITH_PARENT,
        signatures__recorded_by=world.young_person,
    )
    mother = f.FamilyMemberFactory(person=person, name="Marisol Quintero")
    f.SignatureFactory(
        consent=consent,
        signer_role=Signature.Role.PARENT,
        family_member=mother,
        method=Signature.Method.UPLOADED_FORM,
        recorded_by=world.advocate,
    )
    return consent


def _permit(resource: dict) -> dict:
    (nested,) = resource["provision"]["provision"]
    return nested


def _revoke(consent: Consent, by) -> None:
    consent.status = Consent.Status.REVOKED
    consent.revoked_at = timezone.now()
    consent.revocation_channel = "portal"
    consent.revoked_by = by
    store(consent)


def test_r38_export_validates_with_fhir_resources_r4b(consent):
    resource = consent_to_fhir(consent)

    parsed = FhirConsent.model_validate(resource)

    assert parsed.model_dump(mode="json") == resource
    assert resource["resourceType"] == "Consent"
    assert invariant_errors(resource) == []


def test_r38_status_is_active_for_an_active_consent(consent):
    assert consent_to_fhir(consent)["status"] == "active"


def test_r38_status_is_inactive_after_revocation(world, consent):
    _revoke(consent, world.young_person)

    assert consent_to_fhir(consent)["status"] == "inactive"


def test_r38_status_is_inactive_after_expiry(consent):
    consent.status, consent.expired_at = Consent.Status.EXPIRED, timezone.now()
    store(consent)

    assert consent_to_fhir(consent)["status"] == "inactive"


def test_r38_status_is_inactive_once_expired_even_before_the_sweep(consent):
    consent.starts_at = timezone.now() - timedelta(days=30)
    consent.expires_at = timezone.now() - timedelta(seconds=1)
    store(consent)

    assert consent_to_fhir(consent)["status"] == "inactive"


def test_r38_scope_is_patient_privacy(consent):
    scope = consent_to_fhir(consent)["scope"]["coding"]

    consent_scope = "http://terminology.hl7.org/CodeSystem/consentscope"
    assert [(c["system"], c["code"]) for c in scope] == [(consent_scope, "patient-privacy")]


def test_r38_category_is_loinc_patient_consent(consent):
    codings = [c for cat in consent_to_fhir(consent)["category"] for c in cat["coding"]]

    assert any(c["system"] == "http://loinc.org" and c["code"] == "59284-0" for c in codings)


def test_r38_patient_is_the_opaque_principal_id(consent):
    assert consent_to_fhir(consent)["patient"] == {"reference": f"Patient/{consent.principal_id}"}


def test_r38_performer_lists_every_signer_by_role_never_by_name(consent):
    mother = consent.signatures.get(signer_role="parent").family_member

    performers = consent_to_fhir(consent)["performer"]

    assert performers == [
        {"reference": f"Patient/{consent.principal_id}", "display": "The young person"},
        {
            "reference": f"RelatedPerson/{related_person_id(consent, mother.pk)}",
            "display": "Parent",
        },
    ]
    assert len(performers) == consent.signatures.count()


def test_r38_organization_is_the_lead_organization(world, consent):
    assert consent_to_fhir(consent)["organization"] == [
        {"reference": f"Organization/{world.lead.pk}", "display": world.lead.name}
    ]


def test_r38_policy_rule_is_optin(consent):
    coding = consent_to_fhir(consent)["policyRule"]["coding"]

    assert [(c["system"], c["code"]) for c in coding] == [(V3_ACT_CODE, "OPTIN")]


def test_r38_root_denies_and_a_nested_provision_permits(consent):
    resource = consent_to_fhir(consent)

    assert resource["provision"]["type"] == "deny"
    assert _permit(resource)["type"] == "permit"


def test_r38_permit_actor_is_the_recipient_in_role_ircp(world, consent):
    (actor,) = _permit(consent_to_fhir(consent))["actor"]

    (role,) = actor["role"]["coding"]
    assert role["system"] == "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
    assert role["code"] == "IRCP"
    assert actor["reference"]["reference"] == f"Organization/{world.partner.pk}"


@pytest.mark.parametrize(
    ("purpose", "code"),
    [
        ("referral", "CAREMGT"),
        ("care_coordination", "CAREMGT"),
        ("benefits_eligibility", "COVERAGE"),
        ("other", "PATRQT"),
    ],
)
def test_r38_permit_states_the_purpose(consent, purpose, code):
    consent.purpose = purpose
    consent.purpose_text = "Apply for a bus pass" if purpose == "other" else ""
    store(consent)

    purposes = _permit(consent_to_fhir(consent))["purpose"]

    v3 = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    assert {(p["system"], p["code"]) for p in purposes} >= {(v3, code)}
    assert purpose in {p["code"] for p in purposes}


def test_r38_permit_has_a_class_per_category(consent):
    classes = _permit(consent_to_fhir(consent))["class"]

    system = harbor_canonical_url(DATA_CATEGORY_SYSTEM)
    assert [(c["system"], c["code"]) for c in classes] == [(system, "plan"), (system, "notes")]


def test_r38_permit_period_ends_at_the_expiry(consent):
    period = _permit(consent_to_fhir(consent))["period"]

    assert datetime.fromisoformat(period["end"]) == consent.expires_at
    assert datetime.fromisoformat(period["start"]) == consent.starts_at


def test_r20_export_carries_the_no_redisclosure_notice(consent):
    resource = consent_to_fhir(consent)

    labels = _permit(resource)["securityLabel"]
    assert (V3_ACT_CODE, "NORDSCLCD") in {(c["system"], c["code"]) for c in labels}
    assert resource["extension"][0]["valueString"] == consent.redisclosure_notice


def test_r38_export_holds_no_name_of_the_young_person_or_family(consent):
    text = json.dumps(consent_to_fhir(consent))

    for secret in ("Rosalind", "Quintero", "Roz", "Marisol"):
        assert secret not in text


def test_r38_a_draft_without_signers_still_exports_as_draft(world):
    draft = f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        status=Consent.Status.DRAFT,
        activated_at=None,
        submitted_at=None,
        signatures=False,
    )

    resource = consent_to_fhir(draft)

    assert resource["status"] == "draft"
    assert "performer" not in resource


def test_r39_fhir_date_time_is_when_the_last_required_signer_signed(world):
    consent = typed_in_late(world.case, world.partner, by=world.advocate, days=84)
    parent_signed_at = max(s.signed_at for s in consent.signatures.all())

    resource = consent_to_fhir(consent)

    assert datetime.fromisoformat(resource["dateTime"]) == parent_signed_at
    assert datetime.fromisoformat(resource["dateTime"]) >= consent.starts_at


def test_r39_a_consent_awaiting_a_signature_has_no_fhir_date_time(world):
    pending = f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        status=Consent.Status.PENDING_SIGNATURE,
        signer_rule=SignerRule.MINOR_WITH_PARENT,
        activated_at=None,
    )  # the young person signed; a parent has not yet

    resource = consent_to_fhir(pending)

    assert "dateTime" not in resource


def test_r38_an_invalid_resource_is_refused(consent):
    consent.redisclosure_notice = ""  # FHIR strings may not be empty

    with pytest.raises(FhirExportError, match="extension"):
        consent_to_fhir(consent)


def test_r38_invariants_the_library_skips_are_checked(consent):
    resource = consent_to_fhir(consent)
    del resource["policyRule"]
    resource["status"] = "revoked"
    resource["provision"]["provision"][0].pop("type")

    errors = invariant_errors(resource)

    assert any(e.startswith("ppc-1") for e in errors)
    assert any("status" in e for e in errors)
    assert any("nested provision needs a type" in e for e in errors)
