"""Disclosures: operations that hand a young person's data to another organization.

Each checks the basis for the disclosure, then drives the cases/ transition, in one
transaction. The door has already checked the sender's own access with ``access_case``.

Referrals: sending, accepting, starting the service, completing it and logging its contacts
all work with what the referral carries, so each re-checks that a consent in force still
covers it (R13: a withdrawn or expired consent stops the work at once). Declining and
closing without service close the receiving organization's own record and read nothing of
the young person's; they stay open after withdrawal so the partner can close its books. The
lead's own withdrawal needs no consent.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.categories import DataCategory
from cases.models import Case, CaseTransfer, Contact, Referral
from cases.services import referrals as referral_moves
from cases.services.records import log_service_contact
from cases.services.referrals import mark_referral_sent
from cases.services.transfers import (
    complete_transfer,
    record_transfer_request,
    transfer_request_errors,
)
from consent.access_log import note_transfer_accepted
from consent.models import Consent, ConsentPurpose
from consent.policy import REFERRAL_PURPOSES, referral_release, viewer_for
from providers.models import Organization

__all__ = ["REFERRAL_PURPOSES"]  # re-exported for the doors that name the purposes


def missing_referral_consent(referral: Referral) -> list[str]:
    """Categories of the referral no consent in force to its recipient covers ([] when
    covered); the same answer as the policy's ``referral_release``."""
    release = referral_release(referral)
    if not release.grants:
        return list(release.missing) or [_("any category")]
    return list(release.missing)


def _lock_recipient_consents(referral: Referral) -> None:
    # A revocation waits for this move, or wins before it: never half of each.
    consents = Consent.objects.select_for_update().filter(
        case_id=referral.case_id, recipient_id=referral.to_organization_id
    )
    list(consents.values_list("pk", flat=True))


def _require_consent_in_force(referral: Referral) -> None:
    """Refuse a move on a referral that no consent in force covers any more (R13)."""
    _lock_recipient_consents(referral)
    missing = missing_referral_consent(referral)
    if missing:
        raise ValidationError(
            {
                "consent": [
                    _(
                        "The young person's information is no longer shared with your "
                        "organization, so this referral cannot go on. You can close it "
                        "without service."
                    )
                ]
            }
        )


def _consents_in_force(referral: Referral) -> QuerySet[Consent]:
    """The case's consents to the referral's recipient that are in force now, any purpose."""
    now = timezone.now()
    return Consent.objects.filter(
        Q(resign_due_at__isnull=True) | Q(resign_due_at__gt=now),
        case_id=referral.case_id,
        recipient_id=referral.to_organization_id,
        status=Consent.Status.ACTIVE,
        starts_at__lte=now,
        expires_at__gt=now,
    )


def _category_words(categories: list[str]) -> str:
    return ", ".join(
        str(DataCategory(c).label) if c in DataCategory.values else c for c in categories
    )


def referral_consent_problem(referral: Referral) -> str:
    """Why no consent lets the referral be sent, in words for the sender ('' when one does).

    Three different answers: no consent in force to the recipient at all; consents in force,
    but for a purpose that does not cover a referral; or categories no consent covers.
    """
    missing = missing_referral_consent(referral)
    if not missing:
        return ""
    organization = referral.to_organization.name
    purposes = sorted(set(_consents_in_force(referral).values_list("purpose", flat=True)))
    if not purposes:
        return _(
            "No consent in force lets %(organization)s receive anything from this record. "
            "Ask the young person for a consent to this organization for a referral first."
        ) % {"organization": organization}
    if not set(purposes) & set(REFERRAL_PURPOSES):
        return _(
            "The consent to %(organization)s is for a purpose that does not cover sending a "
            "referral (%(purposes)s). Ask the young person for a consent to this organization "
            "for a referral or for care coordination."
        ) % {
            "organization": organization,
            "purposes": ", ".join(str(ConsentPurpose(p).label) for p in purposes),
        }
    return _(
        "The consent to %(organization)s for a referral does not cover: %(missing)s. Ask the "
        "young person for a consent that covers it, or leave it out of the referral."
    ) % {"organization": organization, "missing": _category_words(missing)}


@transaction.atomic
def send_referral(*, referral: Referral, actor: User) -> Referral:
    """Send a draft referral to its recipient, disclosing the categories it carries.

    Only under an active consent for the recipient that covers every category it carries;
    otherwise a field error says what is missing and nothing is sent.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == Referral.Status.DRAFT:
        problem = referral_consent_problem(referral)
        if problem:
            raise ValidationError({"consent": [problem]})
    return mark_referral_sent(referral=referral, actor=actor)


@transaction.atomic
def accept_referral(*, referral: Referral, actor: User, note: str = "") -> Referral:
    """The recipient takes a sent referral on, only while a consent in force still covers it.

    The consent may have been revoked or have expired since the referral was sent; then the
    recipient may not take the young person's data on, and a field error says so.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == Referral.Status.SENT:
        _lock_recipient_consents(referral)
        missing = missing_referral_consent(referral)
        if missing:
            raise ValidationError(
                {
                    "consent": [
                        _(
                            "No consent in force lets your organization take this referral "
                            "on (not covered: %(missing)s). Decline it, or ask the "
                            "sending organization."
                        )
                        % {"missing": _category_words(missing)}
                    ]
                }
            )
    return referral_moves.accept_referral(referral=referral, actor=actor, note=note)


