"""Asking for a consent: the terms, a preview of exactly what the recipient would see, then a
written signature recorded by staff or the young person's own in the portal; and recording a
spoken withdrawal. The same policy and services as api/consents.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.categories import DataCategory
from cases.time_zones import zone_of
from cases.uploads import read_upload
from consent import services
from consent.models import Consent, ConsentPurpose, SignerRule
from consent.policy import RECEIPTED_STATUSES, Action, CaseAccess
from consent.preview import plain_preview
from frontend.access import staff_page
from frontend.planning.forms import (
    PREVIEW_LANGUAGES,
    ConsentRequestForm,
    SignatureForm,
    WithdrawalForm,
    relation_label,
)
from frontend.planning.lead import action_of, data_of, lead_staff_case, show_errors

# The buttons of the request form: look first, then either way of asking for the signature.
PREVIEW, EDIT, TO_PORTAL, TO_SIGNATURE = "preview", "edit", "portal", "sign"
NEEDS_ADULT = (SignerRule.MINOR_WITH_PARENT, SignerRule.ADULT_WITH_GUARDIAN)
# The services' names for what the forms call otherwise.
TERM_FIELDS = {"starts_at": "starts_on", "expires_at": "expires_on"}
SIGNATURE_FIELDS = {"family_member": "signer", "signed_at": "signed_on", "file": "scan"}


def _initial(request: HttpRequest) -> dict:
    now = timezone.now()
    language = translation.get_language() or "en"
    initial = {
        "starts_on": timezone.localdate(),
        "expires_on": timezone.localdate(services.default_expiry(now)),
        "language": language[:2] if language[:2] in PREVIEW_LANGUAGES else "en",
        "categories": request.GET.getlist("categories"),
    }
    if request.GET.get("recipient", "").isdigit():
        initial["recipient"] = int(request.GET["recipient"])
    if request.GET.get("purpose") in ConsentPurpose.values:
        initial["purpose"] = request.GET["purpose"]
    return initial


def _terms(form: ConsentRequestForm, access: CaseAccess) -> Consent | None:
    """The consent the form describes, unsaved; None with the service's errors on the form."""
    data = form.cleaned_data
    starts_at, expires_at = form.period()
    terms = {
        "recipient": data["recipient"],
        "categories": sorted(set(data["categories"])),
        "purpose": data["purpose"],
        "purpose_text": data["purpose_text"],
        "starts_at": starts_at,
        "expires_at": expires_at,
    }
    errors = services.term_errors(case=access.case, **terms)
    if errors:
        show_errors(form, ValidationError(errors), TERM_FIELDS)
        return None
    return Consent(case=access.case, **terms)


