"""How the young person came and what the systems did (issue 21, point 2): the lead staff's
own record, which no consent releases and the young person's portal does not show.

The policy's ``access_case_system_involvement`` and ``access_system_involvement`` decide who
reads and writes: the case's lead staff; anyone else gets the page of a missing case.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.versions import StaleVersion
from cases.demographics import ReferralSource
from cases.services.system_involvement import (
    correct_system_involvement,
    record_system_involvement,
    remove_system_involvement,
    set_referral_source,
)
from cases.system_involvement import SystemInvolvementEvent, SystemInvolvementKind
from consent.errors import AccessDenied, NotVisible
from consent.policy import (
    Action,
    CaseAccess,
    access_case_system_involvement,
    access_system_involvement,
    visible_system_involvement,
)
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import add_service_errors
from frontend.versioned import VersionedForm, initial_version, saved_over, show_newer


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=SystemInvolvementKind.choices)
    occurred_on = forms.DateField(
        label=_("When"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date, or your best guess of it."),
        error_messages={"required": _("Give the date it happened, or your best guess of it.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Stays with your organization."),
    )


class EventCorrectionForm(EventForm, VersionedForm):
    """The event as read, with its version (R44): a correction saved meanwhile is not lost."""


class ReferralSourceForm(forms.Form):
    referral_source = forms.ChoiceField(
        label=_("How the young person came to us"),
        required=False,
        choices=[("", _("Not recorded")), *ReferralSource.choices],
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is removed"),
        max_length=300,
        error_messages={"required": _("Say why the event is removed.")},
    )


def _lead_staff_case(request: HttpRequest, case_id: int) -> CaseAccess:
    """Reading is a read of the case; posting a write: both need EDIT, as the other forms."""
    action = Action.EDIT if request.method == "POST" else Action.VIEW
    try:
        access = access_case_system_involvement(
            viewer=page_viewer(request), case_id=case_id, action=action
        )
    except NotVisible as exc:
        raise Http404 from exc
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    if Action.EDIT not in access.actions:
        raise PermissionDenied
    return access


def _event(request: HttpRequest, case_id: int, event_id: int) -> SystemInvolvementEvent:
    """A current event of this case, which the viewer works on as lead staff; else 404."""
    action = Action.EDIT if request.method == "POST" else Action.VIEW
    try:
        event = access_system_involvement(
            viewer=page_viewer(request), event_id=event_id, action=action
        )
    except NotVisible as exc:
        raise Http404 from exc
    if event.case_id != case_id or event.is_removed:
        raise Http404
    return event


@staff_page
@require_http_methods(["GET", "POST"])
def system_involvement(request: HttpRequest, case_id: int) -> HttpResponse:
    """The referral source and the events, with forms to correct the one and add the other."""
    case = _lead_staff_case(request, case_id).case
    posted = request.POST if request.method == "POST" else None
    is_source = posted is not None and "referral_source" in posted
    form = EventForm(None if is_source else posted)
    source_form = ReferralSourceForm(
        posted if is_source else None, initial={"referral_source": case.referral_source}
    )
    bound = source_form if is_source else form
    if posted is not None and bound.is_valid():
        try:
            if is_source:
                set_referral_source(
                    case=case,
                    actor=request.user,
                    referral_source=source_form.cleaned_data["referral_source"],
                )
            else:
                record_system_involvement(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(bound, exc)
        else:
            messages.success(request, gettext("Saved."))
            return redirect("frontend:system-involvement", case_id=case.pk)
    events = (
        visible_system_involvement(viewer=page_viewer(request))
        .filter(case_id=case.pk)
        .select_related("recorded_by", "removed_by")
        .order_by("-occurred_on", "-pk")
    )
    context = {
        "case": case,
        "form": form,
        "source_form": source_form,
        "events": events,
    }
    status = 400 if posted is not None else 200
    return render(request, "frontend/advocate/system_involvement.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def system_involvement_edit(request: HttpRequest, case_id: int, event_id: int) -> HttpResponse:
    """Correct an event; the history keeps what it said before."""
    case = _lead_staff_case(request, case_id).case
    event = _event(request, case_id, event_id)
    initial = {
        "kind": event.kind,
        "occurred_on": event.occurred_on,
        "note": event.note,
        **initial_version(event),
    }
    form = EventCorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_over(form, SystemInvolvementEvent.objects.filter(pk=event.pk)):
                correct_system_involvement(event=event, actor=request.user, changes=form.changes())
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The event is corrected."))
            return redirect("frontend:system-involvement", case_id=case_id)
    context = {"case": case, "event": event, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/system_involvement_edit.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def system_involvement_remove(request: HttpRequest, case_id: int, event_id: int) -> HttpResponse:
    """Remove an event after saying why; its record stays on the list."""
    case = _lead_staff_case(request, case_id).case
    event = _event(request, case_id, event_id)
    form = RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            remove_system_involvement(
                event=event, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The event is removed; its record stays."))
            return redirect("frontend:system-involvement", case_id=case_id)
    context = {"case": case, "event": event, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(
        request, "frontend/advocate/system_involvement_remove.html", context, status=status
    )
