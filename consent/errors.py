"""Access errors. They subclass Django's, so both doors answer 404 and 403 without extra code."""

from django.core.exceptions import PermissionDenied
from django.http import Http404


class NotVisible(Http404):
    """The viewer may not know the record exists: answered as 404, never 403."""


class AccessDenied(PermissionDenied):
    """The viewer may see the record but not do this to it."""
