"""Consent lifecycle: draft → pending signature → active → revoked | expired (R15).

Every function that changes what a consent grants calls ``sync_case_permissions`` in the same
transaction, so access appears with the last signature and disappears with the revocation.
"""

import hashlib
import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import document_store
from cases.categories import DATA_CATEGORIES
from cases.documents import DocumentKind
from cases.errors import check_transition
from cases.models import Case, CaseDocument, FamilyMember
from cases.services.documents import upload_document
from consent.access_log import flush as flush_access_events
from consent.models import (
    Consent,
    ConsentPurpose,
    RevocationChannel,
    Signature,
    SignatureMethod,
    SignerRole,
    SignerRule,
)
from consent.permissions import sync_case_permissions
from consent.signers import signer_requirement, signer_role_of, why_not_a_signer
from providers.models import Organization

Status = Consent.Status
CONSENT_MOVES = {
    Status.DRAFT: frozenset({Status.PENDING_SIGNATURE}),
    Status.PENDING_SIGNATURE: frozenset({Status.ACTIVE}),
    Status.ACTIVE: frozenset({Status.REVOKED, Status.EXPIRED}),
    Status.REVOKED: frozenset(),
    Status.EXPIRED: frozenset(),
}
TERMS = ("recipient", "categories", "purpose", "purpose_text", "starts_at", "expires_at")


def _days(name: str) -> int:
    return settings.HARBOR[name]


def _move(consent: Consent, to: str) -> None:
    check_transition(record="consent", current=consent.status, target=to, moves=CONSENT_MOVES)
    consent.status = to


def principal_id_for(case: Case) -> uuid.UUID:
    """An opaque, stable id of the young person for receipts and FHIR: never their name."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"harbor-person:{case.person_id}".encode(), hashlib.sha256
    ).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def term_errors(
    *,
    case: Case,
    recipient: Organization | None,
    categories: object,
    purpose: str,
    purpose_text: str,
    starts_at: datetime,
    expires_at: datetime | None,
) -> dict[str, list[str]]:
    """R01-R03: one recipient, known categories and purpose, a bounded period."""
    errors: dict[str, list[str]] = {}
    if recipient is None:
        errors["recipient"] = [_("Name the one organization that may see the data.")]
    elif recipient.pk == case.lead_organization_id:
        errors["recipient"] = [_("The lead organization needs no consent to see its own case.")]
    elif not recipient.is_active:
        errors["recipient"] = [_("This organization is suspended.")]
    if not isinstance(categories, list | tuple) or not categories:
        errors["categories"] = [_("Choose at least one data category.")]
    elif not set(categories) <= set(DATA_CATEGORIES):
        errors["categories"] = [
            _("Choose from: %(choices)s.") % {"choices": ", ".join(DATA_CATEGORIES)}
        ]
    if (
        purpose == ConsentPurpose.TRANSFER
        and "categories" not in errors
        and set(categories) != set(DATA_CATEGORIES)
    ):
        # The new lead takes over the whole record: the young person is told so (R41).
        errors["categories"] = [
            _(
                "A transfer hands the whole record to the new lead organization: choose every "
                "category."
            )
        ]
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = [
            _("Choose from: %(choices)s.") % {"choices": ", ".join(ConsentPurpose.values)}
        ]
    elif purpose == ConsentPurpose.OTHER and not purpose_text.strip():
        errors["purpose_text"] = [_("Describe the purpose when it is 'other'.")]
    if expires_at is None:
        errors["expires_at"] = [_("A consent needs an expiry date.")]
    elif expires_at <= starts_at:
        errors["expires_at"] = [_("The expiry must come after the start.")]
    elif expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry is already past: this consent could share nothing.")]
    elif expires_at - starts_at > timedelta(days=_days("CONSENT_MAX_DAYS")):
        errors["expires_at"] = [
            _("A consent lasts at most %(days)s days.") % {"days": _days("CONSENT_MAX_DAYS")}
        ]
    return errors


def default_expiry(starts_at: datetime) -> datetime:
    return starts_at + timedelta(days=_days("CONSENT_DEFAULT_DAYS"))


@transaction.atomic
def draft_consent(
    *,
    case: Case,
    recipient: Organization | None,
    categories: Iterable[str],
    purpose: str,
    actor: User,
    purpose_text: str = "",
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
    agreed_verbally: bool = False,
    replaces: Consent | None = None,
) -> Consent:
    """A draft: it shares nothing until every required signer signed in writing (R04)."""
    starts_at = starts_at or timezone.now()
    categories = sorted(set(categories)) if not isinstance(categories, str) else categories
    errors = term_errors(
        case=case,
        recipient=recipient,
        categories=categories,
        purpose=purpose,
        purpose_text=purpose_text,
        starts_at=starts_at,
        expires_at=expires_at,
    )
    if errors:
        raise ValidationError(errors)
    return Consent.objects.create(
        case=case,
        subject_id=case.person_id,
        recipient=recipient,
        categories=categories,
        purpose=purpose,
        purpose_text=purpose_text.strip(),
        starts_at=starts_at,
        expires_at=expires_at,
        agreed_verbally=agreed_verbally,
        replaces=replaces,
        principal_id=principal_id_for(case),
        created_by=actor,
    )


@transaction.atomic
def change_draft(*, consent: Consent, actor: User, changes: dict) -> Consent:
    """Change a draft's terms. Once submitted they are fixed: a change is a new consent (R12)."""
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    if consent.status != Status.DRAFT:
        raise ValidationError(
            {
                "status": [
                    _(
                        "Only a draft can be changed. To change a consent, renew it: the new "
                        "consent is signed again and this one stays in the history."
                    )
                ]
            }
        )
    for name in TERMS:
        if name in changes:
            setattr(consent, name, changes[name])
    if "categories" in changes:
        consent.categories = sorted(set(consent.categories))
    errors = term_errors(
        case=consent.case,
        recipient=consent.recipient,
        categories=consent.categories,
        purpose=consent.purpose,
        purpose_text=consent.purpose_text,
        starts_at=consent.starts_at,
        expires_at=consent.expires_at,
    )
    if errors:
        raise ValidationError(errors)
    consent.save(update_fields=list(TERMS))
    return consent


