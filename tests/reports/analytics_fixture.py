"""A small crafted data set for the analytics tests, with every figure computed by hand.

Organization A (Chicago time, caseload limit 2, contact period 14 days, plan review 90 days),
its advocates Ana, Ben and Cal (no cases) and supervisor Sue; partners P1 and P2; organization
B, whose records must never count. The period is the three weeks of Monday 1 March to Sunday
21 March 2027 (daylight saving time starts on Sunday 14 March); "now" is Wednesday 24 March
2027, 10:00 in Chicago.

Cases of A (primary advocate, status, opened):
  c1 Ana open   2 Mar    c2 Ana active 9 Mar    c3 Ana open 1 Feb
  c4 Ben open  16 Mar    c5 none (Ben until 10 Mar) open 3 Mar    c6 Ana closed (4 Jan)

Open cases: Ana 3 (c1 c2 c3: over the limit of 2), Ben 1 (c4), none 1 (c5): 5.
Cases opened in the period, by week: c1 c5 | c2 | c4 -> [2, 1, 1].

Contacts (occurred): c1 2 Mar 12:00 and 20 Mar 10:00; c2 5 Mar; c4 10 Mar 15:00 (CST; now
minus 14 days is 10 Mar 09:00 CST, so recent); c5 20 Feb; c6 3 Mar; c3 none.
  No contact in 14 days (open cases): c2 c3 (Ana 2), c5 (none 1): 3.
  Contacts logged in the period by week: c1 2 Mar, c2 5 Mar, c6 3 Mar | c4 10 Mar | c1 20 Mar
  -> [3, 1, 1] (c5's 20 Feb is before the period).
  Last contact, oldest first: c3 (never), c5, c2, c4, c1.

Plans (review due when last reviewed, else approved, on or before now - 90 days = 24 Dec 2026):
  c1 approved 1 Dec 2026, never reviewed: overdue. c2 approved 1 Nov 2026, reviewed 1 Feb
  2027: not. c3 reviewed 1 Jun 2026 but no approved version: not (the sweep's rule). c4
  approved 20 Dec 2026: overdue. c6 closed: not. -> Ana 1, Ben 1: 2.

Consents expiring within 30 days (after now, up to 23 Apr 10:00): c1 10 Apr (yes), c2 30 May
  (no), c4 20 Apr (yes) and 20 Mar (already expired: no), c5 23 Apr 09:00 (yes)
  -> Ana 1, Ben 1, none 1: 3.

Follow-ups due in the period, in A's queue (due; outcome):
  f1 c1 2 Mar 10:00 done 09:00 on time    f2 c1 9 Mar done 11 Mar late (overdue)
  f3 c2 16 Mar open (overdue)             f4 c2 17 Mar cancelled (not counted)
  f5 c4 18 Mar done 08:00 on time         f6 c4 25 Mar open (after the period)
  f7 c5 Sun 21 Mar 23:30 open (overdue)   f8 c1 3 Mar in P1's queue (not counted)
  f9 c3 26 Feb open (before the period)
  Due: Ana 3, Ben 1, none 1: 5. On time: Ana 1, Ben 1: 2. Overdue: Ana 2, none 1: 3.
  By week: due [1, 1, 3], on time [1, 0, 1], overdue [0, 1, 2].

Referrals from A (sent; answer; later):
  r1 c1->P1 Mon 1 Mar 10:00 CST; accepted 3 Mar 10:00 (2 days); in service 8 Mar 10:00 (7 days)
  r2 c1->P2 2 Mar 10:00; declined 3 Mar 22:00 (1.5 days)
  r3 c2->P1 9 Mar 10:00 CST; accepted 13 Mar 10:00 (4 days); in service 15 Mar 10:00 CDT
     (5 days 23 hours: the clocks went forward) and completed
  r4 c4->P2 16 Mar 10:00; unanswered
  r5 c5->P1 4 Mar 10:00; accepted 5 Mar 10:00 (1 day); then withdrawn (still accepted)
  r6 c3->P1 20 Feb (before the period); accepted 2 Mar
  r7 c1->P2 draft, never sent
  r8 c2->P2 19 Mar 10:00; declined 23 Mar 10:00 (4 days; answered after the period)
  Sent in the period: r1 r2 r3 r4 r5 r8: Ana 4 (r1 r2 r3 r8), Ben 1 (r4), none 1 (r5): 6.
  Answered: r1 r2 r3 r5 r8: Ana 4, none 1: 5. Accepted: r1 r3 (Ana 2), r5 (none 1): 3.
  In service: r1 r3 (Ana 2).
  Days to answer: org [1, 1.5, 2, 4, 4] -> median 2; Ana [1.5, 2, 4, 4] -> 3; none [1] -> 1.
  Days to first service: [7, 5 + 23/24] -> median 6 + 23/48 (org and Ana).
  Partners: P1 sent 3 answered 3 accepted 3 (100 %), median answer of [1, 2, 4] = 2;
  P2 sent 3 answered 2 accepted 0 (0 %), median of [1.5, 4] = 2.75.
  Sent by week: r1 r2 r5 | r3 | r4 r8 -> [3, 1, 2].
  Answered in the period, by answer week: r1 r2 r5 r6 | r3 (Sat 13 Mar) | - -> [4, 1, 0].

Services (lapse moment = last contact, else creation, + twice the contact period):
  s1 c1 active, 7 days, last contact 1 Mar 12:00 CST -> 15 Mar 13:00 CDT: lapsed, week 3
  s2 c2 marked lapsed, 14 days, last contact 10 Feb -> 10 Mar: week 2
  s3 c4 active, 14 days, last contact 20 Mar -> 17 Apr: not lapsed
  s4 c5 marked lapsed, 7 days, last contact 1 Feb -> 15 Feb: before the period
  s5 c3 active, 5 days, no contact, created 5 Mar 10:00 CST -> 15 Mar: lapsed, week 3
  s6 c1 completed: not lapsed
  Lapsed in the period: Ana 3 (s1 s2 s5): 3. By week [0, 1, 2].

Organization B: one case of its own with a record of every kind in the period, none counted.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from accounts.models import User
from cases.models import (
    Case,
    Contact,
    PlannedService,
    PlanVersion,
    Referral,
    ReferralTransition,
    ServicePlan,
)
from providers.models import Membership, Organization
from reports.analytics.figures import Frame
from reports.analytics.period import Period
from tasks.models import ContinuityRules, FollowUp
from tests import factories as f

CHICAGO = ZoneInfo("America/Chicago")
PERIOD = Period(date(2027, 3, 1), date(2027, 3, 21))
WEEKS = [date(2027, 3, 1), date(2027, 3, 8), date(2027, 3, 15)]


def chicago(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


NOW = chicago(3, 24)


@dataclass
class Crafted:
    a: Organization
    b: Organization
    p1: Organization
    p2: Organization
    ana: User
    ben: User
    cal: User
    sue: User
    cases: dict[str, Case]
    rules: ContinuityRules

    def frame(self, now: datetime = NOW, period: Period = PERIOD) -> Frame:
        return Frame(now=now, period=period, rules=self.rules)


def _staff(organization: Organization, role: str, name: str) -> User:
    user = f.UserFactory(full_name=name)
    f.MembershipFactory(organization=organization, user=user, role=role)
    return user


def _case(organization: Organization, primary: User | None, opened: date, **kwargs) -> Case:
    case = f.CaseFactory(lead_organization=organization, opened_on=opened, **kwargs)
    if primary is not None:
        f.CareTeamMemberFactory(case=case, user=primary, since=opened)
    return case


def _contact(case: Case, when: datetime) -> Contact:
    return f.ContactFactory(case=case, occurred_at=when)


def _approved(case: Case, approved: datetime, reviewed: datetime | None = None) -> None:
    f.PlanVersionFactory(
        plan=case.plan,
        status=PlanVersion.Status.APPROVED,
        approved_at=approved,
        approval_channel=PlanVersion.ApprovalChannel.IN_PERSON,
    )
    ServicePlan.objects.filter(case=case).update(last_reviewed_at=reviewed)


def _consent(case: Case, partner: Organization, expires: datetime) -> None:
    f.ConsentFactory(
        case=case, recipient=partner, starts_at=expires - timedelta(days=200), expires_at=expires
    )


def _follow_up(
    case: Case, due: datetime, *, done: datetime | None = None, status: str = "", queue=None
) -> FollowUp:
    closed = status or (FollowUp.Status.DONE if done else FollowUp.Status.OPEN)
    return FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.OTHER,
        organization=queue or case.lead_organization,
        due_at=due,
        status=closed,
        completed_at=done,
        description="Call back",
    )


def _move(referral: Referral, to_status: str, at: datetime, side: Organization) -> None:
    ReferralTransition.objects.create(
        referral=referral, from_status="", to_status=to_status, organization=side, at=at
    )


def _referral(
    case: Case,
    partner: Organization,
    sent: datetime | None,
    *,
    answered: datetime | None = None,
    declined: bool = False,
    in_service: datetime | None = None,
    status: str = "",
) -> Referral:
    if sent is None:
        return f.ReferralFactory(case=case, to_organization=partner)
    final = status or (
        Referral.Status.DECLINED
        if declined
        else Referral.Status.ACCEPTED
        if answered
        else Referral.Status.SENT
    )
    extra = {}
    if declined:
        extra["decline_reason"] = Referral.DeclineReason.NO_CAPACITY
    if final == Referral.Status.COMPLETED:
        extra["outcome_note"] = "Finished"
    referral = f.ReferralFactory(
        case=case,
        to_organization=partner,
        status=final,
        sent_at=sent,
        answered_at=answered,
        **extra,
    )
    _move(referral, Referral.Status.SENT, sent, case.lead_organization)
    if answered:
        answer = Referral.Status.DECLINED if declined else Referral.Status.ACCEPTED
        _move(referral, answer, answered, partner)
    if in_service:
        _move(referral, Referral.Status.IN_SERVICE, in_service, partner)
    return referral


def _service(case: Case, status: str, days: int, last_contact: datetime | None) -> PlannedService:
    goal = f.GoalFactory(plan=case.plan)
    return f.PlannedServiceFactory(
        goal=goal, status=status, expected_contact_days=days, last_contact_at=last_contact
    )


def build() -> Crafted:
    with time_machine.travel(chicago(3, 24, 8), tick=False):
        return _build()


def _build() -> Crafted:
    a = f.OrganizationFactory(name="Organization A")
    b = f.OrganizationFactory(name="Organization B")
    p1 = f.OrganizationFactory(name="Partner One")
    p2 = f.OrganizationFactory(name="Partner Two")
    rules = ContinuityRules.objects.create(
        organization=a, caseload_limit=2, default_contact_days=14, plan_review_days=90
    )
    ana = _staff(a, Membership.Role.ADVOCATE, "Ana Advocate")
    ben = _staff(a, Membership.Role.ADVOCATE, "Ben Advocate")
    cal = _staff(a, Membership.Role.ADVOCATE, "Cal Advocate")
    sue = _staff(a, Membership.Role.SUPERVISOR, "Sue Supervisor")

    c1 = _case(a, ana, date(2027, 3, 2))
    c2 = _case(a, ana, date(2027, 3, 9), status=Case.Status.ACTIVE)
    c3 = _case(a, ana, date(2027, 2, 1))
    c4 = _case(a, ben, date(2027, 3, 16))
    c5 = _case(a, None, date(2027, 3, 3))
    f.CareTeamMemberFactory(case=c5, user=ben, since=date(2027, 3, 3), until=date(2027, 3, 10))
    c6 = _case(
        a,
        ana,
        date(2027, 1, 4),
        status=Case.Status.CLOSED,
        closed_on=date(2027, 3, 5),
        closed_reason=Case.ClosedReason.GOALS_MET,
    )

    for case, when in (
        (c1, chicago(3, 2, 12)),
        (c1, chicago(3, 20)),
        (c2, chicago(3, 5, 9)),
        (c4, chicago(3, 10, 15)),
        (c5, chicago(2, 20)),
        (c6, chicago(3, 3)),
    ):
        _contact(case, when)

    _approved(c1, chicago(12, 1, year=2026))
    _approved(c2, chicago(11, 1, year=2026), reviewed=chicago(2, 1))
    ServicePlan.objects.filter(case=c3).update(last_reviewed_at=chicago(6, 1, year=2026))
    _approved(c4, chicago(12, 20, year=2026))
    _approved(c6, chicago(1, 1, year=2026))

    _consent(c1, p1, chicago(4, 10))
    _consent(c2, p1, chicago(5, 30))
    _consent(c4, p2, chicago(4, 20))
    _consent(c4, p1, chicago(3, 20))
    _consent(c5, p1, chicago(4, 23, 9))

    _follow_up(c1, chicago(3, 2), done=chicago(3, 2, 9))
    _follow_up(c1, chicago(3, 9), done=chicago(3, 11))
    _follow_up(c2, chicago(3, 16))
    _follow_up(c2, chicago(3, 17), done=chicago(3, 17), status=FollowUp.Status.CANCELLED)
    _follow_up(c4, chicago(3, 18), done=chicago(3, 18, 8))
    _follow_up(c4, chicago(3, 25))
    _follow_up(c5, chicago(3, 21, 23, 30))
    _follow_up(c1, chicago(3, 3), queue=p1)
    _follow_up(c3, chicago(2, 26))

    _referral(
        c1,
        p1,
        chicago(3, 1),
        answered=chicago(3, 3),
        in_service=chicago(3, 8),
        status=Referral.Status.IN_SERVICE,
    )
    _referral(c1, p2, chicago(3, 2), answered=chicago(3, 3, 22), declined=True)
    _referral(
        c2,
        p1,
        chicago(3, 9),
        answered=chicago(3, 13),
        in_service=chicago(3, 15),
        status=Referral.Status.COMPLETED,
    )
    _referral(c4, p2, chicago(3, 16))
    _referral(c5, p1, chicago(3, 4), answered=chicago(3, 5), status=Referral.Status.WITHDRAWN)
    _referral(c3, p1, chicago(2, 20), answered=chicago(3, 2))
    _referral(c1, p2, None)
    _referral(c2, p2, chicago(3, 19), answered=chicago(3, 23), declined=True)

    _service(c1, PlannedService.Status.ACTIVE, 7, chicago(3, 1, 12))
    _service(c2, PlannedService.Status.LAPSED, 14, chicago(2, 10))
    _service(c4, PlannedService.Status.ACTIVE, 14, chicago(3, 20))
    _service(c5, PlannedService.Status.LAPSED, 7, chicago(2, 1))
    with time_machine.travel(chicago(3, 5), tick=False):
        _service(c3, PlannedService.Status.ACTIVE, 5, None)
    _service(c1, PlannedService.Status.COMPLETED, 7, chicago(1, 1))

    _organization_b(b, p1)
    cases = {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6}
    return Crafted(a, b, p1, p2, ana, ben, cal, sue, cases, rules)


def _organization_b(b: Organization, partner: Organization) -> None:
    """A record of every kind in the period at B: none counts for A."""
    other = _staff(b, Membership.Role.ADVOCATE, "Bea Elsewhere")
    case = _case(b, other, date(2027, 3, 2))
    _contact(case, chicago(3, 2))
    _approved(case, chicago(11, 1, year=2026))
    _consent(case, partner, chicago(4, 1))
    _follow_up(case, chicago(3, 10))
    _referral(case, partner, chicago(3, 3), answered=chicago(3, 4))
    _service(case, PlannedService.Status.LAPSED, 7, chicago(3, 1))


def grow(crafted: Crafted, copies: int) -> None:
    """``copies`` more cases at A (for query-count tests), each with a record of every kind in
    the period, half with Ana as primary advocate and half with a new advocate."""
    with time_machine.travel(chicago(3, 24, 8), tick=False):
        for n in range(copies):
            advocate = crafted.ana if n % 2 else _staff(crafted.a, Membership.Role.ADVOCATE, "New")
            case = _case(crafted.a, advocate, date(2027, 3, 2))
            _contact(case, chicago(3, 3))
            _approved(case, chicago(11, 1, year=2026))
            _consent(case, crafted.p1, chicago(4, 1))
            _follow_up(case, chicago(3, 10))
            _referral(
                case,
                crafted.p2,
                chicago(3, 3),
                answered=chicago(3, 4),
                in_service=chicago(3, 5),
                status=Referral.Status.IN_SERVICE,
            )
            _service(case, PlannedService.Status.LAPSED, 7, chicago(3, 1))
