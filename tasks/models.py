"""Follow-ups (work someone must do by a due time) and the young person's portal notices.

This is the minimal model issue 4 builds its rules, reminders and escalations on. A follow-up
lands in an organization's queue and, when known, with one assignee. A portal notice holds no
text: only its kind and the id of what it is about, so no personal data is stored in it; the
portal renders the words when it shows the notice.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Person, PlannedService, Referral, ServicePlan
from consent.models import CompelledDisclosure, Consent
from providers.models import Organization

USER = settings.AUTH_USER_MODEL


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": [c.value for c in choices]})


class FollowUpKind(models.TextChoices):
    REFERRAL_UNANSWERED = "referral_unanswered", _("A referral is waiting for an answer")
    SERVICE_NO_CONTACT = "service_no_contact", _("No contact logged for a service")
    PLAN_REVIEW = "plan_review", _("Review the service plan")
    CONSENT_RESIGN = "consent_resign", _("Ask the young person to sign their consent themselves")
    NOTIFY_COMPELLED = (
        "notify_compelled_disclosure",
        _("Tell the young person about a compelled disclosure"),
    )
    CONSENT_RENEWAL = "consent_renewal", _("Renew a consent that is about to expire")
    CONSENT_DECLINED = (
        "consent_declined",
        _("The young person said no to a consent request: talk it over, nothing is shared"),
    )
    CHECK_IN_DUE = "check_in_due", _("Check in with the young person")
    OTHER = "other", _("Other (written by hand)")


# Kinds that are about a consent, and the kind that is about a compelled disclosure.
CONSENT_KINDS = (FollowUpKind.CONSENT_RESIGN, FollowUpKind.CONSENT_RENEWAL)
# The object each rule-made kind is about (hand-written follow-ups may name none).
ABOUT_FIELD = {
    FollowUpKind.REFERRAL_UNANSWERED: "about_referral",
    FollowUpKind.SERVICE_NO_CONTACT: "about_planned_service",
    FollowUpKind.PLAN_REVIEW: "about_plan",
    FollowUpKind.CONSENT_RESIGN: "about_consent",
    FollowUpKind.CONSENT_RENEWAL: "about_consent",
    FollowUpKind.NOTIFY_COMPELLED: "about_compelled",
    FollowUpKind.CONSENT_DECLINED: "about_consent",
}


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(models.Model):
    """Something a person or an organization's queue must do about a case by ``due_at``."""

    Kind = FollowUpKind
    Status = FollowUpStatus

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    about_referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    about_planned_service = models.ForeignKey(
        PlannedService, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    about_plan = models.ForeignKey(
        ServicePlan, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
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
    description = models.CharField(
        max_length=300, blank=True, help_text="What to do, for follow-ups written by hand."
    )
    completion_note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_to = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(escalated_at__isnull=True) | Q(escalated_to__isnull=False),
                name="followup_escalation_names_supervisor",
            ),
            # A rule firing twice (a retried task, a second worker) finds the open one. A
            # referral waits on both sides, so its follow-ups are one per organization.
            models.UniqueConstraint(
                fields=["kind", "about_referral", "organization"],
                condition=Q(status="open", about_referral__isnull=False),
                name="followup_one_open_per_referral_side",
            ),
            models.UniqueConstraint(
                fields=["kind", "about_planned_service"],
                condition=Q(status="open", about_planned_service__isnull=False),
                name="followup_one_open_per_service_and_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "about_plan"],
                condition=Q(status="open", about_plan__isnull=False),
                name="followup_one_open_per_plan_and_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "about_consent"],
                condition=Q(status="open", about_consent__isnull=False),
                name="followup_one_open_per_consent_and_kind",
            ),
            # A check-in is about the case itself: one open check-in follow-up per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="open", kind="check_in_due"),
                name="followup_one_open_check_in_per_case",
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
    CONSENT_RESIGN = "consent_resign", _("A consent needs your own signature")
    CONSENT_RENEWAL = "consent_renewal", _("A consent is about to expire")
    COMPELLED_DISCLOSURE = "compelled_disclosure", _("Information was disclosed by law")
    CONSENT_ENDED = "consent_ended", _("A consent ended when your case was closed")


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


class ReminderChoice(models.Model):
    """What a young person asked to be reminded of by text or e-mail (issue 20); every kind is
    off until they turn it on in the portal. Which channel and when is their safe-contact
    rule's to decide (R28, R29); the words are always the neutral line (R30)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="reminder_choice")
    consents_to_sign = models.BooleanField(
        default=False, help_text="A consent is waiting for their signature."
    )
    plans_to_approve = models.BooleanField(
        default=False, help_text="A plan version is waiting for their approval."
    )
    service_contacts = models.BooleanField(
        default=False, help_text="A planned service's next contact is due."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reminder choice of person {self.person_id}"

    @property
    def any_on(self) -> bool:
        return self.consents_to_sign or self.plans_to_approve or self.service_contacts


class ContinuityRules(models.Model):
    """An organization's numbers for the follow-up rules (issue 4); defaults for everyone else.

    Business days are Monday to Friday in the organization's time zone.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="continuity_rules"
    )
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    referral_answer_business_days = models.PositiveSmallIntegerField(default=2)
    referral_escalation_business_days = models.PositiveSmallIntegerField(default=5)
    referral_expiry_business_days = models.PositiveSmallIntegerField(default=15)
    default_contact_days = models.PositiveSmallIntegerField(
        default=14, help_text="For services whose expected contact frequency is not set."
    )
    plan_review_days = models.PositiveSmallIntegerField(default=90)
    consent_renewal_days = models.PositiveSmallIntegerField(default=14)
    overdue_grace_days = models.PositiveSmallIntegerField(default=3)
    caseload_limit = models.PositiveSmallIntegerField(
        default=25, help_text="Open cases one primary advocate should carry at most."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(referral_answer_business_days__gte=1)
                & Q(referral_escalation_business_days__gt=F("referral_answer_business_days"))
                & Q(referral_expiry_business_days__gt=F("referral_escalation_business_days")),
                name="rules_referral_clock_in_order",
            ),
            models.CheckConstraint(
                condition=Q(default_contact_days__gte=1)
                & Q(plan_review_days__gte=1)
                & Q(consent_renewal_days__gte=1),
                name="rules_periods_positive",
            ),
            models.CheckConstraint(
                condition=Q(caseload_limit__gte=1), name="rules_caseload_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"continuity rules of {self.organization}"


class NotificationReason(models.TextChoices):
    FOLLOW_UP_DUE = "follow_up_due", _("A follow-up is due")
    ESCALATION = "escalation", _("A follow-up was escalated to you")
    SERVICE_LAPSED = "service_lapsed", _("A service lapsed")
    REFERRAL_EXPIRED = "referral_expired", _("A referral closed without a response")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly digest")
    DAILY_DIGEST = "daily_digest", _("Daily digest")
    PORTAL_NOTICE = "portal_notice", _("Something in the portal needs you")
    ROLE_CHANGED = "role_changed", _("A role changed at your organization")


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    HELD = "held", _("Held until the next safe window")
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")
    SUPPRESSED = "suppressed", _("Not sent: no safe channel")


class Notification(models.Model):
    """One message to one recipient for one reason, in the outbox until delivered.

    ``key`` (follow-up, recipient, reason, channel, due window) is unique, so a rule firing
    twice, a second worker or a retried task never notifies twice. Bodies are rendered at
    delivery from ``reason`` and counts; no personal data is stored or sent.
    """

    Reason = NotificationReason
    Channel = NotificationChannel
    Status = NotificationStatus

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    item_count = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    deliver_after = models.DateTimeField(help_text="Not before: the next safe window.")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Times handed to the provider, counted before each hand-over."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Stable per row (tasks/delivery.py): a resend carries the first send's Message-ID and
    # provider idempotency key, so a mail client or the provider can fold the two.
    message_id = models.CharField(max_length=200, blank=True)
    provider_result = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("reason", NotificationReason), name="notif_reason"
            ),
            models.CheckConstraint(
                condition=_in("channel", NotificationChannel), name="notif_channel"
            ),
            models.CheckConstraint(
                condition=_in("status", NotificationStatus), name="notif_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notif_sent_at"
            ),
        ]
        indexes = [
            # The delivery sweep reads only what is waiting, by when it may go.
            models.Index(
                fields=["deliver_after"],
                condition=Q(status__in=["pending", "held"]),
                name="notif_waiting",
            ),
            # Claims a dead worker left behind are found by when they were taken (delivery).
            models.Index(
                fields=["last_attempt_at"],
                condition=Q(status="claimed"),
                name="notif_claimed",
            ),
            models.Index(fields=["recipient", "channel", "read_at"], name="notif_inbox"),
        ]

    def __str__(self) -> str:
        return f"notification {self.pk} ({self.reason}, {self.channel})"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Each one as it comes")
    DAILY = "daily_digest", _("One daily digest")
    OFF = "off", _("No e-mail (in-app only)")