@transaction.atomic
def submit_for_signature(*, consent: Consent, actor: User) -> Consent:
    """Fix who must sign (from the young person's age and flags today) and ask for signatures."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    _move(consent, Status.PENDING_SIGNATURE)
    requirement = signer_requirement(consent.case, timezone.localdate())
    consent.signer_rule = requirement.rule
    consent.signer_rule_basis = requirement.legal_basis
    consent.submitted_at = timezone.now()
    consent.save(update_fields=["status", "signer_rule", "signer_rule_basis", "submitted_at"])
    return consent


def _adult_signer(rule: str) -> str:
    """The adult who signs beside the young person under ``rule`` (plain words), or ''."""
    if rule == SignerRule.ADULT_WITH_GUARDIAN:
        return _("the court-appointed guardian")
    if rule == SignerRule.MINOR_WITH_PARENT:
        return _("one parent, legal guardian or legal custodian")
    return ""


def missing_signers(consent: Consent) -> list[str]:
    """What still has to be signed before the consent can activate (plain words for staff)."""
    signatures = list(consent.signatures.all())
    missing = []
    if not any(s.signer_role == SignerRole.YOUNG_PERSON for s in signatures):
        missing.append(_("the young person"))
    adult = _adult_signer(consent.signer_rule)
    if adult and not any(s.family_member_id for s in signatures):
        missing.append(adult)
    return missing


def required_signers(consent: Consent) -> list[str]:
    """Everyone who must sign for the consent to activate, signed or not (plain words): one
    signature line each on the printed form (R45). A draft has no rule yet, so it is read under
    the rule submitting it today would fix."""
    rule = consent.signer_rule or signer_requirement(consent.case, timezone.localdate()).rule
    adult = _adult_signer(rule)
    return [_("the young person"), adult] if adult else [_("the young person")]


@dataclass(frozen=True)
class SignerOptions:
    """Who may still sign a consent waiting for signatures, and why anyone else may not.

    ``young_person``: the young person has not signed yet. ``eligible``: family members who may
    sign under the consent's signer rule. ``refused``: every other current family member, with
    the reason in plain words (the same reasons ``add_signature`` gives when refusing them).
    """

    young_person: bool
    eligible: list[FamilyMember] = field(default_factory=list)
    refused: list[tuple[FamilyMember, str]] = field(default_factory=list)


def signer_options(consent: Consent) -> SignerOptions:
    """The signature form's choices (R06-R10); reads a prefetch of ``signatures`` if any."""
    signatures = list(consent.signatures.all())
    signed_by = {s.family_member_id for s in signatures if s.family_member_id}
    young_person_signed = any(s.signer_role == SignerRole.YOUNG_PERSON for s in signatures)
    options = SignerOptions(young_person=not young_person_signed)
    members = FamilyMember.objects.filter(
        person_id=consent.subject_id, ended_on__isnull=True
    ).order_by("name", "pk")
    for member in members:
        reason = why_not_a_signer(member, consent.signer_rule)
        if not reason and member.pk in signed_by:
            reason = _("This person has already signed.")
        elif not reason and signed_by:
            # R08: one non-abusive parent is enough; Harbor never asks for a second.
            reason = _("A parent or guardian has already signed; one is enough.")
        if reason:
            options.refused.append((member, reason))
        else:
            options.eligible.append(member)
    return options


