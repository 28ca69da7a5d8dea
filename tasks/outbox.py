"""The notification outbox: rules put messages here; delivery tasks send them.

``notify`` writes one row per recipient, reason and channel under a unique key, so a rule
that fires twice, a second worker or a retried task never notifies twice. Rows hold a reason
and a count, never text: messages are rendered at delivery and carry no personal data.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from tasks.models import FollowUp, Notification, NotificationSettings

Channel = Notification.Channel
PENDING = Notification.Status.PENDING


def email_mode_of(user: User) -> str:
    settings = NotificationSettings.objects.filter(user_id=user.pk).first()
    return settings.email_mode if settings else NotificationSettings.Mode.IMMEDIATE


def notification_key(
    *, recipient: User, reason: str, channel: str, window: str, follow_up: FollowUp | None
) -> str:
    """Identity of a message: the same follow-up, person, reason, channel and due window."""
    about = f"fu{follow_up.pk}" if follow_up is not None else "none"
    return f"{about}:u{recipient.pk}:{reason}:{channel}:{window}"[:200]


def notify(
    *,
    recipient: User,
    reason: str,
    window: str,
    follow_up: FollowUp | None = None,
    item_count: int = 1,
    deliver_after: datetime | None = None,
    channels: tuple[str, ...] | None = None,
) -> list[Notification]:
    """Queue the message in the inbox and, by the recipient's choice, by e-mail. Idempotent.

    ``window`` names the due window the message is for (a date, a week, an escalation step):
    the same rule firing again inside it finds the rows already there.
    """
    if channels is None:
        channels = (Channel.IN_APP,)
        if email_mode_of(recipient) == NotificationSettings.Mode.IMMEDIATE:
            channels += (Channel.EMAIL,)
    queued = []
    for channel in channels:
        key = notification_key(
            recipient=recipient,
            reason=reason,
            channel=channel,
            window=window,
            follow_up=follow_up,
        )
        queued.append(_once(key, recipient, reason, channel, follow_up, item_count, deliver_after))
    return queued


def _once(
    key: str,
    recipient: User,
    reason: str,
    channel: str,
    follow_up: FollowUp | None,
    item_count: int,
    deliver_after: datetime | None,
) -> Notification:
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Notification.objects.create(
                key=key,
                recipient=recipient,
                reason=reason,
                channel=channel,
                follow_up=follow_up,
                item_count=item_count,
                deliver_after=deliver_after or timezone.now(),
                # The inbox needs no sending: it is delivered by being there.
                status=Notification.Status.SENT if channel == Channel.IN_APP else PENDING,
                sent_at=timezone.now() if channel == Channel.IN_APP else None,
            )
    except IntegrityError:
        # A concurrent worker queued it between our read and our insert.
        return Notification.objects.get(key=key)
