"""Compelled disclosures (R23): what the law made the lead organization hand over.

A compelled disclosure is its own basis, never a consent: it records the authority (a court
order or a statute that requires the disclosure), the legal authority itself (docket number or
citation), the recipient and the categories. A subpoena alone does not compel disclosure of a
survivor's record, so it is refused: staff should ask counsel to contest it or seek an order.
Recording one sends ``compelled_disclosure_recorded``, which opens a follow-up to tell the
young person (tasks/receivers.py), in the same transaction.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.models import Case
from consent.models import CompelledAuthority, CompelledDisclosure
from consent.signals import compelled_disclosure_recorded

SUBPOENA_REFUSED = gettext_lazy(
    "A subpoena alone does not compel disclosure of a young person's record. Record a "
    "disclosure only under a court order or a statute that requires it; ask counsel about "
    "the subpoena."
)


def _authority_error(authority: str) -> str:
    if authority in CompelledAuthority.values:
        return ""
    if "subpoena" in authority.lower():
        return SUBPOENA_REFUSED
    return _("Choose from: %(choices)s.") % {"choices": ", ".join(CompelledAuthority.values)}


def _normalized(categories: object) -> object:
    """Sorted and without repeats when it is a collection of strings; otherwise as given."""
    collection = isinstance(categories, list | tuple | set | frozenset)
    if collection and all(isinstance(category, str) for category in categories):
        return sorted(set(categories))
    return categories


def compelled_disclosure_errors(
    *,
    authority: str,
    legal_authority: str,
    recipient_name: str,
    categories: object,
    disclosed_at: datetime | None,
) -> dict[str, list[str]]:
    """Field messages for a disclosure that may not be recorded ({} when it may)."""
    errors: dict[str, list[str]] = {}
    if message := _authority_error(authority):
        errors["authority"] = [message]
    if not legal_authority.strip():
        errors["legal_authority"] = [
            _("Name the legal authority: the order's docket number or the statute's citation.")
        ]
    if not recipient_name.strip():
        errors["recipient_name"] = [_("Name the court or agency that received the data.")]
    if not isinstance(categories, list | tuple) or not categories:
        errors["categories"] = [_("Choose at least one data category that was disclosed.")]
    elif not all(category in DATA_CATEGORIES for category in categories):
        errors["categories"] = [
            _("Choose from: %(choices)s.") % {"choices": ", ".join(DATA_CATEGORIES)}
        ]
    if disclosed_at is None:
        errors["disclosed_at"] = [_("Record when the data was disclosed.")]
    elif disclosed_at > timezone.now() + timedelta(minutes=5):
        errors["disclosed_at"] = [_("Record a disclosure once it has happened.")]
    return errors


@transaction.atomic
def record_compelled_disclosure(
    *,
    case: Case,
    authority: str,
    legal_authority: str,
    recipient_name: str,
    categories: Iterable[str],
    disclosed_at: datetime | None,
    actor: User,
) -> CompelledDisclosure:
    """Record a disclosure the law compelled, and start the follow-up to tell the young person.

    The door has already checked that ``actor`` may edit the case.
    """
    categories = _normalized(categories)
    errors = compelled_disclosure_errors(
        authority=authority,
        legal_authority=legal_authority,
        recipient_name=recipient_name,
        categories=categories,
        disclosed_at=disclosed_at,
    )
    if errors:
        raise ValidationError(errors)
    disclosure = CompelledDisclosure.objects.create(
        case=case,
        authority=authority,
        legal_authority=legal_authority.strip(),
        recipient_name=recipient_name.strip(),
        categories=categories,
        disclosed_at=disclosed_at,
        recorded_by=actor,
    )
    compelled_disclosure_recorded.send(sender=CompelledDisclosure, disclosure_id=disclosure.pk)
    return disclosure