@transaction.atomic
def start_referred_service(*, referral: Referral, actor: User) -> Referral:
    """The recipient starts delivering the accepted service, only under a consent in force."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _require_consent_in_force(referral)
    return referral_moves.start_referred_service(referral=referral, actor=actor)


@transaction.atomic
def complete_referral(*, referral: Referral, actor: User, outcome_note: str) -> Referral:
    """The recipient reports how the service ended, only under a consent in force: the
    outcome is about the young person and goes back to the lead organization."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _require_consent_in_force(referral)
    return referral_moves.complete_referral(
        referral=referral, actor=actor, outcome_note=outcome_note
    )


@transaction.atomic
def log_referral_contact(
    *,
    referral: Referral,
    actor: User,
    occurred_at: datetime,
    channel: str,
    outcome: str,
    summary: str = "",
) -> Contact:
    """The recipient logs a contact of the service it delivers, only under a consent in force
    (reaching the young person uses their released contact details)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _require_consent_in_force(referral)
    return log_service_contact(
        referral=referral,
        actor=actor,
        occurred_at=occurred_at,
        channel=channel,
        outcome=outcome,
        summary=summary,
    )


@transaction.atomic
def decline_referral(
    *, referral: Referral, actor: User, reason: str, reason_text: str = ""
) -> Referral:
    """The recipient declines. No consent needed: declining takes nothing on and closes the
    recipient's own record, also after the consent ended."""
    return referral_moves.decline_referral(
        referral=referral, actor=actor, reason=reason, reason_text=reason_text
    )


@transaction.atomic
def close_referral_without_service(*, referral: Referral, actor: User, note: str) -> Referral:
    """The recipient closes an accepted referral it will not deliver. No consent needed: it
    is how the partner closes its own record once the young person's information is no
    longer shared with it."""
    return referral_moves.close_referral_without_service(referral=referral, actor=actor, note=note)


def transfer_consent(*, case: Case, organization_id: int, lock: bool = False) -> Consent | None:
    """The young person's consent in force now to transferring their services to the
    organization (R41); None when there is none. ``lock`` (inside a transaction) holds it
    against a withdrawal racing the move.

    Only an active consent counts: it activated with every required signer's written
    signature (R04-R10), so a minor's consent signed by the young person alone is pending and
    moves nothing (R06). Pages use it to say, before the request, whether a transfer can go."""
    now = timezone.now()
    in_force = Consent.objects.filter(
        Q(resign_due_at__isnull=True) | Q(resign_due_at__gt=now),
        case_id=case.pk,
        recipient_id=organization_id,
        purpose=ConsentPurpose.TRANSFER,
        status=Consent.Status.ACTIVE,
        starts_at__lte=now,
        expires_at__gt=now,
    ).order_by("-expires_at", "pk")
    return (in_force.select_for_update() if lock else in_force).first()


def _no_transfer_consent(organization: Organization) -> str:
    return _(
        "No active consent of the young person for transferring their services to "
        "%(organization)s. Ask them to sign a consent to this organization for transferring "
        "their services first."
    ) % {"organization": organization.name}


@transaction.atomic
def request_case_transfer(
    *, case: Case, to_organization: Organization, reason: str, actor: User
) -> CaseTransfer:
    """Ask another organization to take over the lead of a case (R41).

    Only under the young person's active consent naming that organization for transferring
    their services; otherwise a field error on ``to_organization`` and nothing is recorded.
    Until it accepts, the organization sees only the non-identifying offer."""
    errors = transfer_request_errors(case=case, to_organization=to_organization, reason=reason)
    if "to_organization" not in errors and (
        transfer_consent(case=case, organization_id=to_organization.pk, lock=True) is None
    ):
        errors["to_organization"] = [_no_transfer_consent(to_organization)]
    if errors:
        raise ValidationError(errors)
    return record_transfer_request(
        case=case, to_organization=to_organization, reason=reason, actor=actor
    )


@transaction.atomic
def accept_case_transfer(
    *, transfer: CaseTransfer, actor: User, primary_advocate: User
) -> CaseTransfer:
    """The receiving organization takes over the case with ``primary_advocate`` as primary.

    The consent is checked again: if the young person withdrew it, or it expired, since the
    request, acceptance is refused (a field error on ``consent``) and the transfer stays
    requested, showing only the offer, for the receiver to decline or the sender to cancel.
    The acceptance is recorded in the access log on that consent. From then on the previous
    lead's care team has ended and it sees the case only under a consent to it (R41)."""
    transfer = CaseTransfer.objects.select_for_update().select_related("case").get(pk=transfer.pk)
    consent = None
    if transfer.status == CaseTransfer.Status.REQUESTED:
        consent = transfer_consent(
            case=transfer.case, organization_id=transfer.to_organization_id, lock=True
        )
        if consent is None:
            raise ValidationError(
                {
                    "consent": [
                        _(
                            "The young person's consent to transferring their services to your "
                            "organization is no longer in force, so the case cannot be taken "
                            "over. Decline the transfer, or ask the sending organization."
                        )
                    ]
                }
            )
    accepted = complete_transfer(transfer=transfer, actor=actor, primary_advocate=primary_advocate)
    if consent is not None:
        note_transfer_accepted(
            viewer_for(actor),
            case_id=accepted.case_id,
            organization_id=accepted.to_organization_id,
            consent_id=consent.pk,
        )
    return accepted
