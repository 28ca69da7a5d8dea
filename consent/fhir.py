"""A consent as a FHIR R4 ``Consent`` resource (R38).

The resource is built as plain JSON, validated with ``fhir.resources`` (its R4B module carries
the R4 Consent) and then checked for what the library does not check: code values, the
resource's invariants (ppc-1, ppc-2) and the shape Harbor promises (a ``deny`` root with one
nested ``permit`` for the recipient). No name, alias or contact detail of anyone appears: the
young person is ``Patient/<principal id>``, family signers are opaque ``RelatedPerson`` ids
with their role as display. Organization names are not personal data and are shown.

Every status exports: a draft as ``draft``, a consent waiting for signatures as ``proposed``
(with the signers so far and no ``dateTime``: it was not given yet), revoked or expired ones as
``inactive``.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from fhir.resources.R4B.consent import Consent as FhirConsent
from pydantic import ValidationError as PydanticValidationError

from cases.categories import DataCategory
from consent.models import Consent, ConsentPurpose, Signature, SignerRole
from consent.signers import consent_given_at

# Harbor's own code systems and extension, by name; their canonical URLs are the installation's
# (``harbor_canonical_url``), so two Harbor installations never claim each other's definitions.
DATA_CATEGORY_SYSTEM = ("CodeSystem", "data-category")
PURPOSE_SYSTEM = ("CodeSystem", "consent-purpose")
REDISCLOSURE_EXTENSION = ("StructureDefinition", "redisclosure-notice")
# Namespace of the opaque RelatedPerson ids of family signers (uuid5 of receipt and member).
RELATED_PERSON_NAMESPACE = uuid.UUID("7d0f3d57-0b4e-4b6e-9a55-2f1c3e9a61b4")

LOINC = "http://loinc.org"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
V3_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
RECEIPT_IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"

# Harbor purposes as v3 PurposeOfUse (ActReason) codes. Harbor coordinates social services,
# which v3 has no code for, so the closest are chosen and Harbor's own code travels beside:
#   referral, care coordination,
#   transferring services       -> CAREMGT "care management" (coordinating services);
#   benefits and eligibility    -> COVERAGE "coverage under policy or program";
#   other                       -> PATRQT "patient requested" (the young person asked).
PURPOSE_OF_USE: dict[str, tuple[str, str]] = {
    ConsentPurpose.REFERRAL: ("CAREMGT", "care management"),
    ConsentPurpose.CARE_COORDINATION: ("CAREMGT", "care management"),
    ConsentPurpose.BENEFITS: ("COVERAGE", "coverage under policy or program"),
    ConsentPurpose.TRANSFER: ("CAREMGT", "care management"),
    ConsentPurpose.OTHER: ("PATRQT", "patient requested"),
}

Status = Consent.Status
FHIR_STATUS: dict[str, str] = {
    Status.DRAFT: "draft",
    Status.PENDING_SIGNATURE: "proposed",
    Status.ACTIVE: "active",
    Status.REVOKED: "inactive",
    Status.EXPIRED: "inactive",
}
FHIR_STATUS_CODES = ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error")


class FhirExportError(ValueError):
    """The resource built for a consent is not valid FHIR R4: a bug, never the user's input."""


def effective_status(consent: Consent, now: datetime | None = None) -> str:
    """The consent's status, counting an active consent past its expiry as expired.

    The expiry sweep may lag by up to a minute; an export never calls such a consent active
    (the policy refuses it too, R14). ``Consent.status_at`` decides.
    """
    return consent.status_at(now or timezone.now())


def harbor_canonical_url(definition: tuple[str, str]) -> str:
    """The canonical URL of one of Harbor's FHIR definitions at this installation.

    Built on ``HARBOR_SITE_URL`` (the installation's base URL), e.g.
    ``https://harbor.example.org/fhir/CodeSystem/data-category``.
    """
    kind, name = definition
    return f"{settings.HARBOR['SITE_URL'].rstrip('/')}/fhir/{kind}/{name}"


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = str(display)
    return coding


def _concept(*codings: dict[str, str]) -> dict[str, Any]:
    return {"coding": list(codings)}


def related_person_id(consent: Consent, family_member_id: int) -> str:
    """An opaque, stable id of a family signer for this consent only (no name, no row id)."""
    return str(uuid.uuid5(RELATED_PERSON_NAMESPACE, f"{consent.receipt_id}:{family_member_id}"))


def _performer(consent: Consent, signature: Signature) -> dict[str, str]:
    role = SignerRole(signature.signer_role)
    if role == SignerRole.YOUNG_PERSON:
        return {"reference": f"Patient/{consent.principal_id}", "display": str(role.label)}
    person = related_person_id(consent, signature.family_member_id)
    return {"reference": f"RelatedPerson/{person}", "display": str(role.label)}


def signatures_in_order(consent: Consent) -> list[Signature]:
    """The consent's signatures, first signed first (reads a prefetch when there is one)."""
    return sorted(consent.signatures.all(), key=lambda s: (s.signed_at, s.pk))


