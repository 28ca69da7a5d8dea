"""Caseload, opening a case, and the case page of the lead organization's staff."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from cases.categories import DataCategory
from cases.demographics import race_ethnicity_labels
from cases.models import (
    Case,
    Contact,
    FamilyMember,
    Flag,
    PlannedService,
    Referral,
    SafeContactRule,
    ServicePlan,
)
from cases.safe_contact import needs_reconfirmation
from cases.selectors import goals_with_services, load_case_summary, with_case_summary
from cases.services.intake import open_case
from cases.services.portal_access import portal_status
from consent.access_log import note_page_access, with_access_marks
from consent.models import Consent, SignerRule
from consent.policy import (
    Action,
    Role,
    Viewer,
    can_open_case_at,
    lead_cases,
    visible_cases,
    visible_check_ins,
    visible_consents,
    visible_documents,
    visible_notes,
    visible_system_involvement,
)
from consent.signers import requirement_of, why_not_a_signer
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import (
    access_lead_case,
    add_service_errors,
    category_labels,
    channel_labels,
)
from frontend.advocate.forms import CaseloadFilterForm, OpenCaseForm
from frontend.planning.forms import relation_label
from providers.models import Membership, Organization
from tasks.access import visible_follow_ups
from tasks.check_ins import due_check_in
from tasks.models import FollowUp

PAGE_SIZE = 50
# Referrals, contacts and notes per page on the case page, newest first; each list pages on its
# own (?referrals=2, ?contacts=3, ?notes=2) so the page stays short enough to find things.
CASE_LIST_SIZE = 10


def _require_staff(viewer: Viewer) -> None:
    if not viewer.staff_organizations:
        raise Http404


def _with_caseload_columns(cases: QuerySet[Case], viewer: Viewer) -> QuerySet[Case]:
    """Next follow-up due, overdue follow-ups and lapsed services: subqueries, not rows."""
    open_follow_ups = visible_follow_ups(viewer=viewer).filter(
        case_id=OuterRef("pk"), status=FollowUp.Status.OPEN
    )
    lapsed = PlannedService.objects.filter(
        goal__plan__case_id=OuterRef("pk"), status=PlannedService.Status.LAPSED
    )
    return cases.annotate(
        next_due=Subquery(open_follow_ups.order_by("due_at").values("due_at")[:1]),
        has_overdue=Exists(open_follow_ups.filter(due_at__lt=timezone.now()).values("pk")),
        has_lapsed=Exists(lapsed),
    )


@staff_page
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """The cases the viewer works on as lead staff, newest first, 50 a page."""
    viewer = page_viewer(request)
    _require_staff(viewer)
    form = CaseloadFilterForm(request.GET or None)
    cases = lead_cases(viewer=viewer)
    status = 200
    query = {}
    if form.is_bound and not form.is_valid():
        status, cases = 400, cases.none()
    elif form.is_bound:
        search, wanted = form.cleaned_data["q"], form.cleaned_data["status"]
        if search:
            # Only among cases whose identity the viewer may see, through the policy.
            named = visible_cases(viewer=viewer, category=DataCategory.IDENTITY).filter(
                Q(person__alias__icontains=search)
                | Q(person__chosen_name__icontains=search)
                | Q(person__legal_name__icontains=search)
            )
            cases = cases.filter(pk__in=named.values("pk"))
            query["q"] = search
        if wanted:
            cases = cases.filter(status=wanted)
            query["status"] = wanted
    rows = _with_caseload_columns(with_case_summary(cases), viewer).order_by("-opened_on", "-pk")
    page = Paginator(with_access_marks(rows, viewer=viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    note_page_access(viewer=viewer, case_ids=[case.pk for case in page], marked=page)
    context = {
        "form": form,
        "page": page,
        "query": urlencode(query),
        "now": timezone.now(),
    }
    return render(request, "frontend/advocate/caseload.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Intake: open a case for a new young person; a name or an alias is enough (R34)."""
    viewer = page_viewer(request)
    _require_staff(viewer)
    # Organizations that only receive referrals open no case (issue 17).
    organizations = Organization.objects.filter(
        pk__in=sorted(viewer.staff_organizations), is_active=True, leads_cases=True
    ).order_by("name")
    form = OpenCaseForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["lead_organization"]
        if not can_open_case_at(viewer=viewer, organization_id=organization.pk):
            raise PermissionDenied
        try:
            case = open_case(
                actor=request.user,
                lead_organization=organization,
                person_fields=form.person_fields(),
                referral_source=form.cleaned_data["referral_source"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The case is open."))
            return redirect("frontend:case", case_id=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/case_open.html", {"form": form}, status=status)


_CONSENT_ORDER = {
    Consent.Status.ACTIVE: 0,
    Consent.Status.PENDING_SIGNATURE: 1,
    Consent.Status.DRAFT: 2,
}


def family_context(case: Case) -> dict:
    """The young person's current family, each with whether they may sign a consent asked for
    today and, if not, why (R06-R10); and the "may consent alone" flag (R09). One query: the
    flags come with the case summary."""
    family = list(
        FamilyMember.objects.filter(person_id=case.person_id, ended_on__isnull=True).order_by(
            "name", "pk"
        )
    )
    alone = [flag for flag in case.current_flags if flag.kind == Flag.Kind.MAY_CONSENT_ALONE]
    alone_flag = max(alone, key=lambda flag: (flag.raised_at, flag.pk)) if alone else None
    requirement = requirement_of(
        case.person,
        timezone.localdate(),
        has_court_appointed_guardian=any(member.is_court_appointed for member in family),
        alone_basis=alone_flag.text if alone_flag else "",
    )
    for member in family:
        member.relation_label = relation_label(member)
        member.why_not_signer = why_not_a_signer(member, requirement.rule)
    return {
        "family": family,
        "alone_flag": alone_flag,
        "signer_rule_label": SignerRule(requirement.rule).label,
        "is_minor_rule": requirement.rule in (SignerRule.MINOR_WITH_PARENT, SignerRule.MINOR_ALONE),
    }


def case_context(request: HttpRequest, case_id: int) -> dict:
    """Everything the case page shows, each list from the policy's querysets."""
    viewer = page_viewer(request)
    access = access_lead_case(request, case_id, Action.VIEW)
    case = load_case_summary(access.case)
    now = timezone.now()
    rule = SafeContactRule.objects.filter(person_id=case.person_id).first()
    plan = ServicePlan.objects.filter(case_id=case.pk).first()
    # Every consent of the case, each linked to its page (late signatures, a spoken withdrawal,
    # renewal, the receipt): those in force first, then those waiting, then the past ones.
    consents = list(
        visible_consents(viewer=viewer)
        .filter(case_id=case.pk)
        .select_related("recipient")
        .order_by("-expires_at", "-pk")
    )
    for consent in consents:
        consent.category_labels = category_labels(consent.categories)
    consents.sort(key=lambda c: _CONSENT_ORDER.get(c.current_status, len(_CONSENT_ORDER)))
    in_force = [
        c
        for c in consents
        if c.status == Consent.Status.ACTIVE and c.starts_at <= now < c.expires_at
    ]
    declined_labels = dict(OpenCaseForm.base_fields["declined_fields"].choices)
    waiting = [c for c in consents if c.status == Consent.Status.PENDING_SIGNATURE]
    return {
        "case": case,
        "person": case.person,
        "access": access,
        "rule": rule,
        "stale": needs_reconfirmation(rule, now),
        "channels": channel_labels(rule),
        "declined": [str(declined_labels.get(n, n)) for n in case.person.declined_fields],
        "goals": list(goals_with_services(plan_id=plan.pk)) if plan else [],
        "referrals": _list_page(
            request,
            "referrals",
            Referral.objects.filter(case_id=case.pk)
            .select_related("to_organization", "service_type")
            .order_by("-pk"),
        ),
        "contacts": _list_page(
            request,
            "contacts",
            Contact.objects.filter(case_id=case.pk)
            .select_related("staff")
            .order_by("-occurred_at", "-pk"),
        ),
        "notes": _list_page(
            request,
            "notes",
            visible_notes(viewer=viewer)
            .filter(case_id=case.pk)
            .select_related("author")
            .order_by("-created_at", "-pk"),
        ),
        "race_labels": race_ethnicity_labels(case.person.race_ethnicity_codes),
        "system_events": _list_page(
            request,
            "system_involvement",
            visible_system_involvement(viewer=viewer)
            .filter(case_id=case.pk, removed_at__isnull=True)
            .select_related("recorded_by")
            .order_by("-occurred_on", "-pk"),
        ),
        "documents": _list_page(
            request,
            "documents",
            visible_documents(viewer=viewer)
            .filter(case_id=case.pk, deleted_at__isnull=True)
            .select_related("uploaded_by")
            .order_by("-uploaded_at", "-pk"),
        ),
        "latest_check_in": visible_check_ins(viewer=viewer)
        .filter(case_id=case.pk, corrected_by__isnull=True)
        .order_by("-recorded_at", "-pk")
        .first(),
        "check_in_due": due_check_in(case=case, now=now),
        "follow_ups": visible_follow_ups(viewer=viewer)
        .filter(case_id=case.pk, status=FollowUp.Status.OPEN)
        .select_related("assignee", "organization")
        .order_by("due_at", "pk"),
        "supervisors": Membership.objects.filter(
            organization_id=case.lead_organization_id, role=Role.SUPERVISOR, is_active=True
        )
        .select_related("user")
        .order_by("user__full_name", "pk"),
        "consents": consents,
        "consents_in_force": in_force,
        "consents_waiting": waiting,
        "portal": portal_status(person=case.person),
        "manages_portal": Action.MANAGE_PORTAL in access.actions,
        "now": now,
        **family_context(case),
    }


def _list_page(request: HttpRequest, name: str, rows: QuerySet) -> Page:
    return Paginator(rows, CASE_LIST_SIZE).get_page(request.GET.get(name))


@staff_page
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case for its lead staff: the safe-contact banner first, then the work."""
    context = case_context(request, case_id)
    return render(request, "frontend/advocate/case.html", context)
