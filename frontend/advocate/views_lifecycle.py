"""The case's own life on the web (issue 18): activate it, close it (with a reason, the choice
to end the consents in force with it, and the closure check-in, issue 21), reopen it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cases.models import Case, Goal
from cases.services.lifecycle import activate_case, reopen_case
from consent.closing import close_case_and_its_consents
from consent.services import consents_in_effect
from frontend.access import staff_page
from frontend.advocate.common import add_service_errors, writable_lead_case
from frontend.check_ins import CheckInForm


class CloseCaseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why the case closes"), choices=Case.ClosedReason.choices)
    reason_text = forms.CharField(
        label=_("In words"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the reason is 'Other'. No details of the young person's story."),
    )
    end_consents = forms.TypedChoiceField(
        label=_("The consents in force"),
        choices=[
            ("yes", _("End them now: the organizations lose access at once")),
            ("no", _("Keep them until they expire")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )


def closure_check_in_form(request: HttpRequest, case: Case, move: str) -> CheckInForm:
    """The closure check-in's questions (issue 21), answered as part of closing."""
    goals = Goal.objects.filter(plan__case_id=case.pk).exclude(status=Goal.Status.SET_ASIDE)
    return CheckInForm(
        request.POST if move == "close" else None,
        goals=goals.order_by("position", "pk"),
        closure=True,
        may_wait=True,
        prefix="closure",
    )


def _make_move(
    request: HttpRequest, case: Case, move: str, close_form: CloseCaseForm, check_in: CheckInForm
) -> str:
    """Make the posted move; the sentence that says it was made. ``ValidationError`` when
    the case cannot make it (or the closing form has errors)."""
    if move == "activate":
        activate_case(case=case, actor=request.user)
        return gettext("The case is active.")
    if move == "reopen":
        reopen_case(case=case, actor=request.user)
        return gettext("The case is open again.")
    if move == "close":
        if not (close_form.is_valid() & check_in.is_valid()):
            raise ValidationError(gettext("Please check the form."))
        close_case_and_its_consents(
            case=case,
            actor=request.user,
            **close_form.cleaned_data,
            check_in_answered_by=check_in.cleaned_data["answered_by"],
            check_in=check_in.answers(),
        )
        return gettext("The case is closed.")
    raise ValidationError(gettext("Choose what to do with the case."))


@staff_page
@require_http_methods(["GET", "POST"])
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    """One page for every move the case can make from where it is."""
    case = writable_lead_case(request, case_id).case
    move = request.POST.get("move", "")
    close_form = CloseCaseForm(request.POST if move == "close" else None)
    check_in = closure_check_in_form(request, case, move)
    problems: list[str] = []
    if request.method == "POST":
        try:
            said = _make_move(request, case, move, close_form, check_in)
        except ValidationError as exc:
            if move == "close" and close_form.is_bound and hasattr(exc, "error_dict"):
                add_service_errors(close_form, exc)
            elif not (move == "close" and (close_form.errors or check_in.errors)):
                problems = exc.messages
        else:
            messages.success(request, said)
            return redirect("frontend:case", case_id=case.pk)
    case.refresh_from_db()
    context = {
        "case": case,
        "close_form": close_form,
        "check_in": check_in,
        "problems": problems,
        "in_force": consents_in_effect(case).select_related("recipient").order_by("pk"),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/case_status.html", context, status=status)
