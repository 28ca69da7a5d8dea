"""Consents, their signatures, compelled disclosures, and the permission rows they produce.

A consent is the young person's written, time-limited permission for one organization to see
some categories of their record for one purpose (DESIGN.md, principle 2). The guardian rows at
the bottom are never written by hand: ``consent.permissions.sync_case_permissions`` derives
them from consents and care teams.
"""

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.models import Case, FamilyMember, Person
from providers.models import Organization

USER = settings.AUTH_USER_MODEL

REDISCLOSURE_NOTICE = (
    "This information was released with the young person's written consent for the purpose "
    "stated. The recipient may not disclose it to anyone else, forward it, refer onward with "
    "it or export it without a new written consent naming the further recipient."
)


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": [c.value for c in choices]})


class ConsentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_SIGNATURE = "pending_signature", _("Pending signature")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class ConsentPurpose(models.TextChoices):
    REFERRAL = "referral", _("Referral to a service")
    CARE_COORDINATION = "care_coordination", _("Care coordination")
    BENEFITS = "benefits_eligibility", _("Benefits and eligibility")
    # R41: the only basis for moving a case's lead to the recipient. It releases nothing to
    # read: until the recipient accepts it sees a non-identifying offer, then it is the lead.
    TRANSFER = "service_transfer", _("Transferring services to this organization")
    OTHER = "other", _("Other")


class SignerRule(models.TextChoices):
    """Who had to sign, decided when the consent was submitted for signature."""

    SELF = "self", _("The young person (adult)")
    MINOR_WITH_PARENT = "minor_with_parent", _("The young person and a parent or guardian")
    MINOR_ALONE = "minor_alone", _("The young person alone (may lawfully consent alone)")
    ADULT_WITH_GUARDIAN = "adult_with_guardian", _("The court-appointed guardian")


class RevocationChannel(models.TextChoices):
    PORTAL = "portal", _("The young person, in the portal")
    SPOKEN = "staff_spoken", _("Staff, recording a spoken withdrawal")
    WRITTEN = "staff_written", _("Staff, recording a written withdrawal")
    # Issue 18: staff closing the case chose to end the consents in force with it.
    CASE_CLOSED = "case_closed", _("Ended when the case was closed")


# What may still be written on a consent once it is active: how and when it ended.
ENDING_FIELDS = frozenset(
    {
        "status",
        "activated_at",
        "revoked_at",
        "revoked_by",
        "revocation_channel",
        "revocation_reason",
        "expired_at",
        "resign_due_at",
    }
)


class ImmutableConsent(Exception):
    """A write to the terms of a consent that is, or was, in force: a bug, never user input."""


class Consent(models.Model):
    """Permission for one organization to see some categories of a young person's record."""

    Status = ConsentStatus
    Purpose = ConsentPurpose

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    recipient = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consents_received"
    )
    categories = models.JSONField(help_text="Data categories released (at least one).")
    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    purpose_text = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    agreed_verbally = models.BooleanField(
        default=False, help_text="Started from a spoken agreement: a draft that shares nothing."
    )
    signer_rule = models.CharField(max_length=20, choices=SignerRule.choices, blank=True)
    signer_rule_basis = models.CharField(
        max_length=300, blank=True, help_text="Legal basis when a minor may consent alone."
    )
    redisclosure_notice = models.TextField(default=REDISCLOSURE_NOTICE)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    receipt_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    principal_id = models.UUIDField(help_text="Opaque id of the young person for receipts.")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_channel = models.CharField(max_length=16, choices=RevocationChannel, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    resign_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Signed for a minor by someone else; lapses then unless the young person signs.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("status", ConsentStatus), name="consent_status"),
            models.CheckConstraint(
                condition=_in("purpose", ConsentPurpose), name="consent_purpose"
            ),
            models.CheckConstraint(
                condition=~Q(purpose="other") | ~Q(purpose_text=""),
                name="consent_other_purpose_explained",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("starts_at")), name="consent_expires_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked")
                | Q(revoked_at__isnull=False) & ~Q(revocation_channel=""),
                name="consent_revocation_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending_signature"])
                | Q(activated_at__isnull=False),
                name="consent_activation_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "status"], name="consent_case_status"),
            models.Index(fields=["status", "expires_at"], name="consent_status_expiry"),
            models.Index(fields=["recipient", "status"], name="consent_recipient_status"),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Once signed, only the consent's end may be written (R12): a change is a new consent."""
        fields = kwargs.get("update_fields")
        signed = self.pk is not None and self.status not in (
            ConsentStatus.DRAFT,
            ConsentStatus.PENDING_SIGNATURE,
        )
        if signed and (fields is None or not set(fields) <= ENDING_FIELDS):
            raise ImmutableConsent(f"Only {', '.join(sorted(ENDING_FIELDS))} may change now.")
        super().save(*args, **kwargs)

    def status_at(self, moment: datetime) -> str:
        """The status in force at ``moment``: an active consent past its expiry, or past the
        date its young person had to re-sign by, is expired (R14), before the sweep says so."""
        resign_missed = self.resign_due_at is not None and self.resign_due_at <= moment
        if self.status == ConsentStatus.ACTIVE and (self.expires_at <= moment or resign_missed):
            return ConsentStatus.EXPIRED
        return self.status

    @property
    def current_status(self) -> str:
        """The status people read: ``status_at`` now (STYLE: people read effective state)."""
        return self.status_at(timezone.now())

    def get_current_status_display(self) -> str:
        return str(ConsentStatus(self.current_status).label)


class SignerRole(models.TextChoices):
    YOUNG_PERSON = "young_person", _("The young person")
    PARENT = "parent", _("Parent")
    GUARDIAN = "guardian", _("Legal guardian")
    LEGAL_CUSTODIAN = "legal_custodian", _("Legal custodian")
    COURT_APPOINTED_GUARDIAN = "court_appointed_guardian", _("Court-appointed guardian")