def signature_errors(
    *,
    consent: Consent,
    family_member: FamilyMember | None,
    method: str,
    evidence: str,
    signed_at: datetime | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if method not in SignatureMethod.values:
        errors["method"] = [
            _("Consent is given in writing: a portal e-signature or an uploaded signed form.")
        ]
    if not evidence.strip():
        errors["evidence"] = [_("Record the evidence of the signature.")]
    if signed_at is None:
        errors["signed_at"] = [_("Record when it was signed.")]
    elif signed_at > timezone.now() + timedelta(minutes=5):
        errors["signed_at"] = [_("A signature cannot be dated in the future.")]
    if family_member is not None:
        if family_member.person_id != consent.subject_id:
            errors["family_member"] = [_("This person is not in the young person's family record.")]
        else:
            reason = why_not_a_signer(family_member, consent.signer_rule)
            if reason:
                errors["family_member"] = [reason]
            elif any(s.family_member_id for s in consent.signatures.all()):
                # R08: one non-abusive parent is enough; Harbor never asks for a second.
                errors["family_member"] = [_("A parent or guardian has already signed.")]
    return errors


@transaction.atomic
def add_signature(
    *,
    consent: Consent,
    recorded_by: User,
    method: str,
    evidence: str,
    signed_at: datetime | None = None,
    family_member: FamilyMember | None = None,
    evidence_sha256: str = "",
    document: CaseDocument | None = None,
) -> Signature:
    """Record one written signature; the last required one activates the consent (R04-R10).

    With ``document``, the uploaded scan of the signed form is the evidence (R45): the
    signature names it and carries its digest.
    """
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    if document is not None:
        if document.case_id != consent.case_id or document.is_deleted:
            raise ValidationError(
                {"document": [_("Choose a scan uploaded to this young person's case.")]}
            )
        evidence, evidence_sha256 = f"document:{document.pk}", document.sha256
    if consent.status != Status.PENDING_SIGNATURE:
        raise ValidationError(
            {"status": [_("Only a consent waiting for signatures can be signed.")]}
        )
    errors = signature_errors(
        consent=consent,
        family_member=family_member,
        method=method,
        evidence=evidence,
        signed_at=signed_at,
    )
    if family_member is None and consent.signatures.filter(signer_role=SignerRole.YOUNG_PERSON):
        errors["family_member"] = [_("The young person has already signed.")]
    if errors:
        raise ValidationError(errors)
    signature = Signature.objects.create(
        consent=consent,
        signer_role=signer_role_of(family_member) if family_member else SignerRole.YOUNG_PERSON,
        family_member=family_member,
        method=method,
        signed_at=signed_at,
        evidence=evidence.strip(),
        evidence_sha256=evidence_sha256,
        document=document,
        recorded_by=recorded_by,
    )
    if not missing_signers(consent):
        _activate(consent)
    return signature


def record_signed_form(
    *,
    consent: Consent,
    recorded_by: User,
    content: bytes,
    size: int,
    signed_at: datetime | None,
    family_member: FamilyMember | None = None,
) -> Signature:
    """A signed paper form: its scan becomes a document of the case (lead organization only)
    and the evidence of the signature (R45). Both are kept, or neither."""
    with transaction.atomic():
        document = upload_document(
            case=consent.case,
            actor=recorded_by,
            kind=DocumentKind.SIGNED_CONSENT_FORM,
            title=_("Signed consent form, consent %(id)s") % {"id": consent.pk},
            content=content,
            size=size,
        )
        try:
            return add_signature(
                consent=consent,
                recorded_by=recorded_by,
                method=SignatureMethod.UPLOADED_FORM,
                evidence="",
                signed_at=signed_at,
                family_member=family_member,
                document=document,
            )
        except BaseException:
            # The transaction takes the document's row back; its file goes with it.
            document_store.remove(document.storage_name)
            raise


def _activate(consent: Consent) -> None:
    _move(consent, Status.ACTIVE)
    consent.activated_at = timezone.now()
    consent.save(update_fields=["status", "activated_at"])
    if consent.replaces_id:
        # A renewal or re-signed consent takes over: the one it replaces ends now.
        previous = Consent.objects.select_for_update().get(pk=consent.replaces_id)
        if previous.status == Status.ACTIVE:
            _expire(previous, timezone.now())
    sync_case_permissions(consent.case_id)


@transaction.atomic
def revoke_consent(*, consent: Consent, actor: User, channel: str, reason: str = "") -> Consent:
    """Withdraw a consent now (R13): access goes in this transaction; nothing is deleted (R16)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if channel not in RevocationChannel.values:
        raise ValidationError(
            {
                "channel": [
                    _("Choose from: %(choices)s.")
                    % {"choices": ", ".join(RevocationChannel.values)}
                ]
            }
        )
    _move(consent, Status.REVOKED)
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.revocation_channel = channel
    consent.revocation_reason = reason.strip()[:300]
    consent.save(
        update_fields=[
            "status",
            "revoked_at",
            "revoked_by",
            "revocation_channel",
            "revocation_reason",
        ]
    )
    sync_case_permissions(consent.case_id)
    # The withdrawal and the request's access events commit together: one transaction, one
    # flush to disk, where the log's own transaction after the response would be a second.
    flush_access_events()
    return consent


def _expire(consent: Consent, now: datetime) -> None:
    _move(consent, Status.EXPIRED)
    consent.expired_at = now
    consent.save(update_fields=["status", "expired_at"])


def expire_due_consents(*, now: datetime | None = None) -> int:
    """Mark active consents past expiry (or past their re-signing deadline) expired.

    The policy already refuses them from the second they expire (R14); this sweep makes the
    status and the guardian rows say so too. One transaction per consent, rows locked and
    skipped when another worker holds them.
    """
    now = now or timezone.now()
    lapsed = Q(expires_at__lte=now) | Q(resign_due_at__lte=now)
    due = Consent.objects.filter(lapsed, status=Status.ACTIVE).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        with transaction.atomic():
            consent = (
                Consent.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Status.ACTIVE)
                .first()
            )
            if consent is None:
                continue
            _expire(consent, now)
            sync_case_permissions(consent.case_id, now=now)
            count += 1
    return count


def renew_consent(*, consent: Consent, actor: User, expires_at: datetime | None = None) -> Consent:
    """A change or renewal is a new consent (R12): same terms, a new period, new signatures."""
    starts_at = timezone.now()
    return draft_consent(
        case=consent.case,
        recipient=consent.recipient,
        categories=consent.categories,
        purpose=consent.purpose,
        purpose_text=consent.purpose_text,
        starts_at=starts_at,
        expires_at=expires_at or default_expiry(starts_at),
        actor=actor,
        replaces=consent,
    )


def consents_in_effect(case: Case, now: datetime | None = None) -> QuerySet[Consent]:
    now = now or timezone.now()
    return Consent.objects.filter(
        case=case, status=Status.ACTIVE, starts_at__lte=now, expires_at__gt=now
    )
