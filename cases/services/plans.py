"""The service plan: goals in the young person's words, the services toward them, and the
numbered versions the young person approves."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.errors import check_transition
from cases.models import Case, Goal, PlannedService, PlanVersion, ServicePlan
from cases.selectors import goals_with_services
from cases.services.lifecycle import refuse_if_closed
from providers.models import Membership, Organization, ServiceType

ServiceStatus = PlannedService.Status
VersionStatus = PlanVersion.Status
_STAFF_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)
_POSITION_MAX = 32767
GOAL_FIELDS = frozenset({"description", "domain", "status", "position"})
SERVICE_FIELDS = frozenset(
    {"service_type", "provider", "responsible", "starts_on", "ends_on", "expected_contact_days"}
)
PLANNED_SERVICE_MOVES = {
    ServiceStatus.PROPOSED: frozenset(
        {ServiceStatus.REFERRED, ServiceStatus.ACTIVE, ServiceStatus.DECLINED}
    ),
    ServiceStatus.REFERRED: frozenset(
        {ServiceStatus.ACTIVE, ServiceStatus.DECLINED, ServiceStatus.PROPOSED}
    ),
    ServiceStatus.ACTIVE: frozenset(
        {ServiceStatus.COMPLETED, ServiceStatus.LAPSED, ServiceStatus.DECLINED}
    ),
    ServiceStatus.LAPSED: frozenset(
        {ServiceStatus.ACTIVE, ServiceStatus.COMPLETED, ServiceStatus.DECLINED}
    ),
    ServiceStatus.COMPLETED: frozenset(),
    ServiceStatus.DECLINED: frozenset(),
}
PLAN_VERSION_MOVES = {
    VersionStatus.DRAFT: frozenset({VersionStatus.AWAITING_APPROVAL}),
    VersionStatus.AWAITING_APPROVAL: frozenset({VersionStatus.APPROVED, VersionStatus.DRAFT}),
    VersionStatus.APPROVED: frozenset({VersionStatus.SUPERSEDED}),
    VersionStatus.SUPERSEDED: frozenset(),
}
_IN_PROGRESS = (VersionStatus.DRAFT, VersionStatus.AWAITING_APPROVAL)


def _choices(values: list[str]) -> str:
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(values)}


def _plan_of(case: Case) -> ServicePlan:
    """The case's living plan, created on first use for cases opened before plans existed."""
    return ServicePlan.objects.get_or_create(case=case)[0]


