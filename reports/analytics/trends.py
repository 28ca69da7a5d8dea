"""Weekly series of the analytics page: one ``GROUP BY`` week query per kind of record.

Weeks run Monday to Sunday in the organization's time zone (``TruncWeek``); a week the period
only touches counts the days inside the period. Weeks with nothing are 0. Each series counts
the same records as its figure (``figures``), grouped by the date that puts them in the period.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncWeek

from reports.analytics.figures import MODEL, Figure, Frame, Scope, base, condition
from tasks.business_days import zone

# Each weekly series: the figure it counts, and the date that places a record in a week.
SERIES: dict[Figure, str] = {
    Figure.CASES_OPENED: "opened_on",
    Figure.REFERRALS_SENT: "sent_at",
    Figure.REFERRAL_ANSWERS: "answered_at",
    Figure.FOLLOW_UPS_DUE: "due_at",
    Figure.FOLLOW_UPS_ON_TIME: "due_at",
    Figure.FOLLOW_UPS_OVERDUE: "due_at",
    Figure.CONTACTS_LOGGED: "occurred_at",
    Figure.SERVICES_LAPSED: "lapses_at",
}
# Series counted together (same records, same date): one query for all three.
FOLLOW_UP_SERIES = (Figure.FOLLOW_UPS_DUE, Figure.FOLLOW_UPS_ON_TIME, Figure.FOLLOW_UPS_OVERDUE)


@dataclass(frozen=True)
class Trends:
    weeks: list[date]
    series: dict[Figure, list[int]]


def _week_key(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _weekly(figures: tuple[Figure, ...], scope: Scope, frame: Frame) -> dict[Figure, dict]:
    """Counts of ``figures`` (one kind of record, one date) per week: one query."""
    model, field = MODEL[figures[0]], SERIES[figures[0]]
    # The first figure holds the others (follow-ups due: on time, overdue).
    records = base(model, scope).filter(condition(figures[0], frame))
    counts = {f.value: Count("pk", filter=condition(f, frame)) for f in figures}
    week = (
        TruncWeek(field)
        if field == "opened_on"
        else TruncWeek(field, tzinfo=zone(frame.rules.time_zone))
    )
    rows = records.annotate(week=week).values("week").annotate(**counts).order_by()
    found: dict[Figure, dict] = {f: {} for f in figures}
    for row in rows:
        for f in figures:
            found[f][_week_key(row["week"])] = row[f.value]
    return found


def weekly_trends(*, organization_id: int, frame: Frame) -> Trends:
    """Every weekly series of the organization (see ``figures`` on counting by role)."""
    scope = Scope(organization_id=organization_id)
    weeks = frame.period.week_starts()
    found: dict[Figure, dict] = {}
    for figures in (
        (Figure.CASES_OPENED,),
        (Figure.REFERRALS_SENT,),
        (Figure.REFERRAL_ANSWERS,),
        FOLLOW_UP_SERIES,
        (Figure.CONTACTS_LOGGED,),
        (Figure.SERVICES_LAPSED,),
    ):
        found.update(_weekly(figures, scope, frame))
    return Trends(
        weeks=weeks,
        series={f: [per_week.get(w, 0) for w in weeks] for f, per_week in found.items()},
    )
