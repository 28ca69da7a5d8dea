"""A case's access audit for the supervisors of its lead organization (R24, R26): every access
event of the case, filterable, on a page and as CSV. Reading it is itself logged."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import User
from cases.categories import DataCategory
from consent.access_history import AuditFilter, audit_events, organizations_in_audit
from consent.access_log import YOUNG_PERSON
from consent.models import AccessEvent
from consent.policy import Basis, access_case_audit
from frontend.access import page_viewer, staff_page
from frontend.csv_download import csv_response
from frontend.supervisor.forms import AccessAuditForm
from providers.models import Membership

AUDIT_PAGE_SIZE = 50
CSV_HEADER = (
    "sequence",
    "at",
    "user_id",
    "who",
    "organization_id",
    "organization",
    "role",
    "action",
    "categories",
    "basis",
    "consent_id",
    "purpose",
    "outcome",
    "lane",
)
BASIS_WORDS = {
    str(Basis.CARE_TEAM): gettext_lazy("care team"),
    str(Basis.PRIMARY): gettext_lazy("primary advocate"),
    str(Basis.SUPERVISOR): gettext_lazy("supervisor"),
    str(Basis.SUBJECT): gettext_lazy("the young person's own record"),
}


def _filters(request: HttpRequest, case_id: int) -> tuple[AccessAuditForm, AuditFilter | None]:
    """The filter form, and what it narrows to (None when it is not valid)."""
    form = AccessAuditForm(
        request.GET if request.GET.keys() - {"page"} else None,
        organizations=organizations_in_audit(case_id=case_id),
    )
    if not form.is_bound:
        return form, AuditFilter()
    return form, form.narrowed() if form.is_valid() else None


def _who(user: User | None, role: str) -> str:
    if role == YOUNG_PERSON:
        return str(_("The young person"))
    if user is None:
        return ""
    return user.full_name or user.email


def _basis(event: AccessEvent) -> str:
    if event.consent_id:
        return _("consent %(id)s") % {"id": event.consent_id}
    return str(BASIS_WORDS.get(event.basis, event.basis))


def _role(role: str) -> str:
    if role == YOUNG_PERSON:
        return str(_("young person"))
    return str(dict(Membership.Role.choices).get(role, role))


def _row(event: AccessEvent) -> dict:
    labels = dict(DataCategory.choices)
    return {
        "event": event,
        "who": _who(event.user if event.user_id else None, event.role),
        "organization": event.organization.name if event.organization_id else "",
        "role": _role(event.role),
        "categories": [labels.get(code, code) for code in event.categories],
        "basis": _basis(event),
        "denied": event.outcome != AccessEvent.Outcome.ALLOWED,
    }


@staff_page
@require_GET
def access_audit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every access event of the case, newest first: who, where, role, when, what, why, outcome."""
    case = access_case_audit(viewer=page_viewer(request), case_id=case_id)
    form, narrowed = _filters(request, case.pk)
    events = audit_events(case_id=case.pk, narrowed=narrowed or AuditFilter())
    if narrowed is None:
        events = events.none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "case": case,
        "form": form,
        "page": page,
        "rows": [_row(event) for event in page],
        "query": query.urlencode(),
    }
    return render(
        request, "frontend/supervisor/access_audit.html", context, status=200 if narrowed else 400
    )


@staff_page
@require_GET
def access_audit_csv(request: HttpRequest, case_id: int) -> HttpResponse:
    """The same events, filtered the same way, as a spreadsheet-safe CSV."""
    case = access_case_audit(viewer=page_viewer(request), case_id=case_id)
    _form, narrowed = _filters(request, case.pk)
    events = audit_events(case_id=case.pk, narrowed=narrowed or AuditFilter())
    if narrowed is None:
        events = events.none()
    rows = (
        (
            event.sequence,
            timezone.localtime(event.at).isoformat(),
            event.user_id,
            _who(event.user if event.user_id else None, event.role),
            event.organization_id,
            event.organization.name if event.organization_id else "",
            event.role,
            event.action,
            " ".join(event.categories),
            event.basis,
            event.consent_id,
            event.purpose,
            event.outcome,
            event.lane,
        )
        for event in events.iterator(chunk_size=500)
    )
    return csv_response(f"case-{case.pk}-access.csv", [CSV_HEADER, *rows])
