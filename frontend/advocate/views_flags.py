"""Flags on a case (issue 18): short safety or care alerts that lead staff raise and clear.
"May consent without a parent" has its own page, with its legal basis (views_family)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import Flag
from cases.services.records import clear_flag, raise_flag
from frontend.access import staff_page
from frontend.advocate.common import add_service_errors, writable_lead_case

RAISED_HERE = [
    (kind, label) for kind, label in Flag.Kind.choices if kind != Flag.Kind.MAY_CONSENT_ALONE
]


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RAISED_HERE)
    text = forms.CharField(
        label=_("In a few words"),
        max_length=140,
        help_text=_("Shown at the top of the case for everyone on it; details belong in a note."),
    )


@staff_page
@require_http_methods(["GET", "POST"])
def flags(request: HttpRequest, case_id: int) -> HttpResponse:
    case = writable_lead_case(request, case_id).case
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raise_flag(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The flag is raised."))
            return redirect("frontend:flags", case_id=case.pk)
    current = (
        Flag.objects.filter(case=case, cleared_at__isnull=True)
        .exclude(kind=Flag.Kind.MAY_CONSENT_ALONE)
        .order_by("-raised_at", "-pk")
    )
    context = {"case": case, "form": form, "current": current}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/flags.html", context, status=status)


@staff_page
@require_POST
def flag_clear(request: HttpRequest, case_id: int, flag_id: int) -> HttpResponse:
    case = writable_lead_case(request, case_id).case
    flag = (
        Flag.objects.filter(pk=flag_id, case=case, cleared_at__isnull=True)
        .exclude(kind=Flag.Kind.MAY_CONSENT_ALONE)
        .first()
    )
    if flag is None:
        raise Http404("No such flag.")
    clear_flag(flag=flag, actor=request.user)
    messages.success(request, gettext("The flag is cleared."))
    return redirect("frontend:flags", case_id=case.pk)
