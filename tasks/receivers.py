"""Follow-ups and portal notices started by events of the consent engine.

consent/ sits below tasks/ and may not call up into it, so it sends signals
(``consent.signals``) inside its transaction; these receivers write the follow-up and the
notice in that same transaction. They read ids, and write ids and kinds: no personal data.
"""

from datetime import timedelta
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from cases.checkins import CheckIn
from cases.models import Case, Contact, PlanVersion, Referral, ServicePlan
from consent.models import CompelledDisclosure, Consent
from consent.signals import (
    compelled_disclosure_recorded,
    consent_needs_resign,
    consents_ended_with_case,
)
from providers.models import Membership, MembershipChange
from tasks.follow_ups import close_follow_ups, open_follow_up, post_portal_notice
from tasks.models import CONSENT_KINDS, FollowUp, Notification, PortalNotice
from tasks.outbox import Message, notify_many

# The young person hears about a compelled disclosure from their advocate within two days.
NOTIFY_COMPELLED_WITHIN = timedelta(days=2)
# A re-signing follow-up falls due a week before the consent lapses, so there is time to act.
RESIGN_DUE_BEFORE_LAPSE = timedelta(days=7)


@receiver(consent_needs_resign)
def ask_young_person_to_resign(sender: type, consent_id: int, **kwargs: Any) -> None:
    """Follow-up for the care team, and a notice in the young person's portal."""
    consent = Consent.objects.select_related("case").get(pk=consent_id)
    now = timezone.now()
    lapses_at = consent.resign_due_at or now
    open_follow_up(
        case=consent.case,
        kind=FollowUp.Kind.CONSENT_RESIGN,
        about_consent=consent,
        due_at=max(now, lapses_at - RESIGN_DUE_BEFORE_LAPSE),
    )
    post_portal_notice(
        case=consent.case, kind=PortalNotice.Kind.CONSENT_RESIGN, object_id=consent.pk
    )


@receiver(consents_ended_with_case)
def tell_young_person_consents_ended(
    sender: type, case_id: int, consent_ids: list[int], **kwargs: Any
) -> None:
    """A notice in the young person's portal for each consent that ended with their case."""
    case = Case.objects.get(pk=case_id)
    for consent_id in consent_ids:
        post_portal_notice(case=case, kind=PortalNotice.Kind.CONSENT_ENDED, object_id=consent_id)


@receiver(compelled_disclosure_recorded)
def ask_advocate_to_tell_young_person(sender: type, disclosure_id: int, **kwargs: Any) -> None:
    """Follow-up for the care team to tell the young person (R23).

    No automatic portal notice: the advocate tells the young person themselves, because an
    order can come from proceedings involving the person who harmed them, and how and when
    to tell is a safety decision.
    """
    disclosure = CompelledDisclosure.objects.select_related("case").get(pk=disclosure_id)
    open_follow_up(
        case=disclosure.case,
        kind=FollowUp.Kind.NOTIFY_COMPELLED,
        about_compelled=disclosure,
        due_at=timezone.now() + NOTIFY_COMPELLED_WITHIN,
    )


@receiver(post_save, sender=Consent)
def close_consent_follow_ups(sender: type, instance: Consent, **kwargs: Any) -> None:
    """A renewal that activates completes the follow-ups about the consent it replaces; a
    consent that ends otherwise leaves nothing to re-sign or renew."""
    Status = Consent.Status
    if instance.status == Status.ACTIVE and instance.replaces_id:
        close_follow_ups(
            FollowUp.objects.filter(about_consent_id=instance.replaces_id, kind__in=CONSENT_KINDS),
            status=FollowUp.Status.DONE,
            note=f"Renewed by consent {instance.pk}.",
        )
    elif instance.status in (Status.REVOKED, Status.EXPIRED):
        close_follow_ups(
            FollowUp.objects.filter(about_consent_id=instance.pk, kind__in=CONSENT_KINDS),
            status=FollowUp.Status.CANCELLED,
            note=f"The consent was {instance.status} before it was renewed.",
        )


