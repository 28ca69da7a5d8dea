"""What each figure counts, written once: a base queryset per kind of record and a condition.

The numbers (``metrics``, ``trends``) and the lists behind them (``drilldown``) are built from
the same ``base`` and ``CONDITIONS``; only the ``Scope`` differs:

- For the numbers, the scope is every case the organization leads, by ``lead_organization_id``
  (an indexed column). That is exactly what the policy shows a supervisor of the organization:
  a supervisor sees every case their organization leads by role (``consent.policy._visibility``:
  ``lead_organization_id IN supervised``), with no per-case grant to check. So the numbers are
  plain ``GROUP BY`` aggregates on indexed columns and never count a permission-filtered
  queryset, and the page costs the same queries whatever the number of cases. The caller
  checks first that the viewer supervises the organization (``access_supervised_organization``).
- For the lists, the scope is ``tasks.continuity.supervised_cases``, the policy's own answer,
  so a list never shows a case the viewer may not see even if the role rule ever changes. The
  tests check that every number equals the length of its list.

Definitions (``now`` is when the page is drawn; the period's bounds are whole days in the
organization's time zone; "open" cases are open or active):

- open cases, and open cases with no contact logged within the organization's default contact
  period (``ContinuityRules.default_contact_days``), or none ever: now.
- plans overdue for review: open cases whose plan has an approved version and was last
  reviewed (``ServicePlan.last_reviewed_at``, else the approval) at least
  ``ContinuityRules.plan_review_days`` ago: the sweep's rule (tasks/rules.py), now.
- consents expiring: active, expiring within 30 days of now (tasks/continuity.py).
- follow-ups due: in the organization's own queue, about its cases, not cancelled, due within
  the period. Done on time: completed by the due time. Overdue: completed after it, or still
  open past it now.
- referrals sent by the organization for its cases within the period; of those, answered
  (accepted or declined: ``answered_at``), accepted (answered and not declined, so including
  those that went on to be in service, completed, closed or withdrawn after accepting), and
  in service (the referral reached ``in_service``: its ``ReferralTransition`` to that state).
  Days to answer: ``answered_at - sent_at``. Days to first service: from ``sent_at`` to the
  ``at`` of that transition, the moment the recipient started delivering.
- referral answers: referrals of the organization answered within the period (by answer date).
- services lapsed: services of its cases that are lapsed now (tasks/continuity.py: marked
  lapsed, or active with no contact for twice the contact period) and whose lapse moment (last
  contact, else creation, plus twice the period) falls within the period.
- cases opened (``opened_on``) and contacts logged (``occurred_at``) within the period.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from cases.models import (
    CareTeamMember,
    Case,
    Contact,
    PlannedService,
    PlanVersion,
    Referral,
    ReferralTransition,
)
from consent.models import Consent
from reports.analytics.period import Period
from tasks.continuity import (
    OPEN_CASE_STATUSES,
    expiring_condition,
    lapsed_condition,
    with_lapse_clock,
)
from tasks.models import ContinuityRules, FollowUp

NO_PRIMARY = "none"
AdvocateChoice = int | Literal["none"] | None


class Figure(StrEnum):
    """Every figure the analytics page shows, and the name of the list behind it."""

    OPEN_CASES = "open-cases"
    NO_RECENT_CONTACT = "no-recent-contact"
    LAST_CONTACT = "last-contact"
    PLANS_OVERDUE = "plans-overdue"
    CONSENTS_EXPIRING = "consents-expiring"
    CASES_OPENED = "cases-opened"
    FOLLOW_UPS_DUE = "follow-ups-due"
    FOLLOW_UPS_ON_TIME = "follow-ups-on-time"
    FOLLOW_UPS_OVERDUE = "follow-ups-overdue"
    REFERRALS_SENT = "referrals-sent"
    REFERRALS_ANSWERED = "referrals-answered"
    REFERRALS_ACCEPTED = "referrals-accepted"
    REFERRALS_IN_SERVICE = "referrals-in-service"
    REFERRAL_ANSWERS = "referral-answers"
    SERVICES_LAPSED = "services-lapsed"
    CONTACTS_LOGGED = "contacts-logged"


# Figures that do not depend on the period (they are counted now).
SNAPSHOT_FIGURES = frozenset(
    {
        Figure.OPEN_CASES,
        Figure.NO_RECENT_CONTACT,
        Figure.LAST_CONTACT,
        Figure.PLANS_OVERDUE,
        Figure.CONSENTS_EXPIRING,
    }
)
REFERRAL_FIGURES = frozenset(
    {
        Figure.REFERRALS_SENT,
        Figure.REFERRALS_ANSWERED,
        Figure.REFERRALS_ACCEPTED,
        Figure.REFERRALS_IN_SERVICE,
        Figure.REFERRAL_ANSWERS,
    }
)


@dataclass(frozen=True)
class Frame:
    """When the figures are counted: now, the period, and the organization's rules."""

    now: datetime
    period: Period
    rules: ContinuityRules

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return self.period.bounds(self.rules.time_zone)

    def within(self, field: str) -> Q:
        since, until = self.bounds
        return Q(**{f"{field}__gte": since, f"{field}__lt": until})


