"""Consent receipts: Kantara Consent Receipt v1.1 JSON and a printable page (R16, R20, R39).

Every consent that was ever in force (active, revoked or expired) has a receipt; drafts and
consents awaiting signatures have none. The JSON carries every field the specification marks
required and is validated against ``consent/schemas/kantara-consent-receipt-v1.1.json``;
Harbor's extras (status, revocation time, the no-redisclosure notice) sit beside them. The
young person appears only as the opaque ``principal_id``: no name, alias or contact detail.
"""

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cases.categories import DataCategory
from cases.time_zones import local_day, zone_of
from consent.fhir import effective_status, signatures_in_order
from consent.models import Consent, ConsentPurpose, SignatureMethod, SignerRole
from consent.policy import RECEIPTED_STATUSES
from consent.signers import consent_given_at
from providers.models import PRIVACY_CONTACT_FIELDS, Organization

KANTARA_VERSION = "KI-CR-v1.1.0"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "kantara-consent-receipt-v1.1.json"
Status = Consent.Status

# Kantara's suggested purpose category for sharing with a third party to deliver the service.
PURPOSE_CATEGORY = "3rd Party Sharing for Core Function"


class ReceiptUnavailable(ValueError):
    """The consent was never in force (draft or awaiting signatures): it has no receipt."""


class InvalidReceipt(ValueError):
    """The receipt built for a consent does not match the Kantara schema: a bug."""


def _setting(name: str) -> str:
    return settings.HARBOR[name]


def privacy_contact(organization: Organization) -> dict[str, str]:
    """Who answers privacy questions about a consent the organization leads (R39), keyed as
    the ``HARBOR_*`` settings: the organization's own value where it recorded one, else the
    installation's (production refuses to start without those: harbor.E030)."""
    return {
        setting: getattr(organization, field) or _setting(setting)
        for field, setting in PRIVACY_CONTACT_FIELDS.items()
    }


@cache
def receipt_schema() -> dict[str, Any]:
    """The Kantara v1.1 JSON Schema kept in the project."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def receipt_errors(receipt: dict[str, Any]) -> list[str]:
    """Where the receipt breaks the schema ([] when valid), as paths and messages."""
    validator = jsonschema.Draft202012Validator(receipt_schema())
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(receipt)'}: {error.message}"
        for error in validator.iter_errors(receipt)
    ]


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _date(moment: datetime, consent: Consent) -> str:
    """The day, in the young person's time zone: the receipt is theirs."""
    return formats.date_format(local_day(moment, zone_of(consent.case.person)), "DATE_FORMAT")


def _collection_method(consent: Consent) -> str:
    methods = sorted({s.method for s in consent.signatures.all()})
    labels = ", ".join(str(SignatureMethod(m).label) for m in methods)
    return _("Written signature: %(methods)s") % {"methods": labels or _("not recorded")}


def _purpose_text(consent: Consent) -> str:
    label = str(ConsentPurpose(consent.purpose).label)
    return f"{label}: {consent.purpose_text}" if consent.purpose_text else label


def termination(consent: Consent) -> str:
    """When the consent ends and how to end it sooner (R39)."""
    return _(
        "Expires %(date)s. Revoke at any time in the Harbor portal or by telling your advocate."
    ) % {"date": _date(consent.expires_at, consent)}


def _controller(organization: Organization, contact: dict[str, str]) -> dict[str, Any]:
    """The lead organization as Kantara's PII controller (its name is not personal data)."""
    return {
        "piiController": organization.name,
        "onBehalf": False,
        "contact": organization.name,
        "address": {
            "streetAddress": contact["PRIVACY_CONTACT_ADDRESS"],
            "addressCountry": _setting("RECEIPT_JURISDICTION"),
        },
        "email": contact["PRIVACY_CONTACT_EMAIL"],
        "phone": contact["PRIVACY_CONTACT_PHONE"],
    }


