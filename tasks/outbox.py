"""The notification outbox: rules put messages here; delivery tasks send them.

``notify`` writes one row per recipient, reason and channel under a unique key, so a rule
that fires twice, a second worker or a retried task never notifies twice. Rows hold a reason
and a count, never text: messages are rendered at delivery and carry no personal data. The
daily digest is queued here too, one row per reader and day.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from tasks.models import FollowUp, Notification, NotificationSettings

Channel = Notification.Channel
PENDING = Notification.Status.PENDING


def email_mode_of(user: User) -> str:
    settings = NotificationSettings.objects.filter(user_id=user.pk).first()
    return settings.email_mode if settings else NotificationSettings.Mode.IMMEDIATE


def email_modes_of(user_ids: Iterable[int]) -> dict[int, str]:
    """``email_mode_of`` for many people in one query (no settings row: immediate)."""
    user_ids = set(user_ids)
    chosen = dict(
        NotificationSettings.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "email_mode"
        )
    )
    return {pk: chosen.get(pk, NotificationSettings.Mode.IMMEDIATE) for pk in user_ids}


def _key(
    follow_up_id: int | None, recipient_id: int, reason: str, channel: str, window: str
) -> str:
    about = f"fu{follow_up_id}" if follow_up_id is not None else "none"
    return f"{about}:u{recipient_id}:{reason}:{channel}:{window}"[:200]


def notification_key(
    *, recipient: User, reason: str, channel: str, window: str, follow_up: FollowUp | None
) -> str:
    """Identity of a message: the same follow-up, person, reason, channel and due window."""
    follow_up_id = follow_up.pk if follow_up is not None else None
    return _key(follow_up_id, recipient.pk, reason, channel, window)


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


@dataclass(frozen=True)
class Message:
    """One message for ``notify_many``: who, why, for which window and which follow-up."""

    recipient_id: int
    reason: str
    window: str
    follow_up_id: int | None = None
    item_count: int = 1


def notify_many(messages: Iterable[Message]) -> int:
    """``notify`` for a batch: one read of the recipients' e-mail choices and one insert.

    Idempotent the same way: the unique key makes the insert skip a message already queued
    (by an earlier run, a second worker or a retried task), so each person still hears once
    per reason, channel and window. The count of rows offered (queued now or already there).
    """
    messages = list(messages)
    if not messages:
        return 0
    modes = email_modes_of(m.recipient_id for m in messages)
    now = timezone.now()
    columns: dict[str, list[object]] = defaultdict(list)
    for message in messages:
        channels = (Channel.IN_APP,)
        if modes[message.recipient_id] == NotificationSettings.Mode.IMMEDIATE:
            channels += (Channel.EMAIL,)
        for channel in channels:
            in_app = channel == Channel.IN_APP
            row = {
                "key": _key(
                    message.follow_up_id,
                    message.recipient_id,
                    message.reason,
                    channel,
                    message.window,
                ),
                "recipient_id": message.recipient_id,
                "reason": message.reason,
                "channel": channel,
                "follow_up_id": message.follow_up_id,
                "item_count": message.item_count,
                "deliver_after": now,
                # The inbox needs no sending: it is delivered by being there.
                "status": Notification.Status.SENT if in_app else PENDING,
                "sent_at": now if in_app else None,
                "created_at": now,
            }
            for name, value in row.items():
                columns[name].append(value)
    _insert_new(columns)
    return len(columns["key"])


def _insert_new(columns: dict[str, list[object]]) -> None:
    """Insert outbox rows given column by column, skipping any whose key is already there;
    the other columns take their model defaults.

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(arrays)``: a statement of one parameter
    per column however many rows, where ``bulk_create`` would prepare every value of every
    field through the ORM (most of a batch's time in the sweep benchmark). Elsewhere,
    ``bulk_create``.
    """
    count = len(columns["key"])
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if field.attname not in columns:
            columns[field.attname] = [field.get_default()] * count
    if connection.vendor != "postgresql":
        rows = [
            Notification(**{name: values[i] for name, values in columns.items()})
            for i in range(count)
        ]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        return
    quote = connection.ops.quote_name
    # A column whose rows all hold one value (the reason, the times, the defaults) is one
    # parameter rather than an array: half the values to send for a batch of escalations.
    selected, arrays, constants, varying = [], [], [], []
    for field in fields:
        values = columns[field.attname]
        cast = field.db_type(connection)
        if all(value == values[0] for value in values):
            selected.append(f"%s::{cast}")
            constants.append(values[0])
        else:
            selected.append(f"u.{quote(field.column)}")
            arrays.append(f"%s::{cast}[]")
            varying.append(field)
    names = ", ".join(quote(field.column) for field in fields)
    aliases = ", ".join(quote(field.column) for field in varying)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Notification._meta.db_table)} ({names})"  # noqa: S608 (names from the model)
            f" SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS u({aliases})"
            " ON CONFLICT DO NOTHING",
            [*constants, *(columns[field.attname] for field in varying)],
        )


def queue_daily_digests(*, now: datetime | None = None) -> int:
    """One e-mail a day to each staff member on the daily digest with unread inbox items: the
    count only. Idempotent per user and day; the number of digests queued."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    unread = Count(
        "notifications",
        filter=Q(notifications__channel=Channel.IN_APP, notifications__read_at__isnull=True),
    )
    readers = (
        User.objects.filter(
            notification_settings__email_mode=NotificationSettings.Mode.DAILY,
            is_active=True,
            person__isnull=True,  # young people hear from Harbor through safe contact only
        )
        .annotate(unread=unread)
        .filter(unread__gt=0)
    )
    for user in readers:
        notify(
            recipient=user,
            reason=Notification.Reason.DAILY_DIGEST,
            window=day,
            item_count=user.unread,
            channels=(Channel.EMAIL,),
            deliver_after=now,
        )
    return len(readers)
