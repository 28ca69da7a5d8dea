"""Whether a young person's safe-contact preferences are fresh enough to act on (R31).

Preferences go stale: a phone changes hands, a safe address stops being safe. Staff re-confirm
them with the young person before contacting them when the last confirmation is older than
``HARBOR["SAFE_CONTACT_RECONFIRM_DAYS"]``. A record never confirmed (a new one) is stale too.
This lives in cases/ so the contact services can ask it; tasks/ re-exports it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy

from cases.models import SafeContactRule

RECONFIRM_MESSAGE = gettext_lazy("Re-confirm the young person's safe-contact preferences first.")


def reconfirm_after() -> timedelta:
    return timedelta(days=settings.HARBOR["SAFE_CONTACT_RECONFIRM_DAYS"])


def needs_reconfirmation(rule: SafeContactRule | None, now: datetime) -> bool:
    """True when the preferences were never confirmed or were confirmed too long ago."""
    if rule is None or rule.confirmed_at is None:
        return True
    return rule.confirmed_at < now - reconfirm_after()
