"""Disclosures: operations that hand a young person's data to another organization.

Each checks the basis for the disclosure, then drives the cases/ transition, in one
transaction. Until consents exist, the basis is the sender's own access to the case, which
the door checks with ``access_case`` before calling.
"""

from django.db import transaction

from accounts.models import User
from cases.models import Case, CaseTransfer, Referral
from cases.services.referrals import mark_referral_sent
from cases.services.transfers import complete_transfer, record_transfer_request
from providers.models import Organization


@transaction.atomic
def send_referral(*, referral: Referral, actor: User) -> Referral:
    """Send a draft referral to its recipient, disclosing the categories it carries."""
    # Consent check: an active consent covering the recipient and these categories.
    return mark_referral_sent(referral=referral, actor=actor)


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
