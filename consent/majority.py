"""Consents signed for a minor by someone else, once the young person comes of age.

Policy choice (Harbor's, not a rule of law everywhere; issue 3 asks for it to be documented):
a consent a parent, guardian or custodian co-signed while the young person was a minor
(signer rule ``minor_with_parent``) stays valid when the young person reaches the
self-consent age, but only for a grace period (``HARBOR["CONSENT_RESIGN_GRACE_DAYS"]``,
default 30 days). At that birthday the consent gets ``resign_due_at`` and
``consent_needs_resign`` is sent, which opens a follow-up for the care team and posts a notice
in the young person's portal. If the young person signs a consent of their own before then
(a renewal, ``consent.services.renew_consent``, signed by them alone as an adult), its
activation ends the old one; otherwise ``expire_due_consents`` lets the old one lapse at
``resign_due_at``. Why: an adult decides for themselves what is shared, and nobody else's
signature should keep speaking for them; the grace period keeps services from stopping
overnight on the birthday.

Only a known age triggers this: with no recorded date of birth, year or age range the
youngest possible age is unknown and nothing is flagged (the signer rule already treated the
person as a minor). Consents the young person signed alone (as an adult, or as a minor who may
lawfully consent alone) and consents of an adult's court-appointed guardian are not touched.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consent.models import Consent, SignerRule
from consent.permissions import sync_case_permissions
from consent.signals import consent_needs_resign
from consent.signers import self_consent_age, youngest_possible_age


def resign_grace() -> timedelta:
    return timedelta(days=settings.HARBOR["CONSENT_RESIGN_GRACE_DAYS"])


def _candidates(now: datetime) -> list[Consent]:
    """Active, unexpired consents co-signed for a minor and not yet flagged."""
    return list(
        Consent.objects.filter(
            status=Consent.Status.ACTIVE,
            signer_rule=SignerRule.MINOR_WITH_PARENT,
            resign_due_at__isnull=True,
            expires_at__gt=now,
        )
        .select_related("subject")
        .order_by("pk")
    )


def has_come_of_age(consent: Consent, today: date) -> bool:
    age = youngest_possible_age(consent.subject, today)
    return age is not None and age >= self_consent_age()


def flag_consents_for_resigning(*, today: date | None = None, now: datetime | None = None) -> int:
    """Give each consent whose young person has come of age a re-signing deadline; the count.

    Idempotent: a flagged consent has ``resign_due_at`` and is not picked again. One
    transaction per consent, its row locked (skipped when another worker holds it), so the
    deadline, the follow-up and the notice are written together or not at all.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    count = 0
    for candidate in _candidates(now):
        if not has_come_of_age(candidate, today):
            continue
        with transaction.atomic():
            locked = (
                Consent.objects.select_for_update(skip_locked=True)
                .filter(pk=candidate.pk, status=Consent.Status.ACTIVE, resign_due_at__isnull=True)
                .values_list("pk", flat=True)
                .first()
            )
            if locked is None:
                continue
            # The only field of an active consent that may change besides its status.
            Consent.objects.filter(pk=locked).update(resign_due_at=now + resign_grace())
            # The partner's rows now end at the deadline, not at the expiry.
            sync_case_permissions(candidate.case_id, now=now)
            consent_needs_resign.send(sender=Consent, consent_id=locked)
            count += 1
    return count
