"""Messages to a young person: only through channels their safe-contact rule allows (R28),
only inside their safe hours in their own time zone (R29).

Harbor sends a young person texts and e-mails only. Calls and voicemail are never automated,
so no voicemail script is ever written (R30); ``voicemail_ok`` matters to staff only. A rule
without safe hours puts no limit on the time of day; a window whose start is after its end
crosses midnight (20:00-07:00); a window whose start equals its end is the whole day.

Freshness of the preferences (R31) is decided in cases/safe_contact.py, re-exported here.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Person, SafeContactRule
from cases.safe_contact import needs_reconfirmation
from tasks.models import Notification
from tasks.outbox import notify

__all__ = [
    "Route",
    "allowed_message_channels",
    "in_safe_hours",
    "needs_reconfirmation",
    "next_safe_window",
    "notify_young_person",
    "route_for_young_person",
]

Channel = Notification.Channel
Status = Notification.Status
# The order Harbor tries channels in, and the rule field that holds each one's address.
MESSAGE_CHANNELS = (
    (SafeContactRule.Channel.SMS, Channel.SMS, "phone"),
    (SafeContactRule.Channel.EMAIL, Channel.EMAIL, "email"),
)


def zone_of(person: Person) -> ZoneInfo:
    """The young person's time zone; the deployment's when theirs is not a known zone."""
    try:
        return ZoneInfo(person.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def allowed_message_channels(rule: SafeContactRule | None) -> list[str]:
    """Outbox channels the rule allows and has an address for, in the order to try them."""
    if rule is None:
        return []
    return [
        channel
        for rule_channel, channel, address_field in MESSAGE_CHANNELS
        if rule_channel in rule.allowed_channels and getattr(rule, address_field)
    ]


def address_for(rule: SafeContactRule, channel: str) -> str:
    fields = {channel: address_field for _, channel, address_field in MESSAGE_CHANNELS}
    return getattr(rule, fields[channel]) if channel in fields else ""


def _inside(start: time, end: time, moment: time) -> bool:
    if start == end:
        return True
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # the window crosses midnight


def in_safe_hours(rule: SafeContactRule, zone: ZoneInfo, now: datetime) -> bool:
    if rule.safe_hours_start is None or rule.safe_hours_end is None:
        return True
    local = now.astimezone(zone).time()
    return _inside(rule.safe_hours_start, rule.safe_hours_end, local)


def next_safe_window(rule: SafeContactRule, zone: ZoneInfo, now: datetime) -> datetime:
    """``now`` when inside the safe hours, else when they next open, in the person's zone."""
    if in_safe_hours(rule, zone, now):
        return now
    local = now.astimezone(zone)
    start = rule.safe_hours_start
    # Outside the window the next opening is today when its start is still ahead, else
    # tomorrow; this holds for windows that cross midnight too.
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=zone)


@dataclass(frozen=True)
class Route:
    """What to do with a message to a young person now: send it to ``address``, hold it until
    ``hold_until``, or suppress it (no safe channel)."""

    address: str = ""
    hold_until: datetime | None = None
    suppress: bool = False


def route_for_young_person(*, person: Person, channel: str, now: datetime) -> Route:
    """Decide again at sending time: the rule may have changed since the message was queued."""
    rule = SafeContactRule.objects.filter(person_id=person.pk).first()
    if channel not in allowed_message_channels(rule):
        return Route(suppress=True)
    opens = next_safe_window(rule, zone_of(person), now)
    if opens > now:
        return Route(hold_until=opens)
    return Route(address=address_for(rule, channel))


@transaction.atomic
def notify_young_person(
    *,
    person: Person,
    reason: str,
    window: str,
    item_count: int = 1,
    now: datetime | None = None,
) -> list[Notification]:
    """Queue a message to the young person: the portal inbox, and the first channel their rule
    allows, not before their next safe window. Idempotent per reason and window.

    With no safe channel the outbound row is written ``suppressed`` and never sent (R28): it
    records that a message was due. A young person without a portal login gets nothing, since
    every message only asks them to sign in.
    """
    if person.user_id is None:
        return []
    now = now or timezone.now()
    rule = SafeContactRule.objects.filter(person_id=person.pk).first()
    channels = allowed_message_channels(rule)
    queue = partial(
        notify, recipient=person.user, reason=reason, window=window, item_count=item_count
    )
    inbox = queue(channels=(Channel.IN_APP,))
    if not channels:
        # The row names the channel Harbor would try first; it is never sent.
        (row,) = queue(channels=(Channel.SMS,), deliver_after=now)
        _move_if_new(row, Status.SUPPRESSED)
        return [*inbox, row]
    opens = next_safe_window(rule, zone_of(person), now)
    (row,) = queue(channels=(channels[0],), deliver_after=opens)
    if opens > now:
        _move_if_new(row, Status.HELD)
    return [*inbox, row]


def _move_if_new(row: Notification, status: str) -> None:
    """Only a row just queued moves: one found from an earlier call keeps its state."""
    moved = Notification.objects.filter(pk=row.pk, status=Status.PENDING, attempts=0).update(
        status=status
    )
    if moved:
        row.status = status
