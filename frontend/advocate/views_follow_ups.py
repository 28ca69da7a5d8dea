"""The follow-up inbox: what the viewer and their organization's queue must do, by when."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from consent.access_log import note_page_access
from consent.errors import AccessDenied, NotVisible
from consent.policy import STAFF_ROLES, Action
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import add_service_errors, writable_lead_case
from frontend.advocate.forms import CancelFollowUpForm, CompleteFollowUpForm, NewFollowUpForm
from tasks.access import access_follow_up, visible_follow_ups
from tasks.follow_ups import cancel_follow_up, complete_follow_up, create_follow_up_by_hand
from tasks.models import FollowUp

PAGE_SIZE = 50
MINE, QUEUE = "mine", "queue"


@staff_page
@require_GET
def follow_up_inbox(request: HttpRequest) -> HttpResponse:
    """Open follow-ups, soonest due first: the viewer's own, or every one they may see in
    their organizations' queues."""
    viewer = page_viewer(request)
    if not viewer.staff_organizations:
        raise Http404
    show = QUEUE if request.GET.get("show") == QUEUE else MINE
    rows = (
        visible_follow_ups(viewer=viewer)
        .filter(status=FollowUp.Status.OPEN)
        .select_related("assignee", "organization")
        .order_by("due_at", "pk")
    )
    if show == MINE:
        rows = rows.filter(Q(assignee_id=viewer.user_id) | Q(escalated_to_id=viewer.user_id))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    note_page_access(viewer=viewer, case_ids=[row.case_id for row in page])
    context = {"page": page, "show": show, "now": timezone.now(), "MINE": MINE, "QUEUE": QUEUE}
    return render(request, "frontend/advocate/follow_ups.html", context)


def _follow_up(request: HttpRequest, follow_up_id: int) -> FollowUp:
    action = Action.EDIT if request.method == "POST" else Action.VIEW
    try:
        return access_follow_up(
            viewer=page_viewer(request), follow_up_id=follow_up_id, action=action
        )
    except NotVisible as exc:
        raise Http404 from exc
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def _close(request: HttpRequest, follow_up_id: int, *, cancel: bool) -> HttpResponse:
    follow_up = _follow_up(request, follow_up_id)
    form_class = CancelFollowUpForm if cancel else CompleteFollowUpForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        close = cancel_follow_up if cancel else complete_follow_up
        try:
            close(follow_up=follow_up, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = (
                gettext("The follow-up is cancelled.")
                if cancel
                else gettext("The follow-up is done.")
            )
            messages.success(request, done)
            return redirect("frontend:follow-ups")
    context = {
        "follow_up": follow_up,
        "form": form,
        "cancel": cancel,
        "now": timezone.now(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/follow_up_close.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def follow_up_complete(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    """Mark a follow-up done, with an optional note of what was done."""
    return _close(request, follow_up_id, cancel=False)


@staff_page
@require_http_methods(["GET", "POST"])
def follow_up_cancel(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    """Cancel a follow-up that is no longer needed, saying why."""
    return _close(request, follow_up_id, cancel=True)


@staff_page
@require_http_methods(["GET", "POST"])
def follow_up_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Write a follow-up by hand for a case the viewer works on (issue 18)."""
    case = writable_lead_case(request, case_id).case
    staff = (
        User.objects.filter(
            memberships__organization_id=case.lead_organization_id,
            memberships__is_active=True,
            memberships__role__in=STAFF_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )
    form = NewFollowUpForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_follow_up_by_hand(
                case=case,
                organization=case.lead_organization,
                assignee=data["assignee"],
                due_at=data["due_at"],
                description=data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The follow-up is in the queue."))
            return redirect("frontend:case", case_id=case.pk)
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form}
    return render(request, "frontend/advocate/follow_up_new.html", context, status=status)
