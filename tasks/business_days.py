"""Business days (Monday to Friday) counted in an organization's time zone.

Deadlines keep their wall-clock time across a change to or from daylight saving time: a
referral sent at 10:00 on the Friday before the clocks change is due at 10:00 local time, not
at 09:00 or 11:00. A clock that starts on a weekend starts on Monday at midnight, so a
referral sent on Saturday has all of Monday and Tuesday for its two business days.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "America/Chicago"
SATURDAY = 5


def zone(name: str | None) -> ZoneInfo:
    """The named zone; the default for an empty name."""
    return ZoneInfo(name or DEFAULT_TIME_ZONE)


def in_zone(moment: datetime, time_zone: str | None) -> datetime:
    """``moment`` in the named zone, so that adding days to it keeps the local wall time."""
    return moment.astimezone(zone(time_zone))


def is_business_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Business days are counted from an aware datetime.")
    local = moment.astimezone(tz)
    if is_business_day(local.date()):
        return local
    # A weekend start: the clock starts at the first minute of Monday.
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time.min, tzinfo=tz)


def add_business_days(moment: datetime, days: int, *, time_zone: str | None = None) -> datetime:
    """``moment`` plus ``days`` business days, at the same local wall-clock time."""
    if days < 0:
        raise ValueError("Count business days forwards only.")
    tz = zone(time_zone)
    local = _local(moment, tz)
    day = local.date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    # Recombining the local date and wall time (and resolving it anew) is what keeps 10:00
    # at 10:00 across a daylight-saving change.
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)


def business_days_elapsed(start: datetime, end: datetime, *, time_zone: str | None = None) -> int:
    """How many whole business days have passed from ``start`` to ``end`` (0 if none)."""
    if end <= start:
        return 0
    # A week holds at most 5 business days; begin one week short of the estimate and step up.
    count = max(0, (end - start).days * 5 // 7 - 5)
    while add_business_days(start, count + 1, time_zone=time_zone) <= end:
        count += 1
    return count


def min_calendar_span(days: int) -> timedelta:
    """The shortest real time ``days`` business days can take (a clock starting on a Monday
    at midnight, less an hour for a daylight-saving day). Sweeps use it as an index bound
    that can only over-select, never miss a due item."""
    if days <= 0:
        return timedelta(0)
    return timedelta(days=days + 2 * ((days - 1) // 5), hours=-1)
