"""The young person's plan in plain words, approval or changes, and notices.

Every view is a ``portal_page`` (no-store, a young person only) and reads through the policy
with the young person's own basis (``Basis.SUBJECT``): another young person's records are 404.
Titles stay the neutral one of the portal base template; URLs carry ids only.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import GoalDomain, PlannedServiceStatus, PlanVersion
from cases.services.plans import approve_plan_version, request_plan_changes
from consent.access_log import note_page_access
from consent.policy import (
    Action,
    Viewer,
    access_case,
    visible_plan_versions,
)
from frontend.access import page_viewer, portal_page
from frontend.portal.forms import PlanChangesForm
from frontend.portal.words import choice_label, notice_text
from providers.seeded_labels import translated_label
from tasks.models import PortalNotice

NOTICES_SHOWN = 20


def _own_versions(viewer: Viewer) -> QuerySet[PlanVersion]:
    return visible_plan_versions(viewer=viewer).filter(plan__case__person_id=viewer.person_id)


def _plain_plan(version: PlanVersion) -> list[dict[str, Any]]:
    """The version's goals and services in plain words (the snapshot the young person approves)."""
    goals = []
    for goal in version.content.get("goals", []):
        services = [
            {
                "name": translated_label(service["service_type"]["name"]),
                "provider": (service.get("provider") or {}).get("name", ""),
                "status": choice_label(PlannedServiceStatus, service.get("status", "")),
            }
            for service in goal.get("services", [])
        ]
        goals.append(
            {
                "description": goal["description"],
                "domain": choice_label(GoalDomain, goal.get("domain", "")),
                "services": services,
            }
        )
    return goals


def _notices(viewer: Viewer) -> list[dict[str, Any]]:
    rows = PortalNotice.objects.filter(person_id=viewer.person_id).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )[:NOTICES_SHOWN]
    return [
        {
            "id": notice.pk,
            "text": notice_text(notice.kind),
            "about_consent": notice.kind != PortalNotice.Kind.COMPELLED_DISCLOSURE,
            "created_at": notice.created_at,
            "unread": notice.read_at is None,
        }
        for notice in rows
    ]


def _home(
    request: HttpRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    viewer = page_viewer(request)
    versions = list(
        _own_versions(viewer)
        .filter(status__in=[PlanVersion.Status.APPROVED, PlanVersion.Status.AWAITING_APPROVAL])
        .select_related("plan")
        .order_by("plan__case_id", "-number")
    )
    note_page_access(
        viewer=viewer, case_ids=[v.plan.case_id for v in versions], categories=["plan"]
    )
    plans = [
        {
            "version": version,
            "goals": _plain_plan(version),
            "awaiting": version.status == PlanVersion.Status.AWAITING_APPROVAL,
        }
        for version in versions
    ]
    context = {
        "pending_plans": [p for p in plans if p["awaiting"]],
        "approved_plans": [p for p in plans if not p["awaiting"]],
        "notices": _notices(viewer),
        "errors": errors or [],
    }
    return render(request, "frontend/portal/home.html", context, status=status)


@portal_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My plan: the approved version, and one awaiting my approval; my notices."""
    return _home(request)


def _own_version(viewer: Viewer, version_id: int) -> PlanVersion:
    version = _own_versions(viewer).filter(pk=version_id).select_related("plan__case").first()
    if version is None:
        raise Http404("No such plan.")
    # The policy decides (and records) that the young person may answer for this plan.
    access_case(viewer=viewer, case_id=version.plan.case_id, action=Action.APPROVE_PLAN)
    return version


@portal_page
@require_POST
def approve_plan(request: HttpRequest, version_id: int) -> HttpResponse:
    """Approve a plan version awaiting my approval (the one approved before is superseded)."""
    version = _own_version(page_viewer(request), version_id)
    try:
        approve_plan_version(version=version, actor=request.user)
    except ValidationError as exc:
        return _home(request, errors=exc.messages, status=400)
    messages.success(request, _("Thank you. You approved your plan."))
    return redirect("frontend:portal-home")


@portal_page
@require_http_methods(["GET", "POST"])
def plan_changes(request: HttpRequest, version_id: int) -> HttpResponse:
    """Ask for changes to a plan version awaiting my approval, in my own words."""
    version = _own_version(page_viewer(request), version_id)
    if version.status != PlanVersion.Status.AWAITING_APPROVAL:
        raise Http404("This plan is not waiting for you.")
    form = PlanChangesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_plan_changes(
                version=version,
                actor=request.user,
                changes_requested=form.cleaned_data["changes_requested"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Sent. Your advocate will change the plan with you."))
            return redirect("frontend:portal-home")
    context = {"form": form, "version": version, "goals": _plain_plan(version)}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/portal/plan_changes.html", context, status=status)


@portal_page
@require_POST
def notice_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Mark one of my notices read."""
    viewer = page_viewer(request)
    updated = PortalNotice.objects.filter(
        pk=notice_id, person_id=viewer.person_id, read_at__isnull=True
    ).update(read_at=timezone.now())
    exists = updated or PortalNotice.objects.filter(pk=notice_id, person_id=viewer.person_id)
    if not exists:
        raise Http404("No such notice.")
    return redirect("frontend:portal-home")


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Who can see my information -------------------------------------------------------------
