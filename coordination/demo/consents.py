"""Consents of the demo, written through the consent services so permissions follow them.

Every organization a demo referral reached holds a consent covering what the referral
carried, signed in writing by the young person and, for a minor, by a safe parent or
guardian; where a minor has none on record, the case carries the flag that they may consent
alone (the demo's state law). The portal young person also has a consent waiting for their
own signature and one they withdrew, so every state can be seen.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.models import Case, FamilyMember, Flag, Referral
from cases.services.records import raise_flag
from consent.models import Consent, RevocationChannel, SignerRule
from consent.services import (
    draft_consent,
    missing_signers,
    record_signed_form,
    revoke_consent,
    submit_for_signature,
)
from consent.signers import signer_requirement, why_not_a_signer
from coordination.demo.scan import demo_scan
from coordination.demo.stories import Clock
from providers.models import Organization

MINOR_CONSENT_LAW = "Demo: state law lets a minor consent alone to this service"


def write_consents(
    *, case: Case, referrals: Iterable[Referral], staff: User, clock: Clock, now: datetime
) -> list[Consent]:
    """One signed consent per organization the case's sent referrals went to."""
    carried: dict[Organization, set[str]] = {}
    for referral in referrals:
        if referral.status != Referral.Status.DRAFT:
            carried.setdefault(referral.to_organization, set()).update(referral.categories)
    return [
        _signed(
            case=case, recipient=org, categories=sorted(cats), staff=staff, clock=clock, now=now
        )
        for org, cats in carried.items()
    ]


def write_transfer_consent(
    *, case: Case, recipient: Organization, staff: User, clock: Clock, now: datetime
) -> Consent:
    """The young person's signed consent to transferring their services to ``recipient``,
    the basis of the transfer their story asks for (R41). It releases nothing to read."""
    return _signed(
        case=case,
        recipient=recipient,
        categories=list(DATA_CATEGORIES),
        staff=staff,
        clock=clock,
        now=now,
        purpose=Consent.Purpose.TRANSFER,
    )


def _period(clock: Clock, now: datetime) -> tuple[datetime, datetime]:
    """Signed just before the first referral went; lasting the default 90 days, or into the
    demo's future when the story is older than that (never past the 12-month maximum)."""
    starts_at = clock.at(0.3)
    expires_at = max(starts_at + timedelta(days=90), now + timedelta(days=45))
    return starts_at, min(expires_at, starts_at + timedelta(days=365))


def _signed(
    *,
    case: Case,
    recipient: Organization,
    categories: list[str],
    staff: User,
    clock: Clock,
    now: datetime,
    purpose: str = Consent.Purpose.REFERRAL,
) -> Consent:
    starts_at, expires_at = _period(clock, now)
    consent = draft_consent(
        case=case,
        recipient=recipient,
        categories=categories,
        purpose=purpose,
        actor=staff,
        starts_at=starts_at,
        expires_at=expires_at,
    )
    rule = signer_requirement(case, now.date()).rule
    if rule == SignerRule.MINOR_WITH_PARENT and _adult_signer(case, rule) is None:
        _may_consent_alone(case, staff)
    consent = submit_for_signature(consent=consent, actor=staff)
    _sign(consent, staff=staff, at=starts_at)
    consent.refresh_from_db()
    if missing_signers(consent):
        _sign(
            consent,
            staff=staff,
            at=starts_at,
            family_member=_adult_signer(case, consent.signer_rule),
        )
    consent.refresh_from_db()
    return consent


def _adult_signer(case: Case, rule: str) -> FamilyMember | None:
    members = case.person.family_members.order_by("pk")
    return next((m for m in members if not why_not_a_signer(m, rule)), None)


def _may_consent_alone(case: Case, staff: User) -> None:
    current = Flag.objects.filter(
        case=case, kind=Flag.Kind.MAY_CONSENT_ALONE, cleared_at__isnull=True
    )
    if not current.exists():
        raise_flag(case=case, actor=staff, kind=Flag.Kind.MAY_CONSENT_ALONE, text=MINOR_CONSENT_LAW)


def _sign(
    consent: Consent, *, staff: User, at: datetime, family_member: FamilyMember | None = None
) -> None:
    # As staff do it on the signature page: the scan becomes a document of the case (R45).
    scan = demo_scan()
    record_signed_form(
        consent=consent,
        recorded_by=staff,
        content=scan,
        size=len(scan),
        signed_at=at,
        family_member=family_member,
    )


def write_portal_consents(
    *, case: Case, recipient: Organization, staff: User, clock: Clock, now: datetime
) -> None:
    """For the portal young person: one consent they withdrew, one awaiting their signature."""
    withdrawn = _signed(
        case=case,
        recipient=recipient,
        categories=["notes"],
        staff=staff,
        clock=clock,
        now=now,
        purpose=Consent.Purpose.CARE_COORDINATION,
    )
    young_person = case.person.user or staff
    revoke_consent(
        consent=withdrawn,
        actor=young_person,
        channel=RevocationChannel.PORTAL,
        reason="Changed my mind about sharing notes.",
    )
    waiting = draft_consent(
        case=case,
        recipient=recipient,
        categories=["plan"],
        purpose=Consent.Purpose.CARE_COORDINATION,
        actor=staff,
        starts_at=now,
        expires_at=now + timedelta(days=90),
    )
    submit_for_signature(consent=waiting, actor=staff)
