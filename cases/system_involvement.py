"""What the systems did (issue 21, point 2): law-enforcement contact, arrest, detention, a
child-welfare investigation, removal or placement, juvenile court, a missing or runaway
episode, each with its date, recorded by the lead organization's staff.

These are the lead organization's own working records: no consent releases them, the young
person's portal does not show them, and they leave the organization only as suppressed counts
(consent.policy.visible_system_involvement decides who reads them). Removing an event keeps
its row with who removed it, when and why, as deleting a document does.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.encryption import EncryptedCharField, EncryptedTextField
from providers.models import Organization


class SystemInvolvementKind(models.TextChoices):
    LAW_ENFORCEMENT_CONTACT = "law_enforcement_contact", _("Law-enforcement contact")
    ARREST = "arrest", _("Arrest")
    DETENTION = "detention", _("Detention")
    CHILD_WELFARE_INVESTIGATION = "child_welfare_investigation", _("Child-welfare investigation")
    REMOVAL_OR_PLACEMENT = "removal_or_placement", _("Removal or placement")
    JUVENILE_COURT = "juvenile_court", _("Juvenile court")
    MISSING_OR_RUNAWAY = "missing_or_runaway", _("Missing or runaway episode")


class SystemInvolvementEvent(models.Model):
    """One event of a system's involvement in the young person's life, on one case."""

    Kind = SystemInvolvementKind

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="system_involvement"
    )
    # The lead organization that recorded it: its record, whoever leads the case later.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    occurred_on = models.DateField()
    # Details can name places and people: encrypted like notes (R37).
    note = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = EncryptedCharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SystemInvolvementKind.values),
                name="system_involvement_kind_valid",
            ),
            # Removed with a reason, or not removed and no reason: never one without the other.
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True, removal_reason="")
                | Q(removed_at__isnull=False) & ~Q(removal_reason=""),
                name="system_involvement_removal_explained",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "occurred_on"], name="system_involvement_case_date")
        ]

    def __str__(self) -> str:
        return f"system-involvement event {self.pk}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
