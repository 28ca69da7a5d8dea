"""Referrals: only organizations an active consent covers are offered, and for any other the page
says which consent is missing. The same policy and services as api/referrals.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.categories import DataCategory
from cases.models import Case, PlannedService, Referral
from cases.services import referrals
from consent.disclosures import REFERRAL_PURPOSES, missing_referral_consent, send_referral
from consent.errors import NotVisible
from consent.models import Consent
from consent.policy import CaseAccess, access_outgoing_referral
from frontend.access import page_viewer, staff_page
from frontend.directory.matches import referral_matches, referral_prefill
from frontend.planning.forms import (
    CoverageForm,
    ReferralForm,
    ReferralWithdrawalForm,
    partner_organizations,
)
from frontend.planning.lead import action_of, data_of, lead_staff_case, show_errors

CATEGORY_LABELS = dict(DataCategory.choices)
WITHDRAWABLE = (Referral.Status.SENT, Referral.Status.ACCEPTED)


def _covering_consents(case: Case) -> list[Consent]:
    """Consents that let an organization receive a referral now: what ``send_referral`` checks."""
    now = timezone.now()
    return list(
        Consent.objects.filter(
            case=case,
            status=Consent.Status.ACTIVE,
            purpose__in=REFERRAL_PURPOSES,
            starts_at__lte=now,
            expires_at__gt=now,
        )
        .select_related("recipient")
        .order_by("recipient__name", "pk")
    )


def _coverage(consents: list[Consent]) -> list[dict]:
    """Per covered organization, the categories its consents cover together."""
    by_org: dict[int, dict] = {}
    for consent in consents:
        row = by_org.setdefault(
            consent.recipient_id, {"organization": consent.recipient, "categories": set()}
        )
        row["categories"] |= set(consent.categories)
    return [
        {**row, "labels": [CATEGORY_LABELS[c] for c in CATEGORY_LABELS if c in row["categories"]]}
        for row in by_org.values()
    ]


def _open_services(case: Case) -> QuerySet[PlannedService]:
    final = (PlannedService.Status.COMPLETED, PlannedService.Status.DECLINED)
    return (
        PlannedService.objects.filter(goal__plan__case=case)
        .exclude(status__in=final)
        .select_related("service_type", "goal", "provider")
        .order_by("goal__position", "pk")
    )


def _explanation(request: HttpRequest, case: Case) -> tuple[CoverageForm, dict | None]:
    """For an organization staff ask about: which categories no consent covers ([] if none)."""
    asked = request.GET if "organization" in request.GET else None
    # Its own ids: the referral form on the same page has fields of the same names.
    form = CoverageForm(asked, case=case, auto_id="id_check_%s")
    if not form.is_valid():
        return form, None
    organization = form.cleaned_data["organization"]
    wanted = form.cleaned_data["categories"]
    probe = Referral(case=case, to_organization=organization, categories=wanted)
    missing = missing_referral_consent(probe)
    return form, {
        "organization": organization,
        "missing": [CATEGORY_LABELS.get(c, c) for c in missing],
        "missing_codes": [c for c in missing if c in CATEGORY_LABELS] or wanted,
    }


def _page(
    request: HttpRequest,
    access: CaseAccess,
    form: ReferralForm,
    status: int = 200,
) -> HttpResponse:
    case = access.case
    coverage_form, explanation = _explanation(request, case)
    coverage = _coverage(_covering_consents(case))
    context = {
        "case_id": case.pk,
        "form": form,
        "coverage": coverage,
        "coverage_form": coverage_form,
        "explanation": explanation,
        "referrals": case.referrals.select_related("to_organization", "service_type").order_by(
            "-created_at", "-pk"
        ),
        "withdrawable": WITHDRAWABLE,
        "directory": referral_matches(
            request=request,
            access=access,
            services=list(_open_services(case)),
            covered_ids={row["organization"].pk for row in coverage},
        ),
    }
    return render(request, "frontend/planning/referral_new.html", context, status=status)


def _referral_form(
    data: QueryDict | None, case: Case, initial: dict[str, int] | None = None
) -> ReferralForm:
    covered = {consent.recipient_id for consent in _covering_consents(case)}
    recipients = partner_organizations(case).filter(pk__in=covered)
    return ReferralForm(data, services=_open_services(case), recipients=recipients, initial=initial)


@staff_page
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    access = lead_staff_case(request, case_id, action_of(request))
    form = _referral_form(data_of(request), access.case, initial=referral_prefill(request))
    if request.method == "GET":
        return _page(request, access, form)
    if form.is_valid():
        try:
            _create_and_send(request, access, form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The referral was sent."))
            return redirect("frontend:referral-new", case_id=case_id)
    return _page(request, access, form, status=400)


@transaction.atomic
def _create_and_send(request: HttpRequest, access: CaseAccess, data: dict) -> Referral:
    """Drafted and sent together: a referral refused for want of consent is not kept."""
    referral = referrals.create_referral(case=access.case, actor=request.user, **data)
    return send_referral(referral=referral, actor=request.user)


@staff_page
@require_http_methods(["GET", "POST"])
def referral_withdraw(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    """Take back a sent or accepted referral, after a confirmation page (works without script)."""
    access = lead_staff_case(request, case_id, action_of(request))
    referral = access_outgoing_referral(viewer=page_viewer(request), referral_id=referral_id)
    if referral.case_id != access.case.pk:
        raise NotVisible("No such referral.")
    form = ReferralWithdrawalForm(data_of(request))
    if request.method == "POST" and form.is_valid():
        try:
            referrals.withdraw_referral(
                referral=referral, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The referral was withdrawn."))
            return redirect("frontend:referral-new", case_id=case_id)
    context = {"case_id": case_id, "referral": referral, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "frontend/planning/referral_withdraw.html", context, status=status)