def _purpose(consent: Consent) -> list[dict[str, str]]:
    code, display = PURPOSE_OF_USE[consent.purpose]
    harbor_display = consent.purpose_text or ConsentPurpose(consent.purpose).label
    return [
        _coding(V3_ACT_REASON, code, display),
        _coding(harbor_canonical_url(PURPOSE_SYSTEM), consent.purpose, harbor_display),
    ]


def _category_class(category: str) -> dict[str, str]:
    system = harbor_canonical_url(DATA_CATEGORY_SYSTEM)
    return _coding(system, category, DataCategory(category).label)


def _period(consent: Consent) -> dict[str, str]:
    return {"start": _instant(consent.starts_at), "end": _instant(consent.expires_at)}


def _permit(consent: Consent) -> dict[str, Any]:
    """What the recipient may do: receive these categories, for this purpose, until expiry."""
    recipient = consent.recipient
    return {
        "type": "permit",
        "period": _period(consent),
        "actor": [
            {
                "role": _concept(_coding(V3_PARTICIPATION_TYPE, "IRCP", "information recipient")),
                "reference": {
                    "reference": f"Organization/{recipient.pk}",
                    "display": recipient.name,
                },
            }
        ],
        "action": [_concept(_coding(CONSENT_ACTION, "disclose", "Disclose"))],
        # R20: whatever is released may not be re-disclosed without a new consent.
        "securityLabel": [
            _coding(V3_ACT_CODE, "NORDSCLCD", "no redisclosure without consent directive")
        ],
        "purpose": _purpose(consent),
        "class": [_category_class(category) for category in consent.categories],
    }


def _resource(consent: Consent) -> dict[str, Any]:
    lead = consent.case.lead_organization
    performers = [_performer(consent, s) for s in signatures_in_order(consent)]
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": str(consent.receipt_id),
        "extension": [
            {
                "url": harbor_canonical_url(REDISCLOSURE_EXTENSION),
                "valueString": consent.redisclosure_notice,
            }
        ],
        "identifier": [
            {"system": RECEIPT_IDENTIFIER_SYSTEM, "value": f"urn:uuid:{consent.receipt_id}"}
        ],
        "status": FHIR_STATUS[effective_status(consent)],
        "scope": _concept(_coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent")),
        "category": [
            _concept(_coding(LOINC, "59284-0", "Patient Consent")),
            _concept(_coding(LOINC, "64292-6", "Release of information consent")),
        ],
        "patient": {"reference": f"Patient/{consent.principal_id}"},
        "performer": performers,
        "organization": [{"reference": f"Organization/{lead.pk}", "display": lead.name}],
        "policyRule": _concept(_coding(V3_ACT_CODE, "OPTIN", "opt-in")),
        # Nothing is shared by default; the nested rule permits exactly what was consented.
        "provision": {"type": "deny", "period": _period(consent), "provision": [_permit(consent)]},
    }
    if not performers:  # a draft has no signers yet, and FHIR allows no empty arrays
        del resource["performer"]
    given_at = consent_given_at(consent)
    if given_at is not None:
        # R39: the time the last required signer signed. A consent still waiting for a
        # signature was not given yet, so it has no dateTime (optional in FHIR) rather than
        # the time it was typed in.
        resource["dateTime"] = _instant(given_at)
    return resource


def invariant_errors(resource: dict[str, Any]) -> list[str]:
    """What FHIR R4 requires of a Consent that ``fhir.resources`` does not check."""
    errors = []
    if resource.get("status") not in FHIR_STATUS_CODES:
        errors.append(f"status {resource.get('status')!r} is not a Consent status code")
    if not resource.get("policy") and not resource.get("policyRule"):
        errors.append("ppc-1: a policy or a policyRule is required")
    scopes = resource.get("scope", {}).get("coding", [])
    if any(c.get("code") == "patient-privacy" for c in scopes) and not resource.get("patient"):
        errors.append("ppc-2: a privacy consent needs a patient")
    errors += _provision_errors(resource.get("provision") or {}, root=True)
    return errors


def _provision_errors(provision: dict[str, Any], *, root: bool) -> list[str]:
    errors = []
    kind = provision.get("type")
    if kind is not None and kind not in ("deny", "permit"):
        errors.append(f"provision type {kind!r} is neither deny nor permit")
    if not root and kind is None:
        errors.append("a nested provision needs a type")
    for nested in provision.get("provision", []):
        errors += _provision_errors(nested, root=False)
    return errors


def consent_to_fhir(consent: Consent) -> dict[str, Any]:
    """The consent as FHIR R4 Consent JSON, validated; raises ``FhirExportError`` if invalid."""
    # Displays are the codes' English labels whatever language the request is in.
    with translation.override("en"):
        data = _resource(consent)
    try:
        resource = FhirConsent.model_validate(data)
    except PydanticValidationError as exc:
        # Locations and messages only: the input values could hold free text.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise FhirExportError(f"Consent {consent.pk} is not valid FHIR: {problems}") from exc
    exported = resource.model_dump(mode="json")
    errors = invariant_errors(exported)
    if errors:
        raise FhirExportError(f"Consent {consent.pk} breaks FHIR rules: {'; '.join(errors)}")
    return exported
