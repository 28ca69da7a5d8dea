"""The young person's portal: their plan, who can see their information, receipts, and who
looked at their file (R13, R16, R26, R32, R33, R39).

Every view is a ``portal_page`` (no-store, a young person only) and reads through the policy
with the young person's own basis (``Basis.SUBJECT``): another young person's records are 404.
Titles stay the neutral one of the portal base template; URLs carry ids only.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import Case, GoalDomain, PlannedServiceStatus, PlanVersion
from cases.services.plans import approve_plan_version, request_plan_changes
from consent.access_log import note_page_access
from consent.fhir import effective_status
from consent.models import AccessEvent, Consent, RevocationChannel, SignatureMethod, SignerRole
from consent.policy import (
    Action,
    Viewer,
    access_case,
    access_consent,
    access_consent_exports,
    is_own_consent,
    visible_consents,
    visible_plan_versions,
)
from consent.preview import CATEGORY_WORDS, LANGUAGES, PURPOSE_WORDS, plain_preview
from consent.receipts import consent_receipt
from consent.services import add_signature, missing_signers, revoke_consent
from frontend.access import page_viewer, portal_page
from frontend.portal.forms import PlanChangesForm
from tasks.follow_ups import decline_consent_request, declined_consent_ids
from tasks.models import PortalNotice

Status = Consent.Status
ACCESS_LOG_PAGE_SIZE = 25
NOTICES_SHOWN = 20


def _language() -> str:
    language = (translation.get_language() or "en")[:2]
    return language if language in LANGUAGES else "en"


def _choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- My plan ------------------------------------------------------------------------------


def _own_versions(viewer: Viewer) -> QuerySet[PlanVersion]:
    return visible_plan_versions(viewer=viewer).filter(plan__case__person_id=viewer.person_id)


def _plain_plan(version: PlanVersion) -> list[dict[str, Any]]:
    """The version's goals and services in plain words (the snapshot the young person approves)."""
    goals = []
    for goal in version.content.get("goals", []):
        services = [
            {
                "name": service["service_type"]["name"],
                "provider": (service.get("provider") or {}).get("name", ""),
                "status": _choice_label(PlannedServiceStatus, service.get("status", "")),
            }
            for service in goal.get("services", [])
        ]
        goals.append(
            {
                "description": goal["description"],
                "domain": _choice_label(GoalDomain, goal.get("domain", "")),
                "services": services,
            }
        )
    return goals


def _notice_text(kind: str) -> str:
    return {
        PortalNotice.Kind.CONSENT_RESIGN: _(
            "A permission to share your information was signed for you by someone else. "
            "It ends unless you sign it yourself. Your advocate will ask you."
        ),
        PortalNotice.Kind.CONSENT_RENEWAL: _(
            "A permission to share your information ends soon. "
            "Your advocate may ask you to renew it."
        ),
        PortalNotice.Kind.COMPELLED_DISCLOSURE: _(
            "The law required us to share some of your information. Your advocate will explain."
        ),
    }.get(kind, _("You have a new notice. Your advocate can tell you more."))


def _notices(viewer: Viewer) -> list[dict[str, Any]]:
    rows = PortalNotice.objects.filter(person_id=viewer.person_id).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )[:NOTICES_SHOWN]
    return [
        {
            "id": notice.pk,
            "text": _notice_text(notice.kind),
            "about_consent": notice.kind != PortalNotice.Kind.COMPELLED_DISCLOSURE,
            "created_at": notice.created_at,
            "unread": notice.read_at is None,
        }
        for notice in rows
    ]


