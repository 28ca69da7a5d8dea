"""The time zone a person reads dates in, and the calendar day of a moment there.

Harbor stores moments in UTC. A date shown to a person is the day in *their* time zone: the
young person's (``Person.time_zone``), falling back to the installation's ``TIME_ZONE`` when
the recorded name is unknown. ``moment.date()`` on a stored moment is the UTC day, which in
the Americas is tomorrow every evening.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from cases.models import Person


def zone_named(name: str | None) -> ZoneInfo:
    """The named time zone, or the installation's when the name is empty or unknown."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def zone_of(person: Person) -> ZoneInfo:
    """The young person's time zone."""
    return zone_named(person.time_zone)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day ``moment`` falls on in ``zone``."""
    return moment.astimezone(zone).date()
