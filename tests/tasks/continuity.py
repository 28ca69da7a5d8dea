"""Builders and clocks shared by the continuity-rule tests (tests/tasks/test_rules*.py,
test_sweep.py). All times are in Chicago, the default organization time zone, in 2027
(after the real clock, so rows the world fixture wrote are never "in the future")."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from cases.checkins import CheckIn
from cases.models import Goal, PlannedService, PlanVersion, Referral
from consent.models import Consent
from providers.models import Membership, Organization
from tasks.models import FollowUp, Notification
from tests import factories as f
from tests.conftest import World

CHICAGO = ZoneInfo("America/Chicago")


def chicago(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=CHICAGO)


def at(moment: datetime) -> time_machine.travel:
    """Stand still at ``moment`` (rows written inside are dated then)."""
    return time_machine.travel(moment, tick=False)


def staff(organization: Organization, role: str = Membership.Role.INTAKE):
    return f.MembershipFactory(organization=organization, role=role).user


def sent_referral(world: World, when: datetime, **kwargs) -> Referral:
    with at(when):
        return f.ReferralFactory(
            case=world.case, to_organization=world.partner, sent=True, **kwargs
        )


def goal(world: World) -> Goal:
    return f.GoalFactory(plan=world.case.plan)


def active_service(world: World, when: datetime, **kwargs) -> PlannedService:
    with at(when):
        return f.PlannedServiceFactory(
            goal=goal(world),
            status=PlannedService.Status.ACTIVE,
            starts_on=when.astimezone(CHICAGO).date(),
            **kwargs,
        )


def approved_version(world: World, when: datetime) -> PlanVersion:
    with at(when):
        return f.PlanVersionFactory(
            plan=world.case.plan,
            status=PlanVersion.Status.APPROVED,
            approved_at=when,
            approval_channel=PlanVersion.ApprovalChannel.IN_PERSON,
        )


def checked_in(world: World, when: datetime) -> CheckIn:
    """A check-in of the world's case at ``when``: its check-in clock starts there."""
    with at(when):
        return f.CheckInFactory(case=world.case, recorded_at=when)


def consent_until(world: World, starts: datetime, expires: datetime, **kwargs) -> Consent:
    with at(starts):
        return f.ConsentFactory(
            case=world.case, recipient=world.partner, starts_at=starts, expires_at=expires, **kwargs
        )


def open_of(kind: str, **about) -> list[FollowUp]:
    return list(FollowUp.objects.filter(kind=kind, status=FollowUp.Status.OPEN, **about))


def reasons_for(user, reason: str) -> list[Notification]:
    return list(
        Notification.objects.filter(
            recipient=user, reason=reason, channel=Notification.Channel.IN_APP
        )
    )


def a_day(moment: datetime) -> date:
    return moment.astimezone(CHICAGO).date()


ONE_SECOND = timedelta(seconds=1)