# --- Issue 4: follow-ups close themselves when what they wait for happens -----------------
# The rules (tasks/rules.py) open them; these receivers run in the transaction of the event,
# so a follow-up is never left open beside the answer, contact or review that settled it.
# Notes name the event and ids only.

_REFERRAL_ANSWERED = frozenset(Referral.Status.values) - {
    Referral.Status.DRAFT,
    Referral.Status.SENT,
}


@receiver(post_save, sender=Referral)
def close_referral_follow_ups(sender: type, instance: Referral, **kwargs: Any) -> None:
    """An answered (or withdrawn, or closed) referral no longer waits for an answer."""
    if instance.status in _REFERRAL_ANSWERED:
        close_follow_ups(
            FollowUp.objects.filter(
                about_referral_id=instance.pk, kind=FollowUp.Kind.REFERRAL_UNANSWERED
            ),
            status=FollowUp.Status.DONE,
            note=f"The referral was {instance.get_status_display().lower()}.",
        )


@receiver(post_save, sender=Contact)
def close_no_contact_follow_ups(sender: type, instance: Contact, **kwargs: Any) -> None:
    """A contact logged for a planned service restarts its clock."""
    if instance.planned_service_id is not None:
        close_follow_ups(
            FollowUp.objects.filter(
                about_planned_service_id=instance.planned_service_id,
                kind=FollowUp.Kind.SERVICE_NO_CONTACT,
            ),
            status=FollowUp.Status.DONE,
            note=f"Contact {instance.pk} was logged for the service.",
        )


@receiver(post_save, sender=PlanVersion)
def close_plan_review_on_approval(sender: type, instance: PlanVersion, **kwargs: Any) -> None:
    """Approving a new version of the plan is a review."""
    if instance.status == PlanVersion.Status.APPROVED:
        close_follow_ups(
            FollowUp.objects.filter(about_plan_id=instance.plan_id, kind=FollowUp.Kind.PLAN_REVIEW),
            status=FollowUp.Status.DONE,
            note=f"Version {instance.number} of the plan was approved.",
        )


@receiver(post_save, sender=ServicePlan)
def close_plan_review_on_review(sender: type, instance: ServicePlan, **kwargs: Any) -> None:
    """A recorded review completes the review follow-ups opened before it (a later save of
    the plan for another reason leaves a newer follow-up alone)."""
    if instance.last_reviewed_at is not None:
        close_follow_ups(
            FollowUp.objects.filter(
                about_plan_id=instance.pk,
                kind=FollowUp.Kind.PLAN_REVIEW,
                created_at__lte=instance.last_reviewed_at,
            ),
            status=FollowUp.Status.DONE,
            note="The plan was reviewed.",
        )


@receiver(post_save, sender=CheckIn)
def close_check_in_follow_ups(
    sender: type, instance: CheckIn, created: bool, **kwargs: Any
) -> None:
    """A check-in recorded is the check-in the follow-up asked for (issue 21)."""
    if created:
        close_follow_ups(
            FollowUp.objects.filter(case_id=instance.case_id, kind=FollowUp.Kind.CHECK_IN_DUE),
            status=FollowUp.Status.DONE,
            note=f"Check-in {instance.pk} was recorded.",
        )


# --- Issue 16: the organization's supervisors hear of every role change --------------------
# providers/ sits below tasks/ and records each change (``MembershipChange``) in the
# transaction that makes it; this receiver queues the notices in that same transaction,
# whichever door made the change. The notice is a reason and a count: no names, no roles.


@receiver(post_save, sender=MembershipChange)
def tell_supervisors_of_role_change(
    sender: type, instance: MembershipChange, created: bool, **kwargs: Any
) -> None:
    if not created:
        return
    supervisors = Membership.objects.filter(
        organization_id=instance.organization_id,
        role=Membership.Role.SUPERVISOR,
        is_active=True,
        user__is_active=True,
    ).values_list("user_id", flat=True)
    notify_many(
        Message(
            recipient_id=user_id,
            reason=Notification.Reason.ROLE_CHANGED,
            window=f"membership-change-{instance.pk}",
        )
        for user_id in sorted(set(supervisors))
    )
