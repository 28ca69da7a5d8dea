"""When a case's outcome check-in is due, and the follow-up that asks for it (issue 21).

A check-in is due at intake (an open case with none yet), on the plan review clock (the
organization's ``plan_review_days`` after the latest one, 90 by default) and at closure (a case
closed without its closure check-in, for a month after closing). The young person may answer
a due intake or review check-in in the portal at once; the rule opens a follow-up for the
primary advocate when one is due (an intake check-in after a week's grace, as it is usually
done at the first meeting). Like the other rules it is idempotent: one open check-in follow-up
per case (a partial unique constraint), and a follow-up closed by hand is not opened again for
the same clock. Recording a check-in closes it (tasks/receivers.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from cases.checkins import CheckIn
from cases.models import Case
from tasks.business_days import in_zone, zone
from tasks.follow_ups import primary_advocate_of
from tasks.models import ContinuityRules, FollowUp
from tasks.rules import announce, open_once, rules_for

Occasion = CheckIn.Occasion
Kind = FollowUp.Kind
# An intake check-in is usually done at the first meeting: the follow-up waits a week.
INTAKE_GRACE = timedelta(days=7)
# A due check-in is expected within two weeks of its follow-up opening.
CHECK_IN_WITHIN = timedelta(days=14)
# A closure check-in is asked for during a month after closing, not for ever.
CLOSURE_WINDOW = timedelta(days=30)
OPEN_STATUSES = (Case.Status.OPEN, Case.Status.ACTIVE)


@dataclass(frozen=True)
class DueCheckIn:
    """A check-in the case is due: its occasion, the start of its clock, and from when the
    continuity rule asks for it."""

    occasion: str
    since: datetime
    follow_up_from: datetime


def _day_start(day: date, rules: ContinuityRules) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(rules.time_zone))


def due_check_in(
    *, case: Case, now: datetime, rules: ContinuityRules | None = None
) -> DueCheckIn | None:
    """The check-in the case is due now, or None (one query, two at closure)."""
    rules = rules or rules_for(case.lead_organization_id)
    if case.status == Case.Status.CLOSED:
        closed = _day_start(case.closed_on, rules)
        answered = CheckIn.objects.filter(
            case_id=case.pk, occasion=Occasion.CLOSURE, recorded_at__gte=closed
        )
        if now > closed + CLOSURE_WINDOW or answered.exists():
            return None
        return DueCheckIn(Occasion.CLOSURE, closed, closed)
    latest = (
        CheckIn.objects.filter(case_id=case.pk)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)
        .first()
    )
    if latest is None:
        opened = _day_start(case.opened_on, rules)
        return DueCheckIn(Occasion.INTAKE, opened, opened + INTAKE_GRACE)
    # Days in the organization's time zone, as the plan review rule counts them.
    review_due = in_zone(latest, rules.time_zone) + timedelta(days=rules.plan_review_days)
    if now < review_due:
        return None
    return DueCheckIn(Occasion.PLAN_REVIEW, latest, review_due)


def remind_check_in(*, case: Case, now: datetime) -> FollowUp | None:
    """A check-in follow-up for the primary advocate when the case's check-in is due; None
    while nothing is due, or one was already opened (and perhaps closed) for this clock."""
    due = due_check_in(case=case, now=now)
    if due is None or now < due.follow_up_from:
        return None
    if FollowUp.objects.filter(
        kind=Kind.CHECK_IN_DUE, case_id=case.pk, created_at__gte=due.since
    ).exists():
        return None
    assignee = primary_advocate_of(case)
    follow_up = open_once(
        lookup={"kind": Kind.CHECK_IN_DUE, "case_id": case.pk},
        defaults={
            "organization_id": case.lead_organization_id,
            "assignee": assignee,
            "due_at": now + CHECK_IN_WITHIN,
        },
    )
    announce(follow_up, [assignee])
    return follow_up


def due_check_in_cases(now: datetime, *, review_days: int, margin: timedelta) -> QuerySet[Case]:
    """Cases whose check-in may be due, by bounds that over-select and never miss (the rule
    decides exactly): open cases past the intake grace, never asked for a check-in and without
    one, or whose latest check-in is older than the shortest review period in use and not asked
    for since; and cases closed within the closure window. None with a check-in follow-up
    open."""
    latest = CheckIn.objects.filter(case_id=OuterRef("pk")).order_by("-recorded_at")
    asked = FollowUp.objects.filter(case_id=OuterRef("pk"), kind=Kind.CHECK_IN_DUE)
    never_checked_in = Q(latest_check_in__isnull=True) & ~Exists(asked)
    review_due = Q(latest_check_in__lte=now - timedelta(days=review_days) + margin) & ~Exists(
        asked.filter(created_at__gte=OuterRef("latest_check_in"))
    )
    opened_by = (now - INTAKE_GRACE + margin).date() + timedelta(days=1)
    open_and_due = Q(status__in=OPEN_STATUSES, opened_on__lte=opened_by) & (
        never_checked_in | review_due
    )
    closed_lately = Q(
        status=Case.Status.CLOSED,
        closed_on__gte=(now - CLOSURE_WINDOW - margin).date() - timedelta(days=1),
    )
    return (
        Case.objects.annotate(latest_check_in=Subquery(latest.values("recorded_at")[:1]))
        .filter(open_and_due | closed_lately)
        .filter(~Exists(asked.filter(status=FollowUp.Status.OPEN)))
    )
