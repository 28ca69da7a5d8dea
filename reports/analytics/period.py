"""The period a supervisor looks at: whole days, from ``start`` to ``end`` inclusive.

Days are the organization's days: a period's bounds are midnight at the start and midnight
after the end in its time zone (``ContinuityRules.time_zone``), and weeks run Monday to Sunday
there, as ``TruncWeek`` counts them. The default is the last 12 full weeks before this one.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks.business_days import zone

DEFAULT_WEEKS = 12
# Long enough for two years of trends; longer would make weekly charts unreadable.
MAX_DAYS = 2 * 366


@dataclass(frozen=True)
class Period:
    """Whole days ``start`` to ``end`` (both included)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        errors = period_errors(self.start, self.end)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def default(cls, *, today: date) -> "Period":
        """The last ``DEFAULT_WEEKS`` full weeks (Monday to Sunday) before today's week."""
        this_monday = monday_of(today)
        return cls(this_monday - timedelta(weeks=DEFAULT_WEEKS), this_monday - timedelta(days=1))

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """Midnight at the start, and midnight after the end, in ``time_zone`` (end excluded)."""
        tz = zone(time_zone)
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    def week_starts(self) -> list[date]:
        """The Monday of every week the period touches, in order."""
        first, last = monday_of(self.start), monday_of(self.end)
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]

    def week(self, monday: date) -> "Period":
        """The part of the week starting on ``monday`` that lies in this period."""
        return Period(max(self.start, monday), min(self.end, monday + timedelta(days=6)))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period_errors(start: date, end: date, today: date | None = None) -> dict[str, list[str]]:
    """What is wrong with the dates, by field; empty when they make a period (that ends by
    ``today``, when given)."""
    if today is not None and end > today:
        return {"end": [_("The period cannot end after today.")]}
    if start > end:
        return {"end": [_("The end date must be on or after the start date.")]}
    if (end - start).days + 1 > MAX_DAYS:
        return {"start": [_("Choose a period of at most two years.")]}
    return {}
