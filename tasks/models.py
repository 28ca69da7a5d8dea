"""Follow-ups (work someone must do by a due time) and the young person's portal notices.

This is the minimal model issue 4 builds its rules, reminders and escalations on. A follow-up
lands in an organization's queue and, when known, with one assignee. A portal notice holds no
text: only its kind and the id of what it is about, so no personal data is stored in it; the
portal renders the words when it shows the notice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, Person
from consent.models import CompelledDisclosure, Consent
from providers.models import Organization

USER = settings.AUTH_USER_MODEL


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": [c.value for c in choices]})


class FollowUpKind(models.TextChoices):
    CONSENT_RESIGN = "consent_resign", "Ask the young person to sign their consent themselves"
    NOTIFY_COMPELLED = (
        "notify_compelled_disclosure",
        "Tell the young person about a compelled disclosure",
    )
    CONSENT_RENEWAL = "consent_renewal", "Renew a consent that is about to expire"
    OTHER = "other", "Other"


# Kinds that are about a consent, and the kind that is about a compelled disclosure.
CONSENT_KINDS = (FollowUpKind.CONSENT_RESIGN, FollowUpKind.CONSENT_RENEWAL)


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class FollowUp(models.Model):
    """Something a person or an organization's queue must do about a case by ``due_at``."""

    Kind = FollowUpKind
    Status = FollowUpStatus

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    about_consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    about_compelled = models.ForeignKey(
        CompelledDisclosure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The queue the follow-up belongs to.",
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completion_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("status", FollowUpStatus), name="followup_status"),
            models.CheckConstraint(condition=_in("kind", FollowUpKind), name="followup_kind"),
            models.CheckConstraint(
                condition=Q(status="open", completed_at__isnull=True)
                | ~Q(status="open") & Q(completed_at__isnull=False),
                name="followup_closed_iff_completed_at",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[k.value for k in CONSENT_KINDS])
                | Q(about_consent__isnull=False),
                name="followup_consent_kind_names_consent",
            ),
            models.CheckConstraint(
                condition=~Q(kind=FollowUpKind.NOTIFY_COMPELLED.value)
                | Q(about_compelled__isnull=False),
                name="followup_compelled_kind_names_disclosure",
            ),
            # A rule firing twice (a retried task, a second worker) finds the open one.
            models.UniqueConstraint(
                fields=["kind", "about_consent"],
                condition=Q(status="open", about_consent__isnull=False),
                name="followup_one_open_per_consent_and_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "about_compelled"],
                condition=Q(status="open", about_compelled__isnull=False),
                name="followup_one_open_per_compelled_and_kind",
            ),
        ]
        indexes = [
            # The sweep of issue 4 reads open items by due time only.
            models.Index(fields=["due_at"], condition=Q(status="open"), name="followup_open_due"),
            models.Index(fields=["organization", "status"], name="followup_queue"),
            models.Index(fields=["assignee", "status"], name="followup_assignee"),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} ({self.kind})"


class PortalNoticeKind(models.TextChoices):
    CONSENT_RESIGN = "consent_resign", "A consent needs your own signature"
    CONSENT_RENEWAL = "consent_renewal", "A consent is about to expire"
    COMPELLED_DISCLOSURE = "compelled_disclosure", "Information was disclosed by law"


class PortalNotice(models.Model):
    """A notice in the young person's portal: a kind and an object id, never free text."""

    Kind = PortalNoticeKind

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="portal_notices")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="portal_notices")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(
        help_text="Id of the consent or compelled disclosure the kind is about."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("kind", PortalNoticeKind), name="notice_kind"),
            models.UniqueConstraint(
                fields=["person", "kind", "object_id"], name="notice_once_per_object"
            ),
        ]
        indexes = [models.Index(fields=["person", "read_at"], name="notice_person_unread")]

    def __str__(self) -> str:
        return f"portal notice {self.pk} ({self.kind})"