class NotificationSettings(models.Model):
    """A user's choice of how staff e-mail reaches them; in-app always works."""

    Mode = EmailMode

    user = models.OneToOneField(
        USER, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_mode = models.CharField(max_length=14, choices=Mode.choices, default=Mode.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("email_mode", EmailMode), name="notif_mode"),
        ]

    def __str__(self) -> str:
        return f"notification settings of user {self.user_id}"


class RetentionRun(models.Model):
    """One run of the retention job (R35): when it ran and how much it purged, counts only."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cases_purged = models.PositiveIntegerField(default=0)
    people_purged = models.PositiveIntegerField(default=0)
    counts = models.JSONField(
        default=dict, blank=True, help_text="Rows cleared or removed, per kind of record."
    )

    class Meta:
        indexes = [models.Index(fields=["-started_at"], name="retention_run_recent")]

    def __str__(self) -> str:
        return f"retention run {self.pk}"


class RetentionPurge(models.Model):
    """The marker that a closed case was purged, so it is purged once; its counts for the
    lead organization's report. Holds ids and numbers only."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="retention_purge")
    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="purges")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="retention_purges"
    )
    person_purged = models.BooleanField(
        default=False, help_text="The young person's own record went too (no other live case)."
    )
    counts = models.JSONField(default=dict, blank=True)
    purged_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organization", "run"], name="retention_purge_org_run")]

    def __str__(self) -> str:
        return f"retention purge of case {self.case_id}"
