"""Receipts of my consents (R39) and who looked at my file (R26)."""

from datetime import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.models import Case
from consent.access_history import events_of_cases
from consent.models import Consent, SignerRole
from consent.policy import (
    access_consent_exports,
    is_own_consent,
)
from consent.preview import CATEGORY_WORDS
from consent.receipts import consent_receipt
from consent.staff_names import named_staff
from frontend.access import page_viewer, portal_page
from frontend.portal.views_consents import consent_card
from frontend.portal.words import action_words, active_language, choice_label

Status = Consent.Status
ACCESS_LOG_PAGE_SIZE = 25


def _own_receipted_consent(request: HttpRequest, consent_id: int) -> Consent:
    viewer = page_viewer(request)
    consent = access_consent_exports(viewer=viewer, consent_id=consent_id)
    if not is_own_consent(viewer=viewer, consent=consent):
        raise Http404("No such consent.")
    return consent


def _when(epoch: int | None) -> datetime | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=timezone.get_current_timezone())


@portal_page
@require_GET
def consent_receipt_page(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The consent's receipt to print (R16, R39): the same fields as the Kantara JSON."""
    consent = _own_receipted_consent(request, consent_id)
    receipt = consent_receipt(consent)
    purpose = receipt["services"][0]["purposes"][0]
    words = CATEGORY_WORDS[active_language()]
    context = {
        "consent": consent,
        "receipt": receipt,
        "controller": receipt["piiControllers"][0],
        "purpose": purpose,
        "categories": [words.get(c, c) for c in receipt["spiCat"]],
        "signers": [choice_label(SignerRole, r) for r in receipt["signerRoles"]],
        "status": consent_card(consent).status_label,
        "agreed_at": _when(receipt["consentTimestamp"]),
        "starts_at": _when(receipt["startsAt"]),
        "expires_at": _when(receipt["expiresAt"]),
        "revoked_at": _when(receipt.get("revokedAt")),
        "expired_at": _when(receipt.get("expiredAt")),
    }
    return render(request, "frontend/portal/receipt.html", context)


@portal_page
@require_GET
def consent_receipt_json(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The Kantara v1.1 receipt as a JSON file to keep (R39)."""
    consent = _own_receipted_consent(request, consent_id)
    response = JsonResponse(consent_receipt(consent), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="consent-receipt-{consent.pk}.json"'
    return response


# --- Who looked at my file ----------------------------------------------------------------


@portal_page
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """Every access to my record, newest first (R26): organization, date, information, and
    the consent relied on; staff names only where their organization shows them."""
    viewer = page_viewer(request)
    own_cases = list(Case.objects.filter(person_id=viewer.person_id).values_list("pk", flat=True))
    mine = request.GET.get("mine") == "1"
    events = events_of_cases(case_ids=own_cases)
    if not mine:
        # By default, what others did (R26); the young person's own visits on request.
        events = events.exclude(user_id=viewer.user_id)
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    words = CATEGORY_WORDS[active_language()]
    rows = []
    for event in page:
        organization = event.organization if event.organization_id else None
        is_me = event.user_id is not None and event.user_id == viewer.user_id
        staff = event.user if not is_me and event.role != "young_person" else None
        rows.append(
            {
                "at": event.at,
                "organization": organization.name if organization else "",
                "is_me": is_me,
                "staff_name": named_staff(user=staff, organization=organization),
                "action": action_words(event.action),
                "categories": [words.get(c, c) for c in event.categories],
                "consent_id": event.consent_id,
                "denied": event.outcome != "allowed",
            }
        )
    context = {"page": page, "rows": rows, "mine": mine, "mine_query": "&mine=1" if mine else ""}
    return render(request, "frontend/portal/access_log.html", context)
