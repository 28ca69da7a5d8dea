"""The continuity dashboard of a supervisor: what is slipping at an organization they supervise.

Every number is one aggregate query (conditional counts, ``GROUP BY``), so the dashboard costs
the same whatever the number of cases; the lists behind the numbers are the same filters,
row by row. Only cases the policy shows the viewer as a supervisor of their lead organization
count: ``lead_cases`` narrowed to that organization.

"Lapsed" follows tasks/rules.py: a service the sweep marked lapsed, or an active one with no
contact for twice its contact period (the sweep lapses it on its next run).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from cases.models import CareTeamMember, Case, PlannedService, Referral
from consent.errors import NotVisible
from consent.models import Consent
from consent.policy import Role, Viewer, lead_cases
from providers.models import Membership, Organization
from tasks.models import ContinuityRules, FollowUp
from tasks.rules import rules_for

OPEN_CASE_STATUSES = (Case.Status.OPEN, Case.Status.ACTIVE)
EXPIRING_WITHIN = timedelta(days=30)
# Ages of referrals waiting for an answer, in calendar days since they were sent.
YOUNG_REFERRAL = timedelta(days=3)
OLD_REFERRAL = timedelta(days=7)


class ReferralAge(StrEnum):
    UNDER_3_DAYS = "under-3"
    DAYS_3_TO_7 = "3-to-7"
    OVER_7_DAYS = "over-7"


class ListKind(StrEnum):
    """The lists behind the dashboard's numbers."""

    OVERDUE = "overdue"
    REFERRALS = "referrals"
    LAPSED = "lapsed"
    EXPIRING = "expiring"
    CASELOAD = "caseload"


class _PlusDays(Func):
    """``moment + days`` in days, on SQLite and PostgreSQL (an integer column of days)."""

    output_field = DateTimeField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return self.as_sql(
            compiler,
            connection,
            template="strftime('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M:%%%%f', %(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s)",
            arg_joiner=" + interval '1 day' * ",
            **extra,
        )


def supervised_organizations(*, viewer: Viewer) -> QuerySet[Organization]:
    """Active organizations where the viewer is an active supervisor, by name."""
    return Organization.objects.filter(pk__in=viewer.organizations_with(Role.SUPERVISOR))


def access_supervised_organization(*, viewer: Viewer, organization_id: int | None) -> Organization:
    """The organization whose continuity the viewer looks at (their only one when not named);
    404 when they do not supervise it."""
    organizations = supervised_organizations(viewer=viewer)
    if organization_id is not None:
        organizations = organizations.filter(pk=organization_id)
    found = organizations.order_by("name", "pk").first()
    if found is None:
        raise NotVisible("No such organization.")
    return found


def supervised_cases(*, viewer: Viewer, organization_id: int) -> QuerySet[Case]:
    """Cases led by the organization that the policy shows the viewer as its supervisor."""
    if not viewer.has_role(organization_id, Role.SUPERVISOR):
        return Case.objects.none()
    return lead_cases(viewer=viewer).filter(lead_organization_id=organization_id)


def active_advocates(*, organization_id: int) -> QuerySet[User]:
    """Active users holding an active advocate role at the organization, by name."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__role=Membership.Role.ADVOCATE,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "email", "pk")
    )


# --- the rows behind each number ---------------------------------------------------------------


def overdue_follow_ups(
    *, viewer: Viewer, organization_id: int, now: datetime
) -> QuerySet[FollowUp]:
    """Open follow-ups past due in the organization's queue, about its supervised cases."""
    cases = supervised_cases(viewer=viewer, organization_id=organization_id)
    return FollowUp.objects.filter(
        organization_id=organization_id,
        case_id__in=cases.values("pk"),
        status=FollowUp.Status.OPEN,
        due_at__lt=now,
    )


def _age_condition(age: ReferralAge, now: datetime) -> Q:
    if age is ReferralAge.UNDER_3_DAYS:
        return Q(sent_at__gt=now - YOUNG_REFERRAL)
    if age is ReferralAge.DAYS_3_TO_7:
        return Q(sent_at__lte=now - YOUNG_REFERRAL, sent_at__gt=now - OLD_REFERRAL)
    return Q(sent_at__lte=now - OLD_REFERRAL)


def unanswered_referrals(
    *, viewer: Viewer, organization_id: int, now: datetime, age: ReferralAge | None = None
) -> QuerySet[Referral]:
    """Referrals the organization sent for its supervised cases and nobody answered yet."""
    cases = supervised_cases(viewer=viewer, organization_id=organization_id)
    referrals = Referral.objects.filter(
        from_organization_id=organization_id,
        case_id__in=cases.values("pk"),
        status=Referral.Status.SENT,
    )
    return referrals.filter(_age_condition(age, now)) if age is not None else referrals


def lapsed_condition(now: datetime) -> Q:
    """Lapsed at ``now`` (see module), on services annotated by ``with_lapse_clock``."""
    return Q(status=PlannedService.Status.LAPSED) | Q(
        status=PlannedService.Status.ACTIVE, lapses_at__lt=now
    )


def with_lapse_clock(services: QuerySet[PlannedService]) -> QuerySet[PlannedService]:
    """Annotate ``case_id`` and ``lapses_at``: the last contact (else the creation) plus twice
    the expected contact period, when the service lapses (or lapsed) without contact."""
    clock = Coalesce("last_contact_at", "created_at")
    return services.annotate(
        case_id=F("goal__plan__case_id"),
        lapses_at=_PlusDays(clock, F("expected_contact_days") * 2),
    )


