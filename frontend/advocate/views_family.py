"""The young person's family and guardians, and the "may consent alone" flag (R06-R10).

Lead staff only: harm and safety marks never leave the lead organization's pages. The services
in cases/services decide what may be recorded; these pages show their refusals on the form.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.versions import StaleVersion
from cases.models import Case, FamilyMember, Flag
from cases.services.intake import end_family_member, save_family_member
from cases.services.records import clear_may_consent_alone, set_may_consent_alone
from frontend.access import staff_page
from frontend.advocate.common import add_service_errors, writable_lead_case
from frontend.advocate.forms import FamilyMemberForm
from frontend.versioned import saved_over, show_newer

SET, CLEAR = "set", "clear"


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


def _member_of(case: Case, member_id: int) -> FamilyMember:
    """A current family member of this case's young person; 404 for anyone else's."""
    return get_object_or_404(
        FamilyMember, pk=member_id, person_id=case.person_id, ended_on__isnull=True
    )


def _family_url(case: Case) -> str:
    return reverse("frontend:case", kwargs={"case_id": case.pk}) + "#family"


def _member_page(
    request: HttpRequest, case: Case, form: FamilyMemberForm, member: FamilyMember | None
) -> HttpResponse:
    context = {"case": case, "form": form, "member": member}
    return render(request, "frontend/advocate/family_member.html", context, status=_status(request))


@staff_page
@require_http_methods(["GET", "POST"])
def family_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a relative or guardian to the young person's record."""
    case = writable_lead_case(request, case_id).case
    form = FamilyMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save_family_member(actor=request.user, person=case.person, values=form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The family member is recorded."))
            return redirect(_family_url(case))
    return _member_page(request, case, form, None)


@staff_page
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    """Change what is recorded about a family member; the change is kept in its history."""
    case = writable_lead_case(request, case_id).case
    member = _member_of(case, member_id)
    form = FamilyMemberForm(request.POST or None, initial=FamilyMemberForm.initial_from(member))
    if request.method == "POST" and form.is_valid():
        try:
            with saved_over(form, FamilyMember.objects.filter(pk=member.pk)):
                save_family_member(actor=request.user, member=member, values=form.values())
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The family member's record is saved."))
            return redirect(_family_url(case))
    return _member_page(request, case, form, member)


@staff_page
@require_http_methods(["GET", "POST"])
def family_end(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    """Take a family member off the record; consents they signed keep their signature."""
    case = writable_lead_case(request, case_id).case
    member = _member_of(case, member_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            end_family_member(actor=request.user, member=member)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                gettext("%(name)s is no longer on the family record.") % {"name": member.name},
            )
            return redirect(_family_url(case))
    context = {"case": case, "member": member, "errors": errors}
    status = 400 if errors else 200
    return render(request, "frontend/advocate/family_end.html", context, status=status)


class MayConsentAloneForm(forms.Form):
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=140,
        help_text=_(
            "The law or court order that lets the young person receive this service without "
            "a parent, in a few words (at most 140 characters)."
        ),
        error_messages={
            "required": _("Record the legal basis: the law or court order that allows it.")
        },
    )


def _current_alone_flag(case: Case) -> Flag | None:
    return (
        Flag.objects.filter(
            case_id=case.pk, kind=Flag.Kind.MAY_CONSENT_ALONE, cleared_at__isnull=True
        )
        .order_by("-raised_at", "-pk")
        .first()
    )


@staff_page
@require_http_methods(["GET", "POST"])
def may_consent_alone(request: HttpRequest, case_id: int) -> HttpResponse:
    """Set, change or clear the flag that the young person may consent without a parent (R09),
    with its legal basis; it applies to consents asked for from then on."""
    case = writable_lead_case(request, case_id).case
    current = _current_alone_flag(case)
    action = request.POST.get("action", SET)
    form = MayConsentAloneForm(
        request.POST if request.method == "POST" and action == SET else None,
        initial={"legal_basis": current.text if current else ""},
    )
    if request.method == "POST" and action == CLEAR:
        clear_may_consent_alone(case=case, actor=request.user)
        messages.success(
            request, gettext("Cleared: new consents need a parent's or guardian's signature too.")
        )
        return redirect(_family_url(case))
    if request.method == "POST" and form.is_valid():
        try:
            set_may_consent_alone(
                case=case, actor=request.user, legal_basis=form.cleaned_data["legal_basis"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc, aliases={"text": "legal_basis"})
        else:
            messages.success(
                request,
                gettext("Recorded: new consents need only the young person's signature."),
            )
            return redirect(_family_url(case))
    context = {"case": case, "form": form, "current": current}
    return render(
        request, "frontend/advocate/may_consent_alone.html", context, status=_status(request)
    )
