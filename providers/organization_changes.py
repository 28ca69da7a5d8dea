"""The record of what happened to each organization (issue 17): created, renamed, its kind or
whether it leads cases changed, deactivated, reactivated; who did it and when.

Append-only, like ``MembershipChange``: the site operator's and the admins' changes to an
organization stay readable after the fact.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from providers.models import AppendOnlyError, Organization


class OrganizationChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    RENAMED = "renamed", _("Renamed")
    KIND_CHANGED = "kind_changed", _("Kind changed")
    LEADS_CASES_CHANGED = "leads_cases_changed", _("Leading cases changed")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")


class OrganizationChange(models.Model):
    """One change to an organization: what, from what to what, by whom, when."""

    Action = OrganizationChangeAction

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="changes")
    # Null: a management command (``create_organization``), or an account since deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organization_changes_made",
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    before = models.CharField(max_length=200, blank=True)
    after = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=[a.value for a in OrganizationChangeAction]),
                name="organization_change_action_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-at"], name="organization_change_org_at")]

    def __str__(self) -> str:
        return f"{self.action} of organization {self.organization_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("A recorded organization change is never edited.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("A recorded organization change is never deleted.")

    def _readable(self, value: str) -> str:
        if self.action == OrganizationChangeAction.KIND_CHANGED:
            return str(dict(Organization.Kind.choices).get(value, value))
        if self.action == OrganizationChangeAction.LEADS_CASES_CHANGED:
            return str(_("Leads cases") if value == "yes" else _("Receives referrals only"))
        return value

    @property
    def before_display(self) -> str:
        return self._readable(self.before)

    @property
    def after_display(self) -> str:
        return self._readable(self.after)
