"""Disclosures: operations that hand a young person's data to another organization.

Each checks the basis for the disclosure, then drives the cases/ transition, in one
transaction. The door has already checked the sender's own access with ``access_case``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.categories import DataCategory
from cases.models import Case, CaseTransfer, Referral
from cases.services import referrals as referral_moves
from cases.services.referrals import mark_referral_sent
from cases.services.transfers import complete_transfer, record_transfer_request
from consent.models import Consent, ConsentPurpose
from providers.models import Organization

# A referral is sent for the purpose "referral"; a care-coordination consent covers it too.
REFERRAL_PURPOSES = (ConsentPurpose.REFERRAL, ConsentPurpose.CARE_COORDINATION)


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


def missing_referral_consent(referral: Referral) -> list[str]:
    """Categories of the referral no active consent to its recipient covers ([] when covered)."""
    consents = _consents_in_force(referral).filter(purpose__in=REFERRAL_PURPOSES)
    categories = consents.values_list("categories", flat=True)
    covered = {category for held in categories for category in held}
    if not categories:
        return sorted(referral.categories) or [_("any category")]
    return sorted(set(referral.categories) - covered)


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
        # Lock the recipient's consents: a revocation waits for this accept, or wins before it.
        consents = Consent.objects.select_for_update().filter(
            case_id=referral.case_id, recipient_id=referral.to_organization_id
        )
        list(consents.values_list("pk", flat=True))
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
def request_case_transfer(
    *, case: Case, to_organization: Organization, reason: str, actor: User
) -> CaseTransfer:
    """Ask another organization to take over the lead of a case."""
    # Consent check: the young person agreed to the case being offered to this organization.
    return record_transfer_request(
        case=case, to_organization=to_organization, reason=reason, actor=actor
    )


@transaction.atomic
def accept_case_transfer(
    *, transfer: CaseTransfer, actor: User, primary_advocate: User
) -> CaseTransfer:
    """The receiving organization takes over the case with ``primary_advocate`` as primary."""
    # Consent check: the young person agreed to the case moving to the receiving organization.
    return complete_transfer(transfer=transfer, actor=actor, primary_advocate=primary_advocate)
