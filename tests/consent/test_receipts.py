"""R39 receipts (Kantara v1.1, schema kept in the project), R16 revoked state, R20 notice."""

import copy
import json
import re
import uuid
from datetime import timedelta

import jsonschema
import pytest
from django.utils import formats, timezone
from django.utils.html import escape

from consent.models import REDISCLOSURE_NOTICE, Consent
from consent.receipts import (
    SCHEMA_PATH,
    ReceiptUnavailable,
    consent_receipt,
    receipt_errors,
    render_receipt_html,
)
from providers.models import Organization
from tests import factories as f
from tests.consents import store, typed_in_late

pytestmark = pytest.mark.django_db

SECRETS = ("Rosalind", "Quintero", "Roz", "555-0142", "roz@example.org", "12 Elm Street")


@pytest.fixture
def consent(world) -> Consent:
    person = world.case.person
    person.legal_name, person.alias = "Rosalind Quintero", "Roz"
    person.save()
    f.FamilyMemberFactory(person=person, phone="555-0142", address="12 Elm Street")
    return f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        categories=["identity", "plan"],
        signatures__recorded_by=world.young_person,
    )


@pytest.fixture
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _revoke(consent: Consent, by) -> None:
    consent.status = Consent.Status.REVOKED
    consent.revoked_at = timezone.now()
    consent.revocation_channel = "portal"
    consent.revoked_by = by
    store(consent)


def _purpose(receipt: dict) -> dict:
    (service,) = receipt["services"]
    (purpose,) = service["purposes"]
    return purpose


def test_r39_receipt_carries_every_required_kantara_field(world, consent):
    receipt = consent_receipt(consent)

    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["jurisdiction"]
    assert receipt["consentTimestamp"] == int(consent.activated_at.timestamp())
    assert "signature" in receipt["collectionMethod"].lower()
    assert receipt["consentReceiptID"] == str(consent.receipt_id)
    assert receipt["language"] == "en"
    assert receipt["piiPrincipalId"] == str(consent.principal_id)
    (controller,) = receipt["piiControllers"]
    assert controller["piiController"] == world.lead.name
    assert {"contact", "address", "email", "phone"} <= set(controller)
    assert receipt["policyUrl"].startswith("https://")
    assert receipt["sensitive"] is True
    assert receipt["spiCat"] == ["identity", "plan"]


def test_r39_purpose_names_the_recipient_as_third_party(world, consent):
    purpose = _purpose(consent_receipt(consent))

    assert purpose["purpose"] == "Referral to a service"
    assert purpose["purposeCategory"]
    assert purpose["consentType"] == "EXPLICIT"
    assert purpose["piiCategory"] == ["identity", "plan"]
    assert purpose["thirdPartyDisclosure"] is True
    assert purpose["thirdPartyName"] == world.partner.name


def test_r39_termination_states_the_expiry_and_how_to_revoke(consent):
    termination = _purpose(consent_receipt(consent))["termination"]

    expiry = formats.date_format(timezone.localtime(consent.expires_at), "DATE_FORMAT")
    assert f"Expires {expiry}." in termination
    assert "Revoke at any time" in termination


def test_r39_receipt_validates_against_the_schema_kept_in_the_project(consent, schema):
    receipt = consent_receipt(consent)

    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(receipt, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    ("break_it", "where"),
    [
        (lambda r: r.pop("piiPrincipalId"), "piiPrincipalId"),
        (lambda r: r.update(version="KI-CR-v1.0.0"), "version"),
        (lambda r: r.update(consentTimestamp="yesterday"), "consentTimestamp"),
        (lambda r: r.update(spiCat=[]), "spiCat"),
        (lambda r: r["piiControllers"][0].pop("email"), "email"),
        (lambda r: _purpose(r).pop("thirdPartyName"), "thirdPartyName"),
        (lambda r: _purpose(r).pop("termination"), "termination"),
    ],
)
def test_r39_schema_refuses_an_invalid_receipt(consent, schema, break_it, where):
    receipt = copy.deepcopy(consent_receipt(consent))
    break_it(receipt)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(receipt, schema, cls=jsonschema.Draft202012Validator)
    assert any(where in error for error in receipt_errors(receipt))


def test_r39_principal_id_is_opaque_never_a_name(consent):
    receipt = consent_receipt(consent)

    assert uuid.UUID(receipt["piiPrincipalId"]) == consent.principal_id
    text = json.dumps(receipt)
    for secret in SECRETS:
        assert secret not in text


def test_r39_harbor_extras_are_allowed_beside_the_required_fields(consent):
    receipt = consent_receipt(consent)

    assert receipt["status"] == "active"
    assert receipt["expiresAt"] == int(consent.expires_at.timestamp())
    assert receipt_errors(receipt) == []


def test_r39_consent_timestamp_is_when_the_last_required_signer_signed(world):
    consent = typed_in_late(world.case, world.partner, by=world.advocate, days=84)
    parent_signed_at = max(s.signed_at for s in consent.signatures.all())

    receipt = consent_receipt(consent)

    assert receipt["consentTimestamp"] == int(parent_signed_at.timestamp())
    assert receipt["consentTimestamp"] < int(consent.activated_at.timestamp()) - 83 * 86400
    assert receipt["consentTimestamp"] >= receipt["startsAt"]


def test_r39_printable_receipt_says_when_the_consent_was_signed(world):
    consent = typed_in_late(world.case, world.partner, by=world.advocate, days=84)
    parent_signed_at = max(s.signed_at for s in consent.signatures.all())

    page = render_receipt_html(consent)

    signed = formats.date_format(timezone.localtime(parent_signed_at), "DATETIME_FORMAT")
    typed = formats.date_format(timezone.localtime(consent.activated_at), "DATETIME_FORMAT")
    assert signed in page
    assert typed not in page


