"""Who can see my information: consent cards; sign, say no or stop sharing (R13, R16)."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consent.access_log import note_page_access
from consent.fhir import effective_status
from consent.models import Consent, RevocationChannel, SignatureMethod, SignerRole
from consent.policy import (
    Action,
    Viewer,
    access_consent,
    is_own_consent,
    visible_consents,
)
from consent.preview import CATEGORY_WORDS, PURPOSE_WORDS, plain_preview
from consent.services import add_signature, missing_signers, revoke_consent
from frontend.access import page_viewer, portal_page
from frontend.portal.words import active_language
from tasks.follow_ups import decline_consent_request, declined_consent_ids

Status = Consent.Status


@dataclass
class ConsentCard:
    """One consent as the young person reads it: who, what, why, until when, and its state."""

    consent: Consent
    status: str
    organization: str
    what: list[str]
    why: str
    declined: bool = False
    signed_by_me: bool = False
    waiting_for: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {
            Status.PENDING_SIGNATURE: _("Waiting for you"),
            Status.ACTIVE: _("Active"),
            Status.REVOKED: _("Stopped"),
            Status.EXPIRED: _("Ended"),
        }.get(self.status, self.status)

    @property
    def badge(self) -> str:
        return {Status.ACTIVE: "badge-ok", Status.PENDING_SIGNATURE: "badge-warn"}.get(
            self.status, ""
        )

    @property
    def has_receipt(self) -> bool:
        return self.status in (Status.ACTIVE, Status.REVOKED, Status.EXPIRED)


def consent_card(consent: Consent, *, declined: bool = False) -> ConsentCard:
    language = active_language()
    words = CATEGORY_WORDS[language]
    signatures = list(consent.signatures.all())
    card = ConsentCard(
        consent=consent,
        status=effective_status(consent),
        organization=consent.recipient.name,
        what=[words[c] for c in words if c in consent.categories],
        why=PURPOSE_WORDS[language][consent.purpose].format(text=consent.purpose_text),
        declined=declined,
        signed_by_me=any(s.signer_role == SignerRole.YOUNG_PERSON for s in signatures),
    )
    if card.status == Status.PENDING_SIGNATURE and card.signed_by_me:
        card.waiting_for = [_("a parent or guardian")] if missing_signers(consent) else []
    return card


def _own_consents(viewer: Viewer) -> QuerySet[Consent]:
    return visible_consents(viewer=viewer).filter(subject_id=viewer.person_id)


@portal_page
@require_GET
def consents(request: HttpRequest) -> HttpResponse:
    """Who can see my information: requests waiting for me, consents in force, and history."""
    viewer = page_viewer(request)
    rows = list(
        _own_consents(viewer)
        .exclude(status=Status.DRAFT)
        .select_related("recipient")
        .prefetch_related("signatures")
        .order_by("-created_at", "-pk")
    )
    note_page_access(viewer=viewer, case_ids=[c.case_id for c in rows])
    declined = declined_consent_ids(consent_ids=[c.pk for c in rows])
    cards = [consent_card(c, declined=c.pk in declined) for c in rows]
    pending = [c for c in cards if c.status == Status.PENDING_SIGNATURE and not c.declined]
    context = {
        "pending": pending,
        "active": [c for c in cards if c.status == Status.ACTIVE],
        "declined": [c for c in cards if c.status == Status.PENDING_SIGNATURE and c.declined],
        "history": [c for c in cards if c.status in (Status.REVOKED, Status.EXPIRED)],
    }
    return render(request, "frontend/portal/consents.html", context)


def _own_consent(request: HttpRequest, consent_id: int, action: Action) -> Consent:
    """My consent through the policy (which records the access), else 404."""
    viewer = page_viewer(request)
    consent = access_consent(viewer=viewer, consent_id=consent_id, action=action)
    if not is_own_consent(viewer=viewer, consent=consent):
        raise Http404("No such consent.")
    return consent


def _portal_evidence(request: HttpRequest) -> str:
    """A reference to the signed-in portal session, not the session key itself (as the API)."""
    request_id = getattr(request, "request_id", "") or "no-request-id"
    return f"portal e-signature, request {request_id}"


def _decision_page(
    request: HttpRequest,
    consent: Consent,
    template: str,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    consent = (
        Consent.objects.select_related("recipient")
        .prefetch_related("signatures")
        .get(pk=consent.pk)
    )
    context = {
        "card": consent_card(consent),
        "preview": plain_preview(consent, active_language()),
        "errors": errors or [],
    }
    return render(request, template, context, status=status)


def _pending_request(request: HttpRequest, consent_id: int) -> Consent | None:
    """My own request still waiting for my answer (None, with a message, once it is not)."""
    action = Action.GIVE_CONSENT if request.method == "POST" else Action.VIEW
    consent = _own_consent(request, consent_id, action)
    if consent.status != Status.PENDING_SIGNATURE:
        messages.info(request, _("This request is no longer waiting for you."))
        return None
    return consent


@portal_page
@require_http_methods(["GET", "POST"])
def consent_approve(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Read exactly what will be shared, then sign in the portal (my own e-signature)."""
    consent = _pending_request(request, consent_id)
    if consent is None:
        return redirect("frontend:portal-consents")
    template = "frontend/portal/consent_approve.html"
    if request.method == "GET":
        return _decision_page(request, consent, template)
    try:
        add_signature(
            consent=consent,
            recorded_by=request.user,
            method=SignatureMethod.PORTAL,
            evidence=_portal_evidence(request),
            signed_at=timezone.now(),
        )
    except ValidationError as exc:
        return _decision_page(request, consent, template, errors=exc.messages, status=400)
    consent.refresh_from_db(fields=["status"])
    if consent.status == Status.ACTIVE:
        messages.success(request, _("You signed. The permission is active now."))
    else:
        messages.success(
            request, _("You signed. It starts when the other needed signature is recorded.")
        )
    return redirect("frontend:portal-consents")


@portal_page
@require_http_methods(["GET", "POST"])
def consent_decline(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Say no to a request: nothing is shared, and my advocate is told."""
    consent = _pending_request(request, consent_id)
    if consent is None:
        return redirect("frontend:portal-consents")
    template = "frontend/portal/consent_decline.html"
    if request.method == "GET":
        return _decision_page(request, consent, template)
    try:
        decline_consent_request(consent=consent, actor=request.user)
    except ValidationError as exc:
        return _decision_page(request, consent, template, errors=exc.messages, status=400)
    messages.success(request, _("You said no. Nothing is shared. Your advocate will be told."))
    return redirect("frontend:portal-consents")


@portal_page
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Stop sharing: a confirmation page, then the revocation takes effect at once (R13)."""
    consent = _own_consent(
        request, consent_id, Action.GIVE_CONSENT if request.method == "POST" else Action.VIEW
    )
    template = "frontend/portal/consent_revoke.html"
    if effective_status(consent) != Status.ACTIVE:
        messages.info(request, _("This permission has already ended."))
        return redirect("frontend:portal-consents")
    if request.method == "GET":
        return _decision_page(request, consent, template)
    try:
        revoke_consent(consent=consent, actor=request.user, channel=RevocationChannel.PORTAL)
    except ValidationError as exc:
        return _decision_page(request, consent, template, errors=exc.messages, status=400)
    messages.success(
        request,
        _("Done. %(organization)s can no longer see your information, from now on.")
        % {"organization": consent.recipient.name},
    )
    return redirect("frontend:portal-consents")


# --- Receipts -----------------------------------------------------------------------------