def _harbor_extras(consent: Consent) -> dict[str, Any]:
    """Fields outside the specification: the state of the consent now (R16) and R20."""
    status = effective_status(consent)
    extras: dict[str, Any] = {
        "status": status,
        "startsAt": _epoch(consent.starts_at),
        "expiresAt": _epoch(consent.expires_at),
        "signerRoles": [s.signer_role for s in signatures_in_order(consent)],
        "redisclosureNotice": consent.redisclosure_notice,
    }
    if status == Status.REVOKED:
        extras["revokedAt"] = _epoch(consent.revoked_at)
        extras["revocationChannel"] = consent.revocation_channel
    if status == Status.EXPIRED:
        # Before the sweep: whichever came first, the expiry or the missed re-signing date.
        lapses = [t for t in (consent.expires_at, consent.resign_due_at) if t is not None]
        extras["expiredAt"] = _epoch(consent.expired_at or min(lapses))
    return extras


def _build(consent: Consent) -> dict[str, Any]:
    categories = list(consent.categories)
    lead = consent.case.lead_organization
    contact = privacy_contact(lead)
    purpose = {
        "purpose": _purpose_text(consent),
        "purposeCategory": [PURPOSE_CATEGORY],
        "consentType": "EXPLICIT",
        "piiCategory": categories,
        "primaryPurpose": True,
        "termination": termination(consent),
        "thirdPartyDisclosure": True,
        "thirdPartyName": consent.recipient.name,
    }
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": _setting("RECEIPT_JURISDICTION"),
        # R39: when the last required signer signed, not when it was typed into Harbor.
        "consentTimestamp": _epoch(consent_given_at(consent)),
        "collectionMethod": _collection_method(consent),
        "consentReceiptID": str(consent.receipt_id),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "piiPrincipalId": str(consent.principal_id),
        "piiControllers": [_controller(lead, contact)],
        "policyUrl": contact["PRIVACY_POLICY_URL"],
        "services": [{"service": _("Harbor case coordination"), "purposes": [purpose]}],
        "sensitive": True,
        "spiCat": categories,
        **_harbor_extras(consent),
    }


def consent_receipt(consent: Consent) -> dict[str, Any]:
    """The consent's Kantara v1.1 receipt, validated against the schema kept in the project.

    Raises ``ReceiptUnavailable`` for a consent never in force, ``InvalidReceipt`` if the
    result breaks the schema.
    """
    if consent.status not in RECEIPTED_STATUSES:
        raise ReceiptUnavailable("A consent has a receipt once every signer has signed.")
    receipt = _build(consent)
    errors = receipt_errors(receipt)
    if errors:
        raise InvalidReceipt(f"Receipt of consent {consent.pk} is invalid: {'; '.join(errors)}")
    return receipt


def _when(epoch: int | None) -> str:
    if epoch is None:
        return ""
    moment = datetime.fromtimestamp(epoch, tz=timezone.get_current_timezone())
    return formats.date_format(moment, "DATETIME_FORMAT")


def render_receipt_html(consent: Consent) -> str:
    """The printable receipt page, in the active language and the young person's time zone."""
    with timezone.override(zone_of(consent.case.person)):
        return _render_receipt_html(consent)


def _render_receipt_html(consent: Consent) -> str:
    receipt = consent_receipt(consent)
    context = {
        "receipt": receipt,
        "controller": receipt["piiControllers"][0],
        "purpose": receipt["services"][0]["purposes"][0],
        "categories": [DataCategory(c).label for c in receipt["spiCat"]],
        "signers": [SignerRole(r).label for r in receipt["signerRoles"]],
        "agreed_at": _when(receipt["consentTimestamp"]),
        "starts_at": _when(receipt["startsAt"]),
        "expires_at": _when(receipt["expiresAt"]),
        "revoked_at": _when(receipt.get("revokedAt")),
        "expired_at": _when(receipt.get("expiredAt")),
        "status": Status(receipt["status"]).label,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    return render_to_string("consent/receipt.html", context)