def test_r39_a_consent_never_in_force_has_no_receipt(world):
    draft = f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        status=Consent.Status.PENDING_SIGNATURE,
        activated_at=None,
        signatures=False,
    )

    with pytest.raises(ReceiptUnavailable):
        consent_receipt(draft)


def test_r16_receipt_shows_revoked_state_and_time(world, consent):
    _revoke(consent, world.young_person)

    receipt = consent_receipt(consent)

    assert receipt["status"] == "revoked"
    assert receipt["revokedAt"] == int(consent.revoked_at.timestamp())
    assert receipt["consentReceiptID"] == str(consent.receipt_id)  # the same receipt, kept
    page = render_receipt_html(consent)
    assert "Revoked" in page
    assert "Revoked on" in page


def test_r16_receipt_shows_expiry_once_expired(consent):
    consent.starts_at = timezone.now() - timedelta(days=91)
    consent.expires_at = timezone.now() - timedelta(days=1)
    store(consent)

    receipt = consent_receipt(consent)

    assert receipt["status"] == "expired"
    assert receipt["expiredAt"] == int(consent.expires_at.timestamp())


def test_r20_receipt_carries_the_no_redisclosure_notice(consent):
    assert consent_receipt(consent)["redisclosureNotice"] == REDISCLOSURE_NOTICE
    assert escape(REDISCLOSURE_NOTICE) in render_receipt_html(consent)


def test_r39_printable_receipt_is_plain_and_self_contained(consent):
    page = render_receipt_html(consent)

    assert re.search(r"<title>\s*Receipt\s*</title>", page)
    assert "@media print" in page
    assert not re.search(r"<(link|script|img|iframe)\b|src=|@import|url\(", page)
    assert str(consent.receipt_id) in page
    assert "Partner Housing" in page


def test_r39_printable_receipt_names_nobody(consent):
    page = render_receipt_html(consent)

    for secret in SECRETS:
        assert secret not in page


ORG_CONTACT = {
    "privacy_contact_email": "privacy@lead-org.example.org",
    "privacy_contact_phone": "+1 312 555 0199",
    "privacy_contact_address": "400 Lake Street, Chicago, IL 60601",
    "privacy_policy_url": "https://lead-org.example.org/privacy",
}
INSTALLATION_CONTACT = {
    "PRIVACY_CONTACT_EMAIL": "privacy@network.example.org",
    "PRIVACY_CONTACT_PHONE": "+1 312 555 0100",
    "PRIVACY_CONTACT_ADDRESS": "1 Network Plaza, Chicago, IL 60602",
    "PRIVACY_POLICY_URL": "https://network.example.org/privacy",
}


@pytest.fixture
def installation_contact(settings) -> dict[str, str]:
    settings.HARBOR = {**copy.deepcopy(settings.HARBOR), **INSTALLATION_CONTACT}
    return INSTALLATION_CONTACT


def _contact_in(receipt: dict) -> dict[str, str]:
    (controller,) = receipt["piiControllers"]
    return {
        "email": controller["email"],
        "phone": controller["phone"],
        "address": controller["address"]["streetAddress"],
        "policy": receipt["policyUrl"],
    }


def test_r39_receipt_names_the_lead_organizations_own_privacy_contact(
    world, consent, installation_contact
):
    Organization.objects.filter(pk=world.lead.pk).update(**ORG_CONTACT)
    consent = Consent.objects.get(pk=consent.pk)

    assert _contact_in(consent_receipt(consent)) == {
        "email": ORG_CONTACT["privacy_contact_email"],
        "phone": ORG_CONTACT["privacy_contact_phone"],
        "address": ORG_CONTACT["privacy_contact_address"],
        "policy": ORG_CONTACT["privacy_policy_url"],
    }


def test_r39_receipt_falls_back_to_the_installations_privacy_contact(consent, installation_contact):
    assert _contact_in(consent_receipt(consent)) == {
        "email": INSTALLATION_CONTACT["PRIVACY_CONTACT_EMAIL"],
        "phone": INSTALLATION_CONTACT["PRIVACY_CONTACT_PHONE"],
        "address": INSTALLATION_CONTACT["PRIVACY_CONTACT_ADDRESS"],
        "policy": INSTALLATION_CONTACT["PRIVACY_POLICY_URL"],
    }


def test_r39_each_blank_organization_field_falls_back_on_its_own(
    world, consent, installation_contact
):
    Organization.objects.filter(pk=world.lead.pk).update(
        privacy_contact_email=ORG_CONTACT["privacy_contact_email"]
    )
    contact = _contact_in(consent_receipt(Consent.objects.get(pk=consent.pk)))

    assert contact["email"] == ORG_CONTACT["privacy_contact_email"]
    assert contact["phone"] == INSTALLATION_CONTACT["PRIVACY_CONTACT_PHONE"]


def test_r39_printable_receipt_shows_the_privacy_contact(world, consent, installation_contact):
    Organization.objects.filter(pk=world.lead.pk).update(**ORG_CONTACT)

    page = render_receipt_html(Consent.objects.get(pk=consent.pk))

    for value in ORG_CONTACT.values():
        assert escape(value) in page


@pytest.mark.parametrize("configured", [False, True])
def test_r39_no_receipt_carries_a_placeholder_contact(consent, settings, configured):
    if configured:
        settings.HARBOR = {**copy.deepcopy(settings.HARBOR), **INSTALLATION_CONTACT}
    receipt = json.dumps(consent_receipt(consent)) + render_receipt_html(consent)

    assert "harbor.example" not in receipt
    assert "Not recorded" not in receipt
