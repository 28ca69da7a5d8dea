"""Writing to a case: log a contact, add a note, record the safe-contact rules."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts.versions import StaleVersion
from cases.models import Contact, Person, PlannedService, SafeContactRule
from cases.safe_contact import needs_reconfirmation
from cases.services.intake import update_person, update_safe_contact
from cases.services.records import add_contact, add_note
from frontend.access import staff_page
from frontend.advocate.common import add_service_errors, channel_labels, writable_lead_case
from frontend.advocate.forms import ContactForm, NoteForm, PersonForm, SafeContactForm
from frontend.versioned import initial_version, saved_over, show_newer


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


@staff_page
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Log a contact. With the young person: re-confirm stale preferences first (R31), and
    only through a channel their safe-contact rule allows (R28)."""
    case = writable_lead_case(request, case_id).case
    rule = SafeContactRule.objects.filter(person_id=case.person_id).first()
    stale = needs_reconfirmation(rule, timezone.now())
    services = PlannedService.objects.filter(goal__plan__case_id=case.pk).select_related(
        "service_type", "provider"
    )
    form = ContactForm(request.POST or None, rule=rule, stale=stale, services=services)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if stale and data.get("reconfirm"):
                    # Saving the rules unchanged records that they were checked just now.
                    update_safe_contact(person=case.person, actor=request.user, changes={})
                add_contact(
                    case=case,
                    actor=request.user,
                    occurred_at=data["occurred_at"],
                    channel=data["channel"],
                    outcome=data["outcome"],
                    contact_with=data["contact_with"],
                    summary=data["summary"],
                    planned_service=data["planned_service"],
                )
        except ValidationError as exc:
            add_service_errors(form, exc, aliases={"safe_contact": "reconfirm"})
        else:
            messages.success(request, gettext("The contact is logged."))
            return redirect("frontend:case", case_id=case.pk)
    context = {
        "case": case,
        "rule": rule,
        "stale": stale,
        "channels": channel_labels(rule),
        "form": form,
        "young_person": Contact.With.YOUNG_PERSON,
    }
    return render(request, "frontend/advocate/contact_new.html", context, status=_status(request))


@staff_page
@require_http_methods(["GET", "POST"])
def note_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a note to the case, staff-only or shareable."""
    case = writable_lead_case(request, case_id).case
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            add_note(case=case, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The note is saved."))
            return redirect("frontend:case", case_id=case.pk)
    context = {"case": case, "form": form}
    return render(request, "frontend/advocate/note_new.html", context, status=_status(request))


@staff_page
@require_http_methods(["GET", "POST"])
def safe_contact(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record the young person's safe-contact rules with them; saving confirms them (R31)."""
    case = writable_lead_case(request, case_id).case
    rule = SafeContactRule.objects.filter(person_id=case.person_id).first()
    initial = {**SafeContactForm.initial_from(rule), **initial_version(rule)}
    form = SafeContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            # R44: a channel the young person ruled out never comes back from a stale form.
            with saved_over(form, SafeContactRule.objects.filter(person_id=case.person_id)):
                update_safe_contact(person=case.person, actor=request.user, changes=form.changes())
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The safe-contact rules are saved and confirmed."))
            return redirect("frontend:case", case_id=case.pk)
    stale = needs_reconfirmation(rule, timezone.now())
    context = {
        "case": case,
        "rule": rule,
        "stale": stale,
        "channels": channel_labels(rule),
        "form": form,
    }
    return render(request, "frontend/advocate/safe_contact.html", context, status=_status(request))


@staff_page
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """The young person's own details (R34: "prefers not to answer" for every one)."""
    case = writable_lead_case(request, case_id).case
    asks = case.lead_organization.collects_sexual_orientation
    form = (
        PersonForm(request.POST, asks_sexual_orientation=asks)
        if request.method == "POST"
        else PersonForm.for_person(case.person, asks_sexual_orientation=asks)
    )
    if request.method == "POST" and form.is_valid():
        try:
            with saved_over(form, Person.objects.filter(pk=case.person_id)):
                update_person(person=case.person, actor=request.user, changes=form.person_fields())
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The details are saved."))
            return redirect("frontend:case", case_id=case.pk)
    context = {"case": case, "form": form}
    return render(request, "frontend/advocate/person_edit.html", context, status=_status(request))
