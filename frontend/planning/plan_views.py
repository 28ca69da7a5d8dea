"""The plan editor: goals in the young person's words, the services toward them, and the versions
sent to the young person for approval. The same policy and services as api/plans.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.versions import StaleVersion
from cases.models import Case, Goal, PlannedService, PlanVersion, ServicePlan
from cases.selectors import goals_with_services
from cases.services.plans import (
    PLANNED_SERVICE_MOVES,
    add_goal,
    add_planned_service,
    approve_plan_version,
    move_planned_service,
    start_plan_version,
    submit_plan_version,
    update_goal,
    update_planned_service,
)
from consent.policy import Action, CaseAccess
from frontend.access import staff_page
from frontend.planning.forms import (
    GoalChangeForm,
    GoalForm,
    InPersonApprovalForm,
    MoveServiceForm,
    PlannedServiceForm,
    PlanVersionForm,
)
from frontend.planning.lead import (
    action_of,
    case_page_url,
    data_of,
    lead_staff_case,
    show_errors,
)
from frontend.versioned import initial_version, saved_over, show_newer

IN_PROGRESS = (PlanVersion.Status.DRAFT, PlanVersion.Status.AWAITING_APPROVAL)


def _plan(access: CaseAccess) -> ServicePlan:
    return ServicePlan.objects.get_or_create(case=access.case)[0]


def _editor(
    request: HttpRequest,
    access: CaseAccess,
    *,
    goal_form: GoalForm | None = None,
    version_form: PlanVersionForm | None = None,
    approval_form: InPersonApprovalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    plan = _plan(access)
    versions = list(plan.versions.order_by("-number"))
    context = {
        "case_id": access.case.pk,
        "case_url": case_page_url(access.case.pk),
        "case_closed": access.case.status == Case.Status.CLOSED,
        "goals": goals_with_services(plan_id=plan.pk).order_by("position", "pk"),
        "versions": versions,
        "in_progress": next((v for v in versions if v.status in IN_PROGRESS), None),
        "goal_form": goal_form or GoalForm(),
        "version_form": version_form or PlanVersionForm(),
        "approval_form": approval_form or InPersonApprovalForm(),
    }
    return render(request, "frontend/planning/plan_editor.html", context, status=status)


@staff_page
@require_http_methods(["GET"])
def plan_editor(request: HttpRequest, case_id: int) -> HttpResponse:
    return _editor(request, lead_staff_case(request, case_id))


@staff_page
@require_POST
def goal_add(request: HttpRequest, case_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, Action.EDIT)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            add_goal(case=access.case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The goal was added."))
            return redirect("frontend:plan-editor", case_id=case_id)
    return _editor(request, access, goal_form=form, status=400)


def _goal_of(access: CaseAccess, goal_id: int) -> Goal:
    return get_object_or_404(Goal, pk=goal_id, plan__case_id=access.case.pk)


@staff_page
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, case_id: int, goal_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, action_of(request))
    goal = _goal_of(access, goal_id)
    initial = {"description": goal.description, "domain": goal.domain, "status": goal.status}
    form = GoalChangeForm(data_of(request), initial={**initial, **initial_version(goal)})
    if request.method == "POST" and form.is_valid():
        try:
            with saved_over(form, Goal.objects.filter(pk=goal.pk)):
                update_goal(goal=goal, actor=request.user, changes=form.changes())
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The goal was changed."))
            return redirect("frontend:plan-editor", case_id=case_id)
    context = {"case_id": case_id, "goal": goal, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "frontend/planning/goal_form.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def service_add(request: HttpRequest, case_id: int, goal_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, action_of(request))
    goal = _goal_of(access, goal_id)
    form = PlannedServiceForm(data_of(request))
    if request.method == "POST" and form.is_valid():
        try:
            add_planned_service(case=access.case, goal=goal, actor=request.user, **form.changes())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The service was added to the plan."))
            return redirect("frontend:plan-editor", case_id=case_id)
    context = {"case_id": case_id, "goal": goal, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "frontend/planning/service_form.html", context, status=status)


def _service_of(access: CaseAccess, service_id: int) -> PlannedService:
    services = PlannedService.objects.select_related("goal", "service_type", "provider")
    return get_object_or_404(services, pk=service_id, goal__plan__case_id=access.case.pk)


def _service_page(
    request: HttpRequest,
    service: PlannedService,
    form: PlannedServiceForm,
    move_form: MoveServiceForm,
    status: int,
) -> HttpResponse:
    moves = PLANNED_SERVICE_MOVES[service.status]
    move_form.fields["status"].choices = [
        (value, label) for value, label in PlannedService.Status.choices if value in moves
    ]
    context = {
        "case_id": service.goal.plan.case_id,
        "goal": service.goal,
        "service": service,
        "form": form,
        "move_form": move_form if moves else None,
    }
    return render(request, "frontend/planning/service_form.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, case_id: int, service_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, action_of(request))
    service = _service_of(access, service_id)
    initial = {
        "service_type": service.service_type_id,
        "provider": service.provider_id,
        "starts_on": service.starts_on,
        "ends_on": service.ends_on,
        "expected_contact_days": service.expected_contact_days,
        **initial_version(service),
    }
    form = PlannedServiceForm(data_of(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_over(form, PlannedService.objects.filter(pk=service.pk)):
                update_planned_service(service=service, actor=request.user, changes=form.changes())
        except StaleVersion as exc:
            show_newer(form, exc, shown=_shown_service_value)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The planned service was changed."))
            return redirect("frontend:plan-editor", case_id=case_id)
    status = 400 if form.is_bound else 200
    return _service_page(request, service, form, MoveServiceForm(), status)


def _shown_service_value(service: PlannedService, name: str) -> object:
    """The newer value as a person reads it: names, not ids."""
    related = {"service_type": "service_type", "provider": "provider"}
    return getattr(service, related[name]) if name in related else getattr(service, name)


@staff_page
@require_POST
def service_move(request: HttpRequest, case_id: int, service_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, Action.EDIT)
    service = _service_of(access, service_id)
    move_form = MoveServiceForm(request.POST)
    if move_form.is_valid():
        try:
            move_planned_service(
                service=service, target=move_form.cleaned_data["status"], actor=request.user
            )
        except ValidationError as exc:
            show_errors(move_form, exc)
        else:
            messages.success(request, _("The service's status was changed."))
            return redirect("frontend:plan-editor", case_id=case_id)
    form = PlannedServiceForm(initial={"service_type": service.service_type_id})
    return _service_page(request, service, form, move_form, 400)


@staff_page
@require_POST
def version_approve(request: HttpRequest, case_id: int, version_id: int) -> HttpResponse:
    """Record the young person's approval of the version awaiting it, given in person."""
    access = lead_staff_case(request, case_id, Action.EDIT)
    version = get_object_or_404(
        _plan(access).versions, pk=version_id, status=PlanVersion.Status.AWAITING_APPROVAL
    )
    form = InPersonApprovalForm(request.POST)
    if form.is_valid():
        approve_plan_version(
            version=version, actor=request.user, evidence=form.cleaned_data["evidence"]
        )
        messages.success(request, _("The young person's approval is recorded."))
        return redirect("frontend:plan-editor", case_id=case_id)
    return _editor(request, access, approval_form=form, status=400)


@staff_page
@require_POST
def version_submit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Freeze the living plan into a version the young person is asked to approve: a draft
    sent back with changes requested is submitted again, else a new version is started."""
    access = lead_staff_case(request, case_id, Action.EDIT)
    form = PlanVersionForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                version = (
                    _plan(access).versions.filter(status=PlanVersion.Status.DRAFT).first()
                ) or start_plan_version(
                    case=access.case, actor=request.user, summary=form.cleaned_data["summary"]
                )
                submit_plan_version(version=version, actor=request.user)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The plan was sent to the young person for approval."))
            return redirect("frontend:plan-editor", case_id=case_id)
    return _editor(request, access, version_form=form, status=400)