def lapsed_services(
    *, viewer: Viewer, organization_id: int, now: datetime
) -> QuerySet[PlannedService]:
    """Services of supervised cases that lapsed, or that the sweep will lapse (see module)."""
    cases = supervised_cases(viewer=viewer, organization_id=organization_id)
    return with_lapse_clock(
        PlannedService.objects.filter(goal__plan__case_id__in=cases.values("pk"))
    ).filter(lapsed_condition(now))


def expiring_condition(now: datetime) -> Q:
    """An active consent that expires within 30 days of ``now``."""
    return Q(
        status=Consent.Status.ACTIVE, expires_at__gt=now, expires_at__lte=now + EXPIRING_WITHIN
    )


def expiring_consents(*, viewer: Viewer, organization_id: int, now: datetime) -> QuerySet[Consent]:
    """Active consents of supervised cases that expire within 30 days."""
    cases = supervised_cases(viewer=viewer, organization_id=organization_id)
    return Consent.objects.filter(case_id__in=cases.values("pk")).filter(expiring_condition(now))


def open_cases(
    *, viewer: Viewer, organization_id: int, advocate_id: int | None = None
) -> QuerySet[Case]:
    """Open and active supervised cases, of one primary advocate when named."""
    cases = supervised_cases(viewer=viewer, organization_id=organization_id).filter(
        status__in=OPEN_CASE_STATUSES
    )
    if advocate_id is not None:
        primaries = CareTeamMember.objects.filter(
            user_id=advocate_id, role=CareTeamMember.Role.PRIMARY, until__isnull=True
        )
        cases = cases.filter(pk__in=primaries.values("case_id"))
    return cases


# --- the numbers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    advocate_id: int
    name: str
    open_cases: int
    limit: int

    @property
    def over_limit(self) -> bool:
        return self.open_cases > self.limit


@dataclass(frozen=True)
class Dashboard:
    organization: Organization
    rules: ContinuityRules
    overdue_follow_ups: int
    referrals_by_age: dict[ReferralAge, int]
    lapsed_services: int
    expiring_consents: int
    caseloads: list[Caseload]

    @property
    def unanswered_referrals(self) -> int:
        return sum(self.referrals_by_age.values())

    @property
    def advocates_over_limit(self) -> int:
        return sum(1 for caseload in self.caseloads if caseload.over_limit)


def caseloads(*, viewer: Viewer, organization_id: int, limit: int) -> list[Caseload]:
    """Open cases per primary advocate (every active advocate, with none counted as 0); two
    queries."""
    cases = open_cases(viewer=viewer, organization_id=organization_id)
    counted = (
        CareTeamMember.objects.filter(
            case_id__in=cases.values("pk"), role=CareTeamMember.Role.PRIMARY, until__isnull=True
        )
        .values("user_id", "user__full_name", "user__email")
        .annotate(open_cases=Count("case_id", distinct=True))
        .order_by()
    )
    loads = {
        row["user_id"]: Caseload(
            row["user_id"], row["user__full_name"] or row["user__email"], row["open_cases"], limit
        )
        for row in counted
    }
    for user_id, full_name, email in active_advocates(organization_id=organization_id).values_list(
        "pk", "full_name", "email"
    ):
        loads.setdefault(user_id, Caseload(user_id, full_name or email, 0, limit))
    return sorted(loads.values(), key=lambda load: (-load.open_cases, load.name.lower()))


def continuity_dashboard(*, viewer: Viewer, organization: Organization, now: datetime) -> Dashboard:
    """Every number of the dashboard in a fixed number of queries."""
    organization_id = organization.pk
    referral_counts = unanswered_referrals(
        viewer=viewer, organization_id=organization_id, now=now
    ).aggregate(**{age.value: Count("pk", filter=_age_condition(age, now)) for age in ReferralAge})
    rules = rules_for(organization_id)
    return Dashboard(
        organization=organization,
        rules=rules,
        overdue_follow_ups=overdue_follow_ups(
            viewer=viewer, organization_id=organization_id, now=now
        ).count(),
        referrals_by_age={age: referral_counts[age.value] for age in ReferralAge},
        lapsed_services=lapsed_services(
            viewer=viewer, organization_id=organization_id, now=now
        ).count(),
        expiring_consents=expiring_consents(
            viewer=viewer, organization_id=organization_id, now=now
        ).count(),
        caseloads=caseloads(
            viewer=viewer, organization_id=organization_id, limit=rules.caseload_limit
        ),
    )


def supervises_case(*, viewer: Viewer, case_id: int) -> bool:
    """True when the policy shows the viewer the case as a supervisor of its lead organization."""
    supervised = viewer.organizations_with(Role.SUPERVISOR)
    if not supervised:
        return False
    return (
        lead_cases(viewer=viewer).filter(pk=case_id, lead_organization_id__in=supervised).exists()
    )


def with_primary_advocate(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate ``primary_name`` (the current primary advocate's name, else e-mail)."""
    current = CareTeamMember.objects.filter(
        case_id=OuterRef("pk"), role=CareTeamMember.Role.PRIMARY, until__isnull=True
    ).order_by("-since", "-pk")
    return cases.annotate(
        primary_name=Subquery(current.values("user__full_name")[:1]),
        primary_email=Subquery(current.values("user__email")[:1]),
    )


def primary_advocate_of_case(*, case_id: int) -> User | None:
    member = (
        CareTeamMember.objects.filter(
            case_id=case_id, role=CareTeamMember.Role.PRIMARY, until__isnull=True
        )
        .select_related("user")
        .order_by("-since", "-pk")
        .first()
    )
    return member.user if member is not None else None
