"""Invitations: how staff get into Harbor (issue 17).

An org admin (or the site operator, for an organization's first admin) invites a person by
e-mail with their name and role. The e-mail carries a one-time link that expires; following
it, the person chooses a password and the role is given through ``add_membership``, so the
self-grant rule and the record of role changes apply to invitations too. Only a keyed hash of
the link's token is stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from providers.models import Membership, MembershipRole, Organization


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        """Not accepted, not cancelled, not replaced by a resend, not expired."""
        return self.filter(
            accepted_at__isnull=True, ended_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """One invitation link sent to a person for a role at an organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=MembershipRole.choices)
    # None: the site operator, from a command.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # A resend (which sends a new link) or a cancellation ends this one.
    ended_at = models.DateTimeField(null=True, blank=True)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, ended_at__isnull=True),
                name="invitation_open_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk}"
