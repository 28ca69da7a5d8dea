"""The supervisor's continuity pages: the dashboard, the lists behind its numbers, reassigning.

Every page is for supervisors of the organization only (404 for anyone else, as the policy
answers records one has no basis for). Counts and lists come from ``tasks.continuity``; the
writes go through the same access functions and services as the API (``access_follow_up`` +
``reassign_follow_up``; ``access_case(MANAGE_TEAM)`` + ``add_care_team_member``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases.categories import DataCategory
from cases.models import CareTeamMember
from cases.services.care_team import add_care_team_member
from consent.access_log import note_page_access
from consent.policy import Action, Role, Viewer, access_case
from frontend.access import page_viewer, staff_page
from frontend.supervisor.forms import PrimaryAdvocateForm, ReassignFollowUpForm
from frontend.supervisor.params import int_param, supervised_organization
from tasks import continuity
from tasks.access import access_follow_up
from tasks.continuity import ListKind, ReferralAge
from tasks.follow_ups import reassign_follow_up
from tasks.models import FollowUp

# Longest list shown at once; the numbers on the dashboard count everything.
LIST_LIMIT = 200
TITLES = {
    ListKind.OVERDUE: gettext_lazy("Overdue follow-ups"),
    ListKind.REFERRALS: gettext_lazy("Referrals waiting for an answer"),
    ListKind.LAPSED: gettext_lazy("Lapsed services"),
    ListKind.EXPIRING: gettext_lazy("Consents expiring within 30 days"),
    ListKind.CASELOAD: gettext_lazy("Open cases by primary advocate"),
}


def _list_url(kind: ListKind, organization_id: int, **params: object) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items() if value is not None)
    url = reverse("frontend:supervisor-list", kwargs={"kind": kind.value})
    return f"{url}?organization={organization_id}" + (f"&{query}" if query else "")


def _apply_errors(form: object, exc: ValidationError, renamed: dict[str, str]) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        field = renamed.get(name, name)
        form.add_error(field if field in form.fields else None, errors)


@staff_page
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = page_viewer(request)
    organization = supervised_organization(request, viewer)
    board = continuity.continuity_dashboard(
        viewer=viewer, organization=organization, now=timezone.now()
    )
    org_id = organization.pk
    referral_tiles = [
        (
            label,
            board.referrals_by_age[age],
            _list_url(ListKind.REFERRALS, org_id, age=age.value),
        )
        for age, label in (
            (ReferralAge.UNDER_3_DAYS, _("Referrals unanswered, sent less than 3 days ago")),
            (ReferralAge.DAYS_3_TO_7, _("Referrals unanswered, sent 3 to 7 days ago")),
            (ReferralAge.OVER_7_DAYS, _("Referrals unanswered, sent more than 7 days ago")),
        )
    ]
    caseloads = [
        (load, _list_url(ListKind.CASELOAD, org_id, advocate=load.advocate_id))
        for load in board.caseloads
    ]
    organizations = list(continuity.supervised_organizations(viewer=viewer).order_by("name"))
    return render(
        request,
        "frontend/supervisor/dashboard.html",
        {
            "board": board,
            "organization": organization,
            "organizations": organizations if len(organizations) > 1 else [],
            "overdue_url": _list_url(ListKind.OVERDUE, org_id),
            "lapsed_url": _list_url(ListKind.LAPSED, org_id),
            "expiring_url": _list_url(ListKind.EXPIRING, org_id),
            "caseload_url": _list_url(ListKind.CASELOAD, org_id),
            "referral_tiles": referral_tiles,
            "caseloads": caseloads,
        },
    )


def _rows(
    kind: ListKind, viewer: Viewer, organization_id: int, request: HttpRequest
) -> tuple[QuerySet, dict[str, object]]:
    now = timezone.now()
    scope = {"viewer": viewer, "organization_id": organization_id}
    if kind is ListKind.OVERDUE:
        rows = continuity.overdue_follow_ups(**scope, now=now).select_related("assignee")
        return rows.order_by("due_at", "pk"), {}
    if kind is ListKind.REFERRALS:
        age_value = request.GET.get("age") or None
        try:
            age = ReferralAge(age_value) if age_value else None
        except ValueError as exc:
            raise Http404("No such list.") from exc
        rows = continuity.unanswered_referrals(**scope, now=now, age=age).select_related(
            "to_organization", "service_type"
        )
        return rows.order_by("sent_at", "pk"), {"age": age, "now": now}
    if kind is ListKind.LAPSED:
        rows = continuity.lapsed_services(**scope, now=now).select_related(
            "service_type", "provider", "responsible"
        )
        return rows.order_by("lapses_at", "pk"), {}
    if kind is ListKind.EXPIRING:
        rows = continuity.expiring_consents(**scope, now=now).select_related("recipient")
        return rows.order_by("expires_at", "pk"), {}
    advocate_id = int_param(request, "advocate")
    rows = continuity.with_primary_advocate(continuity.open_cases(**scope, advocate_id=advocate_id))
    return rows.order_by("pk"), {"advocate_id": advocate_id}


def _advocate_name(advocate_id: int, organization_id: int, rows: list) -> str:
    """The advocate a caseload list is about: an active advocate here, or the primary of
    the cases listed; anyone else is no advocate of this organization (404)."""
    if rows:
        return rows[0].primary_name or rows[0].primary_email
    advocate = (
        continuity.active_advocates(organization_id=organization_id).filter(pk=advocate_id).first()
    )
    if advocate is None:
        raise Http404("No such advocate.")
    return advocate.full_name or advocate.email


@staff_page
@require_GET
def work_list(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        list_kind = ListKind(kind)
    except ValueError as exc:
        raise Http404("No such list.") from exc
    viewer = page_viewer(request)
    organization = supervised_organization(request, viewer)
    rows, extra = _rows(list_kind, viewer, organization.pk, request)
    rows = list(rows[:LIST_LIMIT])
    if list_kind is ListKind.CASELOAD and extra["advocate_id"] is not None:
        extra["advocate_name"] = _advocate_name(extra["advocate_id"], organization.pk, rows)
    case_ids = [row.pk if list_kind is ListKind.CASELOAD else row.case_id for row in rows]
    note_page_access(
        viewer=viewer,
        case_ids=case_ids,
        categories=(DataCategory.PLAN,) if list_kind is ListKind.LAPSED else None,
    )
    return render(
        request,
        f"frontend/supervisor/list_{list_kind.value}.html",
        {
            "title": TITLES[list_kind],
            "kind": list_kind.value,
            "rows": rows,
            "organization": organization,
            "dashboard_url": (
                f"{reverse('frontend:supervisor-dashboard')}?organization={organization.pk}"
            ),
            "limit": LIST_LIMIT,
            **extra,
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def reassign_follow_up_page(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    viewer = page_viewer(request)
    follow_up = access_follow_up(viewer=viewer, follow_up_id=follow_up_id)
    if not (follow_up.on_lead_case and viewer.has_role(follow_up.organization_id, Role.SUPERVISOR)):
        raise Http404("No such follow-up.")
    advocates = continuity.active_advocates(organization_id=follow_up.organization_id)
    form = ReassignFollowUpForm(
        request.POST if request.method == "POST" else None, advocates=advocates
    )
    status = 200
    if request.method == "POST":
        follow_up = access_follow_up(viewer=viewer, follow_up_id=follow_up_id, action=Action.EDIT)
        if form.is_valid():
            try:
                reassign_follow_up(
                    follow_up=follow_up,
                    assignee=form.cleaned_data["assignee"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc, {})
            else:
                messages.success(request, _("The follow-up was reassigned."))
                return redirect(_list_url(ListKind.OVERDUE, follow_up.organization_id))
        status = 400
    return render(
        request,
        "frontend/supervisor/reassign_follow_up.html",
        {
            "form": form,
            "follow_up": follow_up,
            "overdue": follow_up.status == FollowUp.Status.OPEN
            and follow_up.due_at < timezone.now(),
            "back_url": _list_url(ListKind.OVERDUE, follow_up.organization_id),
        },
        status=status,
    )


@staff_page
@require_http_methods(["GET", "POST"])
def primary_advocate_page(request: HttpRequest, case_id: int) -> HttpResponse:
    viewer = page_viewer(request)
    if not continuity.supervises_case(viewer=viewer, case_id=case_id):
        raise Http404("No such case.")
    action = Action.MANAGE_TEAM if request.method == "POST" else Action.VIEW
    case = access_case(viewer=viewer, case_id=case_id, action=action).case
    advocates = continuity.active_advocates(organization_id=case.lead_organization_id)
    form = PrimaryAdvocateForm(
        request.POST if request.method == "POST" else None, advocates=advocates
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                add_care_team_member(
                    case=case,
                    user=form.cleaned_data["advocate"],
                    role=CareTeamMember.Role.PRIMARY,
                    actor=request.user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc, {"user": "advocate", "role": "advocate"})
            else:
                messages.success(request, _("The case has a new primary advocate."))
                return redirect(_list_url(ListKind.CASELOAD, case.lead_organization_id))
        status = 400
    return render(
        request,
        "frontend/supervisor/primary_advocate.html",
        {
            "form": form,
            "case_id": case.pk,
            "current": continuity.primary_advocate_of_case(case_id=case.pk),
            "back_url": _list_url(ListKind.CASELOAD, case.lead_organization_id),
        },
        status=status,
    )
