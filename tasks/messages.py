"""The words of e-mails and texts: a reason and a count in, a subject and a body out.

Nothing here reads a case, a person or an organization: the only inputs are the reason, the
count and whether the recipient is a young person, so no message can carry a name, an alias,
case details, a service type or an organization's name (R30). Messages to a young person are
the same neutral line whatever the reason: someone else may read their phone or inbox.
"""

from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases.models import Person
from tasks.models import Notification, NotificationReason

Reason = NotificationReason

# Translated into the young person's language when the message is rendered.
YOUNG_PERSON_SUBJECT = _("You have a new message")
YOUNG_PERSON_LINE = _("You have a new message. Sign in to read it.")


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def sign_in_url() -> str:
    """Where every message points: the sign-in page, never a case or a record."""
    return urljoin(settings.HARBOR["SITE_URL"].rstrip("/") + "/", settings.LOGIN_URL.lstrip("/"))


def _staff_line(reason: str, count: int) -> str:
    lines = {
        Reason.FOLLOW_UP_DUE: ngettext(
            "You have %(count)d follow-up due in Harbor",
            "You have %(count)d follow-ups due in Harbor",
            count,
        ),
        Reason.ESCALATION: ngettext(
            "%(count)d follow-up was escalated to you in Harbor",
            "%(count)d follow-ups were escalated to you in Harbor",
            count,
        ),
        Reason.SERVICE_LAPSED: ngettext(
            "%(count)d service needs attention in Harbor",
            "%(count)d services need attention in Harbor",
            count,
        ),
        Reason.REFERRAL_EXPIRED: ngettext(
            "%(count)d referral closed without a response in Harbor",
            "%(count)d referrals closed without a response in Harbor",
            count,
        ),
        Reason.WEEKLY_DIGEST: ngettext(
            "Your weekly Harbor digest: %(count)d item overdue or escalated",
            "Your weekly Harbor digest: %(count)d items overdue or escalated",
            count,
        ),
        Reason.DAILY_DIGEST: ngettext(
            "You have %(count)d unread item in Harbor",
            "You have %(count)d unread items in Harbor",
            count,
        ),
        Reason.ROLE_CHANGED: ngettext(
            "%(count)d role changed at your organization in Harbor",
            "%(count)d roles changed at your organization in Harbor",
            count,
        ),
        Reason.PORTAL_NOTICE: ngettext(
            "You have %(count)d new item in Harbor",
            "You have %(count)d new items in Harbor",
            count,
        ),
    }
    return lines[Reason(reason)] % {"count": count}


def render(*, reason: str, item_count: int, to_young_person: bool) -> Message:
    """Subject and body for one message; the body ends with the sign-in link."""
    if to_young_person:
        return Message(
            subject=str(YOUNG_PERSON_SUBJECT), body=f"{YOUNG_PERSON_LINE}\n\n{sign_in_url()}\n"
        )
    line = _staff_line(reason, item_count)
    sign_in = gettext("Sign in to Harbor:")
    return Message(subject=line, body=f"{line}.\n\n{sign_in} {sign_in_url()}\n")


def is_young_person(user_id: int) -> bool:
    """The recipient has a young person's portal login (Person.user)."""
    return Person.objects.filter(user_id=user_id).exists()


def render_notification(notification: Notification) -> Message:
    """The message for an outbox row, from its reason and count alone, in the recipient's
    language."""
    with translation.override(notification.recipient.preferred_language):
        return render(
            reason=notification.reason,
            item_count=notification.item_count,
            to_young_person=is_young_person(notification.recipient_id),
        )
