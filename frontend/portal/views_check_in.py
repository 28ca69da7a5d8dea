"""My check-in (issue 21): a few short questions about how I am doing, when one is due.

Answering is optional and so is every question; "I'd rather not say" is always there. The
young person writes their own words about each goal; staff code them later. The page reads
and writes through the policy with the young person's own basis (``Action.ANSWER_CHECK_IN``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.checkins import CheckIn
from cases.models import Case
from cases.selectors import check_in_goals
from cases.services.checkins import record_check_in
from consent.errors import AccessDenied, NotVisible
from consent.policy import Action, Viewer, access_case, lead_cases
from frontend.access import page_viewer, portal_page
from frontend.advocate.common import add_service_errors
from frontend.check_ins import CheckInForm
from tasks.check_ins import DueCheckIn, due_check_in


def _due(viewer: Viewer) -> tuple[Case, DueCheckIn] | tuple[None, None]:
    """The first of my open cases with an intake or review check-in due, and that check-in."""
    now = timezone.now()
    mine = lead_cases(viewer=viewer).filter(
        person_id=viewer.person_id, status__in=[Case.Status.OPEN, Case.Status.ACTIVE]
    )
    for case in mine.order_by("pk"):
        due = due_check_in(case=case, now=now)
        if due is not None:
            return case, due
    return None, None


@portal_page
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest) -> HttpResponse:
    """Answer my due check-in, or hear that there is nothing to answer now."""
    viewer = page_viewer(request)
    case, due = _due(viewer)
    if case is None:
        return render(request, "frontend/portal/check_in.html", {"form": None})
    try:
        access = access_case(viewer=viewer, case_id=case.pk, action=Action.ANSWER_CHECK_IN)
    except (NotVisible, AccessDenied) as exc:
        raise PermissionDenied from exc
    goals = check_in_goals(case_id=case.pk)
    form = CheckInForm(
        request.POST if request.method == "POST" else None,
        goals=goals,
        staff=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_check_in(
                case=access.case,
                actor=request.user,
                occasion=due.occasion,
                answered_by=CheckIn.AnsweredBy.PORTAL,
                answers=form.answers(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your answers are saved."))
            return redirect("frontend:portal-home")
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/portal/check_in.html", {"form": form}, status=status)
