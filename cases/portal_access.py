"""Portal activation codes (R42): how a young person's portal login is handed over.

An advocate makes a one-time code and gives it in person (on screen or a printed slip) or over
a channel the safe-contact rule allows; Harbor itself never sends it. A code is
``LLLL-SSSS-SSSS``: the first group finds the code (so wrong tries can be counted against it),
the rest is the secret, kept only as a keyed hash.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Letters and digits that cannot be mistaken for one another when read aloud or handwritten.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LOOKUP_LENGTH, SECRET_LENGTH = 4, 8
MAX_WRONG_TRIES = 5


class PortalActivationQuerySet(models.QuerySet["PortalActivation"]):
    def live(self) -> "PortalActivationQuerySet":
        """Codes that may still be used: not used, not ended, not locked, not expired."""
        return self.filter(
            used_at__isnull=True,
            ended_at__isnull=True,
            wrong_tries__lt=MAX_WRONG_TRIES,
            expires_at__gt=timezone.now(),
        )


class PortalActivation(models.Model):
    """One activation code given for a young person's portal login."""

    person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, related_name="portal_activations"
    )
    lookup = models.CharField(max_length=LOOKUP_LENGTH)
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code or the end of portal access replaced this one.
    ended_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    objects = PortalActivationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["lookup"],
                condition=Q(used_at__isnull=True, ended_at__isnull=True),
                name="portal_activation_open_lookup",
            ),
        ]

    def __str__(self) -> str:
        return f"portal activation {self.pk}"