def _home(
    request: HttpRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    viewer = page_viewer(request)
    versions = list(
        _own_versions(viewer)
        .filter(status__in=[PlanVersion.Status.APPROVED, PlanVersion.Status.AWAITING_APPROVAL])
        .select_related("plan")
        .order_by("plan__case_id", "-number")
    )
    note_page_access(
        viewer=viewer, case_ids=[v.plan.case_id for v in versions], categories=["plan"]
    )
    plans = [
        {
            "version": version,
            "goals": _plain_plan(version),
            "awaiting": version.status == PlanVersion.Status.AWAITING_APPROVAL,
        }
        for version in versions
    ]
    context = {
        "pending_plans": [p for p in plans if p["awaiting"]],
        "approved_plans": [p for p in plans if not p["awaiting"]],
        "notices": _notices(viewer),
        "errors": errors or [],
    }
    return render(request, "frontend/portal/home.html", context, status=status)


@portal_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My plan: the approved version, and one awaiting my approval; my notices."""
    return _home(request)


def _own_version(viewer: Viewer, version_id: int) -> PlanVersion:
    version = _own_versions(viewer).filter(pk=version_id).select_related("plan__case").first()
    if version is None:
        raise Http404("No such plan.")
    # The policy decides (and records) that the young person may answer for this plan.
    access_case(viewer=viewer, case_id=version.plan.case_id, action=Action.APPROVE_PLAN)
    return version


@portal_page
@require_POST
def approve_plan(request: HttpRequest, version_id: int) -> HttpResponse:
    """Approve a plan version awaiting my approval (the one approved before is superseded)."""
    version = _own_version(page_viewer(request), version_id)
    try:
        approve_plan_version(version=version, actor=request.user)
    except ValidationError as exc:
        return _home(request, errors=exc.messages, status=400)
    messages.success(request, _("Thank you. You approved your plan."))
    return redirect("frontend:portal-home")


@portal_page
@require_http_methods(["GET", "POST"])
def plan_changes(request: HttpRequest, version_id: int) -> HttpResponse:
    """Ask for changes to a plan version awaiting my approval, in my own words."""
    version = _own_version(page_viewer(request), version_id)
    if version.status != PlanVersion.Status.AWAITING_APPROVAL:
        raise Http404("This plan is not waiting for you.")
    form = PlanChangesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_plan_changes(
                version=version,
                actor=request.user,
                changes_requested=form.cleaned_data["changes_requested"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Sent. Your advocate will change the plan with you."))
            return redirect("frontend:portal-home")
    context = {"form": form, "version": version, "goals": _plain_plan(version)}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/portal/plan_changes.html", context, status=status)


@portal_page
@require_POST
def notice_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Mark one of my notices read."""
    viewer = page_viewer(request)
    updated = PortalNotice.objects.filter(
        pk=notice_id, person_id=viewer.person_id, read_at__isnull=True
    ).update(read_at=timezone.now())
    exists = updated or PortalNotice.objects.filter(pk=notice_id, person_id=viewer.person_id)
    if not exists:
        raise Http404("No such notice.")
    return redirect("frontend:portal-home")


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Who can see my information -------------------------------------------------------------


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


def _card(consent: Consent, *, declined: bool = False) -> ConsentCard:
    language = _language()
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
    cards = [_card(c, declined=c.pk in declined) for c in rows]
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
        "card": _card(consent),
        "preview": plain_preview(consent, _language()),
        "errors": errors or [],
    }
    return render(request, template, context, status=status)


@portal_page
@require_http_methods(["GET", "POST"])
def consent_approve(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Read exactly what will be shared, then sign in the portal (my own e-signature)."""
    consent = _own_consent(
        request, consent_id, Action.GIVE_CONSENT if request.method == "POST" else Action.VIEW
    )
    template = "frontend/portal/consent_approve.html"
    if consent.status != Status.PENDING_SIGNATURE:
        messages.info(request, _("This request is no longer waiting for you."))
        return redirect("frontend:portal-consents")
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
    consent = _own_consent(
        request, consent_id, Action.GIVE_CONSENT if request.method == "POST" else Action.VIEW
    )
    template = "frontend/portal/consent_decline.html"
    if consent.status != Status.PENDING_SIGNATURE:
        messages.info(request, _("This request is no longer waiting for you."))
        return redirect("frontend:portal-consents")
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
    words = CATEGORY_WORDS[_language()]
    context = {
        "consent": consent,
        "receipt": receipt,
        "controller": receipt["piiControllers"][0],
        "purpose": purpose,
        "categories": [words.get(c, c) for c in receipt["spiCat"]],
        "signers": [_choice_label(SignerRole, r) for r in receipt["signerRoles"]],
        "status": _card(consent).status_label,
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


def _action_words(action: str) -> str:
    return {
        "view": _("looked at"),
        "list": _("looked at"),
        "edit": _("changed"),
        "create": _("added to"),
        "export": _("exported"),
        "view_history": _("looked at the history of"),
        "approve_plan": _("answered a plan in"),
        "give_consent": _("answered a permission in"),
        "manage_team": _("changed the care team of"),
        "close": _("closed"),
        "transfer": _("moved"),
    }.get(action.split(":")[0], _("used"))


@portal_page
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """Every access to my record, newest first (R26): organization, date, information, and
    the consent relied on; staff names only where their organization shows them."""
    viewer = page_viewer(request)
    own_cases = Case.objects.filter(person_id=viewer.person_id).values("pk")
    mine = request.GET.get("mine") == "1"
    events = AccessEvent.objects.filter(case_id__in=own_cases)
    if not mine:
        # By default, what others did (R26); the young person's own visits on request.
        events = events.exclude(user_id=viewer.user_id)
    events = events.select_related("organization", "user").order_by("-sequence")
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    words = CATEGORY_WORDS[_language()]
    rows = []
    for event in page:
        organization = event.organization if event.organization_id else None
        named = organization is not None and organization.names_staff_to_young_people
        is_me = event.user_id is not None and event.user_id == viewer.user_id
        rows.append(
            {
                "at": event.at,
                "organization": organization.name if organization else "",
                "is_me": is_me,
                "staff_name": (
                    event.user.full_name
                    if named and not is_me and event.user_id and event.role != "young_person"
                    else ""
                ),
                "action": _action_words(event.action),
                "categories": [words.get(c, c) for c in event.categories],
                "consent_id": event.consent_id,
                "denied": event.outcome != "allowed",
            }
        )
    context = {"page": page, "rows": rows, "mine": mine, "mine_query": "&mine=1" if mine else ""}
    return render(request, "frontend/portal/access_log.html", context)
