"""Partner pages: staff of an organization that receives referrals and consents.

They answer the referrals sent to their organization (``access_incoming_referral`` then the
referral services), see the services they deliver, and read a case only as far as a consent
in force releases it (``access_case``: the policy records the read). Nothing here writes to
the lead organization's records: a consent lets its holder read, never more (R21).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.errors import TransitionNotAllowed
from cases.models import Referral
from consent import disclosures
from consent.access_log import note_page_access
from consent.disclosures import missing_referral_consent
from consent.errors import NotVisible
from consent.policy import (
    Action,
    Viewer,
    access_case,
    access_incoming_referral,
    consents_in_force,
    lead_cases,
    note_incoming_referral_reads,
    referral_release,
    referral_releases,
)
from frontend.access import page_viewer, staff_page
from frontend.partner import forms as partner_forms
from frontend.partner.released import (
    delivered_services,
    incoming_referrals_by_status,
    referral_detail,
    released_case,
)

Status = Referral.Status
# What the receiving organization may do from each status (the services decide in the end).
ANSWERS_BY_STATUS: dict[str, tuple[str, ...]] = {
    Status.SENT: ("accept", "decline"),
    Status.ACCEPTED: ("start", "contact", "close"),
    Status.IN_SERVICE: ("contact", "complete", "close"),
}
# Once no consent in force covers the referral, only the answers that close the partner's own
# record are offered (consent.disclosures re-checks the others and refuses them).
CLOSING_ANSWERS = frozenset({"decline", "close"})
FORMS: dict[str, type[forms.Form]] = {
    "accept": partner_forms.AcceptReferralForm,
    "decline": partner_forms.DeclineReferralForm,
    "start": partner_forms.StartServiceForm,
    "complete": partner_forms.CompleteReferralForm,
    "close": partner_forms.CloseWithoutServiceForm,
    "contact": partner_forms.LogContactForm,
}


def _partner_viewer(request: HttpRequest) -> Viewer:
    """Staff (advocate, supervisor, intake) of some organization; admins answer no referral."""
    viewer = page_viewer(request)
    if not viewer.staff_organizations:
        raise NotVisible("No such page.")
    return viewer


@require_GET
@staff_page
def incoming_referrals(request: HttpRequest) -> HttpResponse:
    """Referrals sent to the viewer's organizations, those waiting for an answer first."""
    viewer = _partner_viewer(request)
    groups = incoming_referrals_by_status(viewer=viewer)
    rows = [referral for group in groups for referral in group.referrals]
    releases = referral_releases(rows)
    for referral in rows:
        referral.information_shared = releases[referral.pk].in_force  # type: ignore[attr-defined]
    note_page_access(viewer=viewer, case_ids=[referral.case_id for referral in rows])
    return render(request, "frontend/partner/incoming_referrals.html", {"groups": groups})


def _consent_problem(referral: Referral) -> str:
    """Why the viewer's organization may not take this referral on ('' when a consent covers it)."""
    missing = missing_referral_consent(referral)
    if not missing:
        return ""
    return _(
        "No consent in force lets your organization receive this referral, so it cannot be "
        "accepted. You can decline it, or ask the sending organization whether the young "
        "person wants to give a new consent."
    )