@dataclass(frozen=True)
class Scope:
    """Which cases: every case the organization leads (``cases`` None: the numbers) or the
    given cases (the policy's, for lists); optionally only those of one primary advocate."""

    organization_id: int
    cases: QuerySet[Case] | None = None
    advocate: AdvocateChoice = None

    def on(self, path: str) -> Q:
        """The condition on the case reached by ``path`` ("" for a case itself)."""
        prefix = f"{path}__" if path else ""
        if self.cases is None:
            condition = Q(**{f"{prefix}lead_organization_id": self.organization_id})
        else:
            condition = Q(**{f"{prefix}pk__in": self.cases.values("pk")})
        if self.advocate is None:
            return condition
        led = Q(**{f"{prefix}pk__in": current_primaries().values("case_id")})
        if self.advocate == NO_PRIMARY:
            return condition & ~led
        mine = current_primaries().filter(user_id=self.advocate).values("case_id")
        return condition & Q(**{f"{prefix}pk__in": mine})


def current_primaries() -> QuerySet[CareTeamMember]:
    return CareTeamMember.objects.filter(role=CareTeamMember.Role.PRIMARY, until__isnull=True)


def by_primary_advocate(records: QuerySet, path: str) -> QuerySet:
    """``records`` grouped by the current primary advocate of their case (``advocate``: a user
    id, or None for cases without one): one LEFT JOIN, no subquery per row."""
    team = f"{path}__care_team" if path else "care_team"
    return records.annotate(
        current_primary=FilteredRelation(
            team,
            condition=Q(
                **{f"{team}__role": CareTeamMember.Role.PRIMARY, f"{team}__until__isnull": True}
            ),
        )
    ).values(advocate=F("current_primary__user_id"))


# --- the records each figure is about ----------------------------------------------------------

# The path from each kind of record to its case.
CASE_PATH = {
    Case: "",
    FollowUp: "case",
    Referral: "case",
    PlannedService: "goal__plan__case",
    Consent: "case",
    Contact: "case",
}
MODEL = {
    Figure.OPEN_CASES: Case,
    Figure.NO_RECENT_CONTACT: Case,
    Figure.LAST_CONTACT: Case,
    Figure.PLANS_OVERDUE: Case,
    Figure.CASES_OPENED: Case,
    Figure.CONSENTS_EXPIRING: Consent,
    Figure.FOLLOW_UPS_DUE: FollowUp,
    Figure.FOLLOW_UPS_ON_TIME: FollowUp,
    Figure.FOLLOW_UPS_OVERDUE: FollowUp,
    Figure.REFERRALS_SENT: Referral,
    Figure.REFERRALS_ANSWERED: Referral,
    Figure.REFERRALS_ACCEPTED: Referral,
    Figure.REFERRALS_IN_SERVICE: Referral,
    Figure.REFERRAL_ANSWERS: Referral,
    Figure.SERVICES_LAPSED: PlannedService,
    Figure.CONTACTS_LOGGED: Contact,
}


