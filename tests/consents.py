"""Consents for tests, made through the real services: drafted, submitted, signed in writing."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import User
from cases.models import Case, FamilyMember
from consent.models import Consent, ConsentPurpose, SignatureMethod
from consent.services import (
    add_signature,
    default_expiry,
    draft_consent,
    missing_signers,
    submit_for_signature,
)
from providers.models import Organization
from tests import factories as f

if TYPE_CHECKING:
    from tests.conftest import World


def safe_parent(case: Case) -> FamilyMember:
    """A non-abusive parent, confirmed safe to contact (created once per young person)."""
    parent = case.person.family_members.filter(
        relation=FamilyMember.Relation.MOTHER, contact_is_safe=True
    ).first()
    return parent or f.FamilyMemberFactory(
        person=case.person, relation=FamilyMember.Relation.MOTHER, contact_is_safe=True
    )


def sign(
    consent: Consent,
    *,
    by: User,
    family_member: FamilyMember | None = None,
    signed_at: datetime | None = None,
) -> None:
    add_signature(
        consent=consent,
        recorded_by=by,
        method=SignatureMethod.UPLOADED_FORM,
        evidence="signed form, scanned",
        signed_at=signed_at or timezone.now(),
        family_member=family_member,
    )


def typed_in_late(case: Case, recipient: Organization, *, by: User, days: int) -> Consent:
    """A minor's consent signed on paper: the young person ``days + 6`` days ago, a parent
    ``days`` days ago, both recorded (and the consent activated) only now."""
    now = timezone.now()
    consent = draft_consent(
        case=case,
        recipient=recipient,
        categories=["plan"],
        purpose=ConsentPurpose.CARE_COORDINATION,
        actor=by,
        starts_at=now - timedelta(days=days + 7),
        expires_at=now + timedelta(days=30),
    )
    submit_for_signature(consent=consent, actor=by)
    sign(consent, by=by, signed_at=now - timedelta(days=days + 6))
    sign(consent, by=by, family_member=safe_parent(case), signed_at=now - timedelta(days=days))
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    return consent


def grant_consent(
    case: Case,
    recipient: Organization,
    categories: list[str],
    *,
    by: User,
    purpose: str = ConsentPurpose.CARE_COORDINATION,
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Consent:
    """An active consent: every required signer signed (a parent too, for a minor)."""
    starts_at = starts_at or timezone.now()
    consent = draft_consent(
        case=case,
        recipient=recipient,
        categories=categories,
        purpose=purpose,
        actor=by,
        starts_at=starts_at,
        expires_at=expires_at or default_expiry(starts_at),
    )
    submit_for_signature(consent=consent, actor=by)
    sign(consent, by=by)
    consent.refresh_from_db()
    if missing_signers(consent):
        sign(consent, by=by, family_member=safe_parent(case))
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    return consent


def store(consent: Consent) -> None:
    """Write a consent's fields as they are, bypassing the rules: for setting up a test state
    (an active consent cannot be saved with new terms, R12)."""
    fields = {f.attname: getattr(consent, f.attname) for f in Consent._meta.concrete_fields}
    Consent.objects.filter(pk=consent.pk).update(**fields)


def pending_consent(world: "World") -> Consent:
    """A consent of the world's case to its partner, waiting for its signatures."""
    consent = draft_consent(
        case=world.case,
        recipient=world.partner,
        categories=["plan"],
        purpose=ConsentPurpose.REFERRAL,
        actor=world.advocate,
        starts_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
    )
    return submit_for_signature(consent=consent, actor=world.advocate)