def _render_detail(
    request: HttpRequest,
    viewer: Viewer,
    referral: Referral,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    referral = referral_detail(referral.pk)
    shared = referral_release(referral).in_force
    answers = tuple(
        name
        for name in ANSWERS_BY_STATUS.get(referral.status, ())
        if shared or name in CLOSING_ANSWERS
    )
    bound = bound or {}
    answer_forms = {
        name: bound.get(name) or FORMS[name](auto_id=f"id_{name}_%s") for name in answers
    }
    # An answer the referral's status no longer offers: its errors are shown on their own.
    stale_errors = [
        error
        for name, form in bound.items()
        if name not in answer_forms
        for errors in form.errors.values()
        for error in errors
    ]
    case_released = bool(consents_in_force(viewer=viewer, case_ids=[referral.case_id]))
    context: dict[str, Any] = {
        "referral": referral,
        "forms": answer_forms,
        "stale_errors": stale_errors,
        "consent_problem": _consent_problem(referral) if referral.status == Status.SENT else "",
        "case_released": case_released,
        "shared": shared,
    }
    return render(request, "frontend/partner/incoming_referral.html", context, status=status)


@require_GET
@staff_page
def incoming_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral sent to the viewer's organization, with what can be done with it now."""
    viewer = _partner_viewer(request)
    referral = access_incoming_referral(viewer=viewer, referral_id=referral_id)
    note_incoming_referral_reads(
        viewer=viewer, referrals=[referral], releases={referral.pk: referral_release(referral)}
    )
    return _render_detail(request, viewer, referral)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


Act = Callable[[HttpRequest, Referral, dict[str, Any]], Referral]


def _answer(request: HttpRequest, referral_id: int, name: str, act: Act, done: str) -> HttpResponse:
    """Validate the form, run the service, and go back (POST/redirect/GET); 400 with errors."""
    viewer = _partner_viewer(request)
    referral = access_incoming_referral(viewer=viewer, referral_id=referral_id)
    form = FORMS[name](request.POST, auto_id=f"id_{name}_%s")
    if form.is_valid():
        try:
            act(request, referral, form.cleaned_data)
        except TransitionNotAllowed:
            form.add_error(None, _("The referral has moved on: that answer is no longer possible."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            if form.cleaned_data.get("return_to") == "list":
                return redirect("frontend:incoming-referrals")
            return redirect("frontend:incoming-referral", referral_id=referral.pk)
    return _render_detail(request, viewer, referral, bound={name: form}, status=400)


def _accept(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
    return disclosures.accept_referral(referral=referral, actor=request.user, note=data["note"])


@require_POST
@staff_page
def accept_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Take the referral on, only while a consent in force covers it."""
    return _answer(request, referral_id, "accept", _accept, _("Referral accepted."))


@require_POST
@staff_page
def decline_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Decline with a coded reason ('other' needs words)."""

    def act(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
        return disclosures.decline_referral(
            referral=referral,
            actor=request.user,
            reason=data["reason"],
            reason_text=data["reason_text"],
        )

    return _answer(request, referral_id, "decline", act, _("Referral declined."))


@require_POST
@staff_page
def start_service(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Start delivering the accepted service."""

    def act(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
        return disclosures.start_referred_service(referral=referral, actor=request.user)

    return _answer(request, referral_id, "start", act, _("Service started."))


@require_POST
@staff_page
def complete_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record that the service was delivered, with how it ended."""

    def act(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
        return disclosures.complete_referral(
            referral=referral, actor=request.user, outcome_note=data["outcome_note"]
        )

    return _answer(request, referral_id, "complete", act, _("Service completed."))


@require_POST
@staff_page
def close_without_service(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Close an accepted referral that was not (or no longer) delivered, saying why."""

    def act(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
        return disclosures.close_referral_without_service(
            referral=referral, actor=request.user, note=data["note"]
        )

    return _answer(request, referral_id, "close", act, _("Referral closed without service."))


@require_POST
@staff_page
def log_contact(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Log a contact of the service being delivered; it keeps the service's clock running."""

    def act(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
        disclosures.log_referral_contact(
            referral=referral,
            actor=request.user,
            occurred_at=data["occurred_at"],
            channel=data["channel"],
            outcome=data["outcome"],
            summary=data["summary"],
        )
        return referral

    return _answer(request, referral_id, "contact", act, _("Contact logged."))


@require_GET
@staff_page
def partner_services(request: HttpRequest) -> HttpResponse:
    """Services the viewer's organizations deliver: through referrals, and in released plans."""
    viewer = _partner_viewer(request)
    services = delivered_services(viewer=viewer)
    note_page_access(viewer=viewer, case_ids=[r.case_id for r in services.referrals])
    note_page_access(
        viewer=viewer,
        case_ids=[row.case_id for row in services.planned],
        categories=["plan"],
    )
    return render(request, "frontend/partner/services.html", {"services": services})


@require_GET
@staff_page
def partner_case(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case as a consent in force releases it to the viewer's organization, and no more."""
    viewer = _partner_viewer(request)
    if lead_cases(viewer=viewer).filter(pk=case_id).exists():
        # The lead organization has its own case page; this one shows a partner's view only.
        raise NotVisible("No such case.")
    access = access_case(viewer=viewer, case_id=case_id, action=Action.VIEW)
    context = {"case": released_case(viewer=viewer, access=access)}
    return render(request, "frontend/partner/case.html", context)