def _request_page(
    request: HttpRequest, access: CaseAccess, form: ConsentRequestForm, status: int = 200
) -> HttpResponse:
    context = {"case_id": access.case.pk, "form": form}
    return render(request, "frontend/planning/consent_request.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def consent_request(request: HttpRequest, case_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, action_of(request))
    form = ConsentRequestForm(data_of(request), case=access.case, initial=_initial(request))
    step = request.POST.get("step", PREVIEW)
    if request.method == "GET" or step == EDIT:
        return _request_page(request, access, form)
    consent = _terms(form, access) if form.is_valid() else None
    if consent is None:
        return _request_page(request, access, form, status=400)
    if step not in (TO_PORTAL, TO_SIGNATURE):
        return _preview_page(request, access, form, consent)
    try:
        consent = _ask_for_signatures(request, consent)
    except ValidationError as exc:
        show_errors(form, exc, TERM_FIELDS)
        return _request_page(request, access, form, status=400)
    if step == TO_SIGNATURE:
        return redirect("frontend:consent-sign", case_id=case_id, consent_id=consent.pk)
    messages.success(request, _("The consent was sent to the young person's portal to sign."))
    return redirect("frontend:consent-detail", case_id=case_id, consent_id=consent.pk)


def _preview_page(
    request: HttpRequest, access: CaseAccess, form: ConsentRequestForm, consent: Consent
) -> HttpResponse:
    language = form.cleaned_data["language"]
    chosen = set(consent.categories)
    context = {
        "case_id": access.case.pk,
        "form": form,
        "consent": consent,
        "preview": plain_preview(consent, language),
        "preview_language": language,
        "categories": [label for value, label in DataCategory.choices if value in chosen],
        # The terms' dates read as the preview's: days in the young person's time zone.
        "young_person_zone": zone_of(consent.case.person),
    }
    return render(request, "frontend/planning/consent_preview.html", context)


@transaction.atomic
def _ask_for_signatures(request: HttpRequest, consent: Consent) -> Consent:
    """Draft and submit together: the request is waiting for signatures, or not made at all."""
    drafted = services.draft_consent(
        case=consent.case,
        recipient=consent.recipient,
        categories=consent.categories,
        purpose=consent.purpose,
        purpose_text=consent.purpose_text,
        starts_at=consent.starts_at,
        expires_at=consent.expires_at,
        actor=request.user,
    )
    return services.submit_for_signature(consent=drafted, actor=request.user)


def _consent_of(access: CaseAccess, consent_id: int) -> Consent:
    consents = Consent.objects.select_related("recipient").prefetch_related(
        "signatures__family_member"
    )
    consent = get_object_or_404(consents, pk=consent_id, case_id=access.case.pk)
    consent.case = access.case
    return consent


@staff_page
@require_http_methods(["GET"])
def consent_detail(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id)
    consent = _consent_of(access, consent_id)
    pending = consent.status == Consent.Status.PENDING_SIGNATURE
    context = {
        "case_id": case_id,
        "consent": consent,
        "categories": [
            label for value, label in DataCategory.choices if value in consent.categories
        ],
        "signatures": list(consent.signatures.all()),
        "missing": services.missing_signers(consent) if pending else [],
        "pending": pending,
        "active": consent.current_status == Consent.Status.ACTIVE,
        "has_receipt": consent.status in RECEIPTED_STATUSES,
        "renewable": consent.current_status in RENEWABLE,
        "printable": consent.status in PRINTABLE,
        "form_languages": PREVIEW_LANGUAGES,
    }
    return render(request, "frontend/planning/consent_detail.html", context)


# A form to print is for a consent still to be signed; a signed one has its receipt.
PRINTABLE = (Consent.Status.DRAFT, Consent.Status.PENDING_SIGNATURE)


def _form_language(request: HttpRequest) -> str:
    """The language asked for, else the page's language when the preview speaks it."""
    asked = request.GET.get("language", "")
    if asked in PREVIEW_LANGUAGES:
        return asked
    current = (translation.get_language() or "en")[:2]
    return current if current in PREVIEW_LANGUAGES else "en"


@staff_page
@require_http_methods(["GET"])
def consent_form(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """The consent as a form to sign on paper (R45): the preview's own words in English or
    Spanish, the terms, the no-redisclosure notice and a signature line for each required
    signer. Its signed scan is the evidence of a written signature."""
    access = lead_staff_case(request, case_id)
    consent = _consent_of(access, consent_id)
    if consent.status not in PRINTABLE:
        raise Http404("No such consent form.")
    language = _form_language(request)
    with translation.override(language):
        signers = [str(signer) for signer in services.required_signers(consent)]
    context = {
        "case_id": case_id,
        "consent": consent,
        "form_language": language,
        "form_languages": PREVIEW_LANGUAGES,
        "preview": plain_preview(consent, language),
        "categories": [
            label for value, label in DataCategory.choices if value in consent.categories
        ],
        "signers": signers,
        "young_person_zone": zone_of(consent.case.person),
    }
    return render(request, "frontend/planning/consent_form.html", context)


def _signature_form(request: HttpRequest, consent: Consent) -> SignatureForm:
    """Every signer the consent's rule allows, and every other family member with the reason
    they cannot sign (R06-R10), from the same rules ``add_signature`` enforces."""
    return SignatureForm(
        data_of(request),
        request.FILES if request.method == "POST" else None,
        options=services.signer_options(consent),
        initial={"signed_on": timezone.localdate()},
    )


@staff_page
@require_http_methods(["GET", "POST"])
def consent_sign(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """Record a written signature given on a form; the last one needed activates the consent."""
    access = lead_staff_case(request, case_id, action_of(request))
    consent = _consent_of(access, consent_id)
    form = _signature_form(request, consent)
    if request.method == "POST" and form.is_valid():
        try:
            content, size = read_upload(form.cleaned_data["scan"])
            services.record_signed_form(
                consent=consent,
                recorded_by=request.user,
                content=content,
                size=size,
                signed_at=form.signed_at(),
                family_member=form.family_member(),
            )
        except ValidationError as exc:
            show_errors(form, exc, SIGNATURE_FIELDS)
        else:
            messages.success(request, _("The signature was recorded."))
            return redirect("frontend:consent-detail", case_id=case_id, consent_id=consent_id)
    context = {
        "case_id": case_id,
        "consent": consent,
        "form": form,
        "missing": services.missing_signers(consent),
        "pending": consent.status == Consent.Status.PENDING_SIGNATURE,
        # Nobody in the family can give the signature still missing: say what to record.
        "needs_family": consent.signer_rule in NEEDS_ADULT
        and not form.options.eligible
        and not any(s.family_member_id for s in consent.signatures.all()),
        "guardian_rule": consent.signer_rule == SignerRule.ADULT_WITH_GUARDIAN,
        "refused": [
            (member, relation_label(member), reason) for member, reason in form.options.refused
        ],
    }
    status = 400 if form.is_bound else 200
    return render(request, "frontend/planning/consent_sign.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """Record a withdrawal the young person gave in words; access ends at once (R13)."""
    access = lead_staff_case(request, case_id, action_of(request))
    consent = _consent_of(access, consent_id)
    form = WithdrawalForm(data_of(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_consent(consent=consent, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, _("The withdrawal was recorded; the consent shares nothing now.")
            )
            return redirect("frontend:consent-detail", case_id=case_id, consent_id=consent_id)
    context = {"case_id": case_id, "consent": consent, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "frontend/planning/consent_withdraw.html", context, status=status)


# A renewal keeps the terms of a consent that is, or was, in force (R12); a withdrawn one is
# asked for again from the request page, so the young person hears the terms anew.
RENEWABLE = (Consent.Status.ACTIVE, Consent.Status.EXPIRED)


@staff_page
@require_POST
def consent_renew(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """The same terms for a new period, sent for signatures; the current consent stays in
    force until it ends or the renewal is signed."""
    access = lead_staff_case(request, case_id, Action.EDIT)
    consent = _consent_of(access, consent_id)
    if consent.current_status not in RENEWABLE:
        messages.error(request, _("Only a consent in force or one that ran out can be renewed."))
        return redirect("frontend:consent-detail", case_id=case_id, consent_id=consent_id)
    with transaction.atomic():
        renewal = services.submit_for_signature(
            consent=services.renew_consent(consent=consent, actor=request.user),
            actor=request.user,
        )
    messages.success(
        request,
        _("The renewal is waiting for signatures; the young person can sign it in their portal."),
    )
    return redirect("frontend:consent-detail", case_id=case_id, consent_id=renewal.pk)