def base(model: type, scope: Scope) -> QuerySet:
    """The organization's records of one kind in ``scope``, before any figure's condition."""
    records = model.objects.filter(scope.on(CASE_PATH[model]))
    if model is FollowUp:
        # Its own queue: a partner's follow-up about the same case is the partner's work.
        return records.filter(organization_id=scope.organization_id)
    if model is Referral:
        return records.filter(from_organization_id=scope.organization_id)
    if model is PlannedService:
        return with_lapse_clock(records)
    return records


# --- the conditions ------------------------------------------------------------------------


def _open() -> Q:
    return Q(status__in=OPEN_CASE_STATUSES)


def _no_recent_contact(frame: Frame) -> Q:
    since = frame.now - timedelta(days=frame.rules.default_contact_days)
    recent = Contact.objects.filter(case_id=OuterRef("pk"), occurred_at__gte=since)
    return _open() & ~Exists(recent)


def _plan_review_overdue(frame: Frame) -> Q:
    due = frame.now - timedelta(days=frame.rules.plan_review_days)
    approved = PlanVersion.objects.filter(
        plan__case_id=OuterRef("pk"), status=PlanVersion.Status.APPROVED
    ).filter(
        Q(plan__last_reviewed_at__lte=due)
        | Q(plan__last_reviewed_at__isnull=True, approved_at__lte=due)
    )
    return _open() & Exists(approved)


def _follow_up_due(frame: Frame) -> Q:
    return ~Q(status=FollowUp.Status.CANCELLED) & frame.within("due_at")


def _follow_up_on_time(frame: Frame) -> Q:
    return _follow_up_due(frame) & Q(status=FollowUp.Status.DONE, completed_at__lte=F("due_at"))


def _follow_up_overdue(frame: Frame) -> Q:
    late = Q(status=FollowUp.Status.DONE, completed_at__gt=F("due_at"))
    still_open = Q(status=FollowUp.Status.OPEN, due_at__lt=frame.now)
    return _follow_up_due(frame) & (late | still_open)


def _referral_answered(frame: Frame) -> Q:
    return frame.within("sent_at") & Q(answered_at__isnull=False)


def _referral_accepted(frame: Frame) -> Q:
    return _referral_answered(frame) & ~Q(status=Referral.Status.DECLINED)


def _reached_service() -> Exists:
    """The referral went in service (the state machine enters it at most once)."""
    return Exists(
        ReferralTransition.objects.filter(
            referral_id=OuterRef("pk"), to_status=Referral.Status.IN_SERVICE
        )
    )


def _services_lapsed(frame: Frame) -> Q:
    return lapsed_condition(frame.now) & frame.within("lapses_at")


CONDITIONS = {
    Figure.OPEN_CASES: lambda frame: _open(),
    Figure.NO_RECENT_CONTACT: _no_recent_contact,
    Figure.LAST_CONTACT: lambda frame: _open(),
    Figure.PLANS_OVERDUE: _plan_review_overdue,
    Figure.CASES_OPENED: lambda frame: Q(
        opened_on__gte=frame.period.start, opened_on__lte=frame.period.end
    ),
    Figure.CONSENTS_EXPIRING: lambda frame: expiring_condition(frame.now),
    Figure.FOLLOW_UPS_DUE: _follow_up_due,
    Figure.FOLLOW_UPS_ON_TIME: _follow_up_on_time,
    Figure.FOLLOW_UPS_OVERDUE: _follow_up_overdue,
    Figure.REFERRALS_SENT: lambda frame: frame.within("sent_at"),
    Figure.REFERRALS_ANSWERED: _referral_answered,
    Figure.REFERRALS_ACCEPTED: _referral_accepted,
    Figure.REFERRALS_IN_SERVICE: lambda frame: frame.within("sent_at") & Q(_reached_service()),
    Figure.REFERRAL_ANSWERS: lambda frame: frame.within("answered_at"),
    Figure.SERVICES_LAPSED: _services_lapsed,
    Figure.CONTACTS_LOGGED: lambda frame: frame.within("occurred_at"),
}


def condition(figure: Figure, frame: Frame) -> Q:
    return CONDITIONS[figure](frame)


def records(figure: Figure, *, scope: Scope, frame: Frame) -> QuerySet:
    """The records behind ``figure``: its base in ``scope`` with its condition."""
    return base(MODEL[figure], scope).filter(condition(figure, frame))
