"""Outcome check-ins on the case's pages (issue 21): the list, recording one with the young
person, and correcting one (a new check-in that names it; the old one stays)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from cases.checkins import CheckIn
from cases.models import Case
from cases.selectors import check_in_goals
from cases.services.checkins import correct_check_in, record_check_in
from consent.policy import Action, visible_check_ins
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import access_lead_case, add_service_errors, writable_lead_case
from frontend.check_ins import CheckInForm, answer_labels
from tasks.check_ins import due_check_in

Occasion = CheckIn.Occasion


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


@staff_page
@require_GET
def check_ins(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every check-in of the case, newest first, with what each answered; which one is due."""
    access = access_lead_case(request, case_id, Action.VIEW)
    case = access.case
    rows = list(
        visible_check_ins(viewer=page_viewer(request))
        .filter(case_id=case.pk)
        .select_related("corrected_by", "recorded_by")
        .prefetch_related("goal_progress__goal")
        .order_by("-recorded_at", "-pk")
    )
    for row in rows:
        row.answers = answer_labels(row)
    due = due_check_in(case=case, now=timezone.now())
    context = {
        "case": case,
        "access": access,
        "check_ins": rows,
        "due": due,
        "due_label": Occasion(due.occasion).label if due else "",
    }
    return render(request, "frontend/advocate/check_ins.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def check_in_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a check-in with the young person (every question optional)."""
    case = writable_lead_case(request, case_id).case
    closed = case.status == Case.Status.CLOSED
    occasions = [Occasion.CLOSURE] if closed else [o for o in Occasion.values if o != "closure"]
    due = due_check_in(case=case, now=timezone.now())
    form = CheckInForm(
        request.POST or None,
        goals=list(check_in_goals(case_id=case.pk)),
        closure=closed,
        occasions=occasions,
        initial={"occasion": due.occasion if due else Occasion.OTHER},
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_check_in(
                case=case,
                actor=request.user,
                occasion=form.cleaned_data["occasion"],
                answered_by=form.cleaned_data["answered_by"],
                answers=form.answers(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The check-in is recorded."))
            return redirect("frontend:check-ins", case_id=case.pk)
    context = {"case": case, "form": form, "correcting": None}
    return render(request, "frontend/advocate/check_in_form.html", context, status=_status(request))


@staff_page
@require_http_methods(["GET", "POST"])
def check_in_correct(request: HttpRequest, case_id: int, check_in_id: int) -> HttpResponse:
    """Correct a check-in: the answers as recorded, to change; saved as a new check-in."""
    case = writable_lead_case(request, case_id).case
    original = (
        visible_check_ins(viewer=page_viewer(request))
        .filter(pk=check_in_id, case_id=case.pk)
        .prefetch_related("goal_progress")
        .first()
    )
    if original is None:
        raise Http404
    form = CheckInForm(
        request.POST or None,
        goals=list(check_in_goals(case_id=case.pk)),
        closure=original.occasion == Occasion.CLOSURE,
        initial=CheckInForm.initial_from(original),
    )
    if request.method == "POST" and form.is_valid():
        try:
            correct_check_in(
                check_in=original,
                actor=request.user,
                answered_by=form.cleaned_data["answered_by"],
                answers=form.answers(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The correction is recorded."))
            return redirect("frontend:check-ins", case_id=case.pk)
    context = {"case": case, "form": form, "correcting": original}
    return render(request, "frontend/advocate/check_in_form.html", context, status=_status(request))