def _validate_goal(goal: Goal) -> None:
    errors: dict[str, list[str]] = {}
    goal.description = (goal.description or "").strip()
    if not goal.description:
        errors["description"] = [_("Write the goal in the young person's own words.")]
    if goal.domain not in Goal.Domain.values:
        errors["domain"] = [_choices(Goal.Domain.values)]
    if goal.status not in Goal.Status.values:
        errors["status"] = [_choices(Goal.Status.values)]
    if not isinstance(goal.position, int) or not 0 <= goal.position <= _POSITION_MAX:
        errors["position"] = [_("Give a whole number from 0 to %(max)s.") % {"max": _POSITION_MAX}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_goal(*, case: Case, description: str, domain: str, actor: User, position: int = 0) -> Goal:
    """Add a goal to the case's living plan, in the young person's own words."""
    goal = Goal(plan=_plan_of(case), description=description, domain=domain, position=position)
    _validate_goal(goal)
    goal._history_user = actor
    goal.save()
    return goal


@transaction.atomic
def update_goal(*, goal: Goal, actor: User, changes: Mapping[str, Any]) -> Goal:
    """Change a goal's words, domain, status (active, achieved, set aside) or position."""
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    for name, value in changes.items():
        if name in GOAL_FIELDS:
            setattr(goal, name, value)
    _validate_goal(goal)
    goal._history_user = actor
    goal.save()
    return goal


def _validate_service(service: PlannedService, *, case: Case) -> None:
    """Field rules of a planned service, checked before every write as field errors."""
    errors: dict[str, list[str]] = {}
    if service.goal.plan.case_id != case.pk:
        errors["goal"] = [_("The goal must belong to the plan of this case.")]
    if not ServiceType.objects.filter(pk=service.service_type_id, is_active=True).exists():
        errors["service_type"] = [_("Choose an active service type.")]
    if service.provider_id is not None and not _active_organization(service.provider_id):
        errors["provider"] = [_("The provider must be an active member organization.")]
    if service.responsible_id is not None and not _works_at_lead(service.responsible_id, case):
        errors["responsible"] = [_("Must be active staff of the case's lead organization.")]
    if service.starts_on and service.ends_on and service.ends_on < service.starts_on:
        errors["ends_on"] = [_("The end date must not be before the start date.")]
    days = service.expected_contact_days
    if not isinstance(days, int) or not 1 <= days <= 365:
        errors["expected_contact_days"] = [_("Give a number of days from 1 to 365.")]
    if errors:
        raise ValidationError(errors)


def _active_organization(organization_id: int) -> bool:
    return Organization.objects.filter(pk=organization_id, is_active=True).exists()


def _works_at_lead(user_id: int, case: Case) -> bool:
    return Membership.objects.filter(
        user_id=user_id,
        user__is_active=True,
        organization_id=case.lead_organization_id,
        role__in=_STAFF_ROLES,
        is_active=True,
    ).exists()


@transaction.atomic
def add_planned_service(
    *,
    case: Case,
    goal: Goal,
    service_type: ServiceType,
    actor: User,
    provider: Organization | None = None,
    responsible: User | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    expected_contact_days: int = 14,
) -> PlannedService:
    """Plan a service toward a goal of the case; it starts as proposed."""
    service = PlannedService(
        goal=goal,
        service_type=service_type,
        provider=provider,
        responsible=responsible,
        starts_on=starts_on,
        ends_on=ends_on,
        expected_contact_days=expected_contact_days,
    )
    _validate_service(service, case=case)
    service._history_user = actor
    service.save()
    return service


def _locked_service(service: PlannedService) -> PlannedService:
    return (
        PlannedService.objects.select_for_update(of=("self",))
        .select_related("goal__plan__case")
        .get(pk=service.pk)
    )


@transaction.atomic
def update_planned_service(
    *, service: PlannedService, actor: User, changes: Mapping[str, Any]
) -> PlannedService:
    """Change who provides a service, who keeps it on track, its dates or contact rhythm.

    The status changes only through ``move_planned_service``.
    """
    service = _locked_service(service)
    for name, value in changes.items():
        if name in SERVICE_FIELDS:
            setattr(service, name, value)
    _validate_service(service, case=service.goal.plan.case)
    service._history_user = actor
    service.save()
    return service


@transaction.atomic
def move_planned_service(*, service: PlannedService, target: str, actor: User) -> PlannedService:
    """Move a planned service along its lifecycle; completed and declined are final.

    Starting a service without a start date dates it today; completing one without an end
    date ends it today.
    """
    service = _locked_service(service)
    check_transition(
        record="planned service",
        current=service.status,
        target=target,
        moves=PLANNED_SERVICE_MOVES,
    )
    today = timezone.localdate()
    if target == ServiceStatus.ACTIVE and service.starts_on is None:
        service.starts_on = today if service.ends_on is None else min(today, service.ends_on)
    if target == ServiceStatus.COMPLETED and service.ends_on is None:
        service.ends_on = max(today, service.starts_on or today)
    service.status = target
    service._history_user = actor
    service.save()
    return service


def plan_snapshot(plan: ServicePlan) -> dict[str, Any]:
    """The plan as the young person approves it: goals in their words and the services toward
    them, naming service types and providers but no person."""
    return {
        "goals": [
            {
                "id": goal.pk,
                "description": goal.description,
                "domain": goal.domain,
                "status": goal.status,
                "position": goal.position,
                "services": [_service_snapshot(service) for service in goal.services.all()],
            }
            for goal in goals_with_services(plan_id=plan.pk)
        ]
    }


def _service_snapshot(service: PlannedService) -> dict[str, Any]:
    provider = service.provider
    return {
        "id": service.pk,
        "service_type": {"code": service.service_type.code, "name": service.service_type.name},
        "provider": None if provider is None else {"id": provider.pk, "name": provider.name},
        "status": service.status,
        "starts_on": service.starts_on.isoformat() if service.starts_on else None,
        "ends_on": service.ends_on.isoformat() if service.ends_on else None,
        "expected_contact_days": service.expected_contact_days,
    }


def _locked_plan(plan_id: int) -> ServicePlan:
    """Versions of one plan are numbered, started and approved one writer at a time."""
    return ServicePlan.objects.select_for_update().get(pk=plan_id)


@transaction.atomic
def start_plan_version(*, case: Case, actor: User, summary: str = "") -> PlanVersion:
    """Start the next numbered draft of the plan; only one version may be in progress."""
    refuse_if_closed(case.pk, _("The case is closed; reopen it to change the plan."))
    plan = _locked_plan(_plan_of(case).pk)
    current = plan.versions.filter(status__in=_IN_PROGRESS).first()
    if current is not None:
        raise ValidationError(
            {
                "case": [
                    _(
                        "Version %(number)s of this plan is still in progress "
                        "(%(status)s); finish it before starting another."
                    )
                    % {"number": current.number, "status": current.status}
                ]
            }
        )
    number = (plan.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = PlanVersion(
        plan=plan,
        number=number,
        summary=summary.strip(),
        content=plan_snapshot(plan),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"case": [_("Another version of this plan was just started.")]}
        ) from exc
    return version


def _locked_version(version: PlanVersion) -> PlanVersion:
    return (
        PlanVersion.objects.select_for_update(of=("self",))
        .select_related("plan__case__person")
        .get(pk=version.pk)
    )


def _move_version(version: PlanVersion, target: str) -> None:
    check_transition(
        record="plan version", current=version.status, target=target, moves=PLAN_VERSION_MOVES
    )
    version.status = target


@transaction.atomic
def submit_plan_version(*, version: PlanVersion, actor: User) -> PlanVersion:
    """Freeze the living plan into the draft and ask the young person to approve it."""
    version = _locked_version(version)
    refuse_if_closed(
        version.plan.case_id, _("The case is closed; reopen it to send a new version.")
    )
    _move_version(version, VersionStatus.AWAITING_APPROVAL)
    version.content = plan_snapshot(version.plan)
    version.submitted_at = timezone.now()
    version.save()
    return version


def _supersede_approved(*, plan_id: int, at: datetime) -> None:
    """The approved version steps aside first: a plan never has two approved versions."""
    approved = PlanVersion.objects.select_for_update().filter(
        plan_id=plan_id, status=VersionStatus.APPROVED
    )
    for previous in approved:
        _move_version(previous, VersionStatus.SUPERSEDED)
        previous.superseded_at = at
        previous.save(update_fields=["status", "superseded_at"])


@transaction.atomic
def approve_plan_version(*, version: PlanVersion, actor: User, evidence: str = "") -> PlanVersion:
    """Record the young person's approval (in the portal, or in person as recorded by staff,
    with what shows it); the version approved before it is superseded."""
    _locked_plan(version.plan_id)
    version = _locked_version(version)
    _move_version(version, VersionStatus.APPROVED)
    now = timezone.now()
    _supersede_approved(plan_id=version.plan_id, at=now)
    is_young_person = actor.pk == version.plan.case.person.user_id
    version.approval_channel = (
        PlanVersion.ApprovalChannel.PORTAL
        if is_young_person
        else PlanVersion.ApprovalChannel.IN_PERSON
    )
    version.approved_by = actor
    version.approved_at = now
    if not is_young_person:
        version.approval_evidence = evidence.strip()[:300]
    version.save()
    version.plan.last_reviewed_at = now
    version.plan.save(update_fields=["last_reviewed_at"])
    return version


@transaction.atomic
def request_plan_changes(
    *, version: PlanVersion, actor: User, changes_requested: str
) -> PlanVersion:
    """Send a version awaiting approval back to draft with what should change."""
    changes_requested = (changes_requested or "").strip()
    if not changes_requested:
        raise ValidationError({"changes_requested": [_("Say what should change in the plan.")]})
    version = _locked_version(version)
    _move_version(version, VersionStatus.DRAFT)
    version.changes_requested = changes_requested
    version.save()
    return version