class SignatureMethod(models.TextChoices):
    """Written methods only: a verbal agreement is never a signature (R04)."""

    PORTAL = "portal_esignature", _("Portal e-signature")
    UPLOADED_FORM = "uploaded_form", _("Uploaded signed form")


class Signature(models.Model):
    """One required signer's written signature of a consent."""

    Role = SignerRole
    Method = SignatureMethod

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="signatures")
    signer_role = models.CharField(max_length=24, choices=Role.choices)
    family_member = models.ForeignKey(
        FamilyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    signed_at = models.DateTimeField()
    evidence = models.CharField(
        max_length=300, help_text="Portal session reference, or the stored form's reference."
    )
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    # The uploaded scan of the signed form (R45); it stays while the signature does.
    document = models.ForeignKey(
        "cases.CaseDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("signer_role", SignerRole), name="signature_role"),
            models.CheckConstraint(
                condition=_in("method", SignatureMethod), name="signature_method"
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="signature_has_evidence"),
            models.CheckConstraint(
                condition=Q(signer_role="young_person", family_member__isnull=True)
                | ~Q(signer_role="young_person") & Q(family_member__isnull=False),
                name="signature_names_its_signer",
            ),
            models.UniqueConstraint(
                fields=["consent"],
                condition=Q(signer_role="young_person"),
                name="signature_young_person_once",
            ),
            models.UniqueConstraint(
                fields=["consent", "family_member"], name="signature_family_member_once"
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.pk} of consent {self.consent_id}"


class CompelledAuthority(models.TextChoices):
    """A subpoena alone is not enough (R23), so it is not a choice."""

    COURT_ORDER = "court_order", _("Court order")
    STATUTE = "statute", _("Statutory mandate")


class CompelledDisclosure(models.Model):
    """A disclosure the law compelled: its own basis, never a consent (R23)."""

    Authority = CompelledAuthority

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="compelled_disclosures")
    authority = models.CharField(max_length=12, choices=Authority.choices)
    legal_authority = models.CharField(
        max_length=300, help_text="The order's docket number or the statute's citation."
    )
    recipient_name = models.CharField(max_length=200, help_text="The court or agency.")
    categories = models.JSONField()
    disclosed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    young_person_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("authority", CompelledAuthority), name="compelled_authority"
            ),
            models.CheckConstraint(
                condition=~Q(legal_authority=""), name="compelled_names_legal_authority"
            ),
        ]

    def __str__(self) -> str:
        return f"compelled disclosure {self.pk}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Care-team grants (django-guardian, direct foreign key)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="case_user_perm_lookup")]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Partner grants to an organization's group, valid for the consents' period."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission"], name="case_group_perm_lookup")]


class AccessOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class AppendOnlyQuerySet(models.QuerySet):
    """Access events are never changed or removed through the ORM (R27)."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("Access events are append-only.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise TypeError("Access events are append-only.")

    def bulk_update(self, objs, fields, batch_size=None):  # type: ignore[no-untyped-def]
        raise TypeError("Access events are append-only.")


class NamesCase(models.Lookup):
    """``case_ids__names=<id>``: a page event's list of cases includes this one. On PostgreSQL
    JSON containment, which the partial GIN index of the page events answers; on SQLite a scan
    of the list."""

    lookup_name = "names"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} @> %s::jsonb", [*lhs_params, f"[{int(self.rhs)}]"]
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)",  # noqa: S608 (lhs: the compiled column)
            [*lhs_params, int(self.rhs)],
        )


class CaseIdList(models.JSONField):
    """A list of case ids, searchable by one of them (``names``)."""


CaseIdList.register_lookup(NamesCase)


class AccessEvent(models.Model):
    """One read, write or refused attempt on case data (R24), chained by a keyed hash (R27).

    An event names one case (``case``), or, for a list read, every case the page showed
    (``case_ids``, R24's page event: the same user, basis, categories and outcome for each of
    them; ``case`` is then empty). Readers find both through ``consent.access_history``.

    Written only by ``consent.access_log.record_events``. It holds ids and codes, never personal
    data (R25). The foreign keys have no database constraint and never cascade, so nothing a
    user, organization or case goes through can edit the log.
    """

    Outcome = AccessOutcome

    at = models.DateTimeField()
    user = models.ForeignKey(
        USER, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    role = models.CharField(max_length=24, blank=True)
    case = models.ForeignKey(
        Case, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    case_ids = CaseIdList(default=list, db_default=[], blank=True)
    categories = models.JSONField(default=list)
    action = models.CharField(max_length=40)
    basis = models.CharField(max_length=40, blank=True, help_text='A role, or "consent:<id>".')
    consent = models.ForeignKey(
        Consent, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    purpose = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    request_id = models.CharField(max_length=36, blank=True)
    # Which chain the event extends (consent.access_log: appends chain side by side in lanes),
    # and its place in that chain.
    lane = models.PositiveSmallIntegerField(default=0, db_default=0)
    sequence = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    # Which of HARBOR_ACCESS_LOG_KEYS made ``hash`` (consent.access_log_keys): its id, not the key.
    key_id = models.CharField(max_length=16)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lane", "sequence"], name="access_event_lane_sequence")
        ]
        # A case's history, newest first (the id orders events across lanes).
        # (The page events' cases have a partial GIN index on PostgreSQL: migration 0008.)
        indexes = [models.Index(fields=["case", "id"], name="access_event_case_id")]

    def __str__(self) -> str:
        return f"access event {self.lane}/{self.sequence}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise TypeError("Access events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("Access events are append-only.")
