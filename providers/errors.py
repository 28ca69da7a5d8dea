"""Domain errors raised by the services of providers/; the doors turn them into 403s."""

from django.core.exceptions import PermissionDenied


class SelfGrantRefused(PermissionDenied):
    """Someone tried to give themself a role that reads case data (issue 16): such a role is
    given by another admin of the organization or by the site operator."""
