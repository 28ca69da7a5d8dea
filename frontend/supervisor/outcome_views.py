"""The supervisor's outcome and equity analytics (issue 21, points 4 and 5): a sub-page of
the continuity analytics, its CSVs, and the lists behind its figures.

The same access as the analytics page: supervisors of the organization only (404 for anyone
else). The numbers come from ``reports.outcomes`` over the cases the organization leads; the
lists from ``reports.outcomes.drilldown``, through the access policy, and every list shown or
exported is recorded in the access log. Small cells are withheld here too (R22).
"""

from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.categories import DataCategory
from cases.checkins import CHECK_IN_CATEGORY
from cases.models import Case
from consent.access_log import note_page_access
from frontend.access import page_viewer, staff_page
from frontend.csv_download import csv_response
from frontend.outcome_tables import SOURCE_CHOICES, OutcomeLinks, outcome_tables
from frontend.supervisor.analytics_forms import PeriodForm
from frontend.supervisor.analytics_tables import Cell, Table, when
from frontend.supervisor.analytics_views import period_form
from frontend.supervisor.params import supervised_organization
from reports.analytics.figures import Frame
from reports.analytics.period import Period
from reports.outcomes.dimensions import GROUPS, Dimension
from reports.outcomes.drilldown import figure_records, organization_cases, referrals_of
from reports.outcomes.measures import (
    CATEGORY_LABELS,
    CHECK_IN_MEASURES,
    SPECS,
    Measure,
    Window,
)
from reports.outcomes.report import outcome_report
from tasks import continuity
from tasks.rules import rules_for

LIST_LIMIT = 200
EXPORT = "export"


def window_of(period: Period, frame: Frame) -> Window:
    since, until = frame.bounds
    return Window(period.start, period.end, since, until)


def _page_context(request: HttpRequest) -> tuple[dict, PeriodForm]:
    viewer = page_viewer(request)
    organization = supervised_organization(request, viewer)
    rules = rules_for(organization.pk)
    now = timezone.now()
    form = period_form(request, rules, now)
    context: dict = {"organization": organization, "form": form, "rules": rules}
    if form.errors:
        return context, form
    period = form.cleaned_data["period"]
    window = window_of(period, Frame(now=now, period=period, rules=rules))
    cases = organization_cases(organization.pk)
    report = outcome_report(cases=cases, referrals=referrals_of(cases), window=window)
    links = OutcomeLinks(organization.pk, period)
    tables = outcome_tables(report, links)
    context.update(
        period=period,
        report=report,
        tables=tables,
        sources=tables.pop("sources"),
        sources_export=links.export("sources"),
        measures=[
            (table, tables[table.measure.value], links.export(table.measure.value))
            for table in report.tables
        ],
    )
    return context, form


@staff_page
@require_GET
def outcomes_page(request: HttpRequest) -> HttpResponse:
    context, form = _page_context(request)
    viewer = page_viewer(request)
    organizations = list(continuity.supervised_organizations(viewer=viewer).order_by("name"))
    context["organizations"] = organizations if len(organizations) > 1 else []
    return render(
        request,
        "frontend/supervisor/outcomes.html",
        context,
        status=400 if form.errors else 200,
    )


@staff_page
@require_GET
def outcomes_export(request: HttpRequest, table: str) -> HttpResponse:
    context, form = _page_context(request)
    if form.errors:
        return render(request, "frontend/supervisor/outcomes.html", context, status=400)
    tables = {**context["tables"], "sources": context["sources"]}
    found = tables.get(table)
    if found is None:
        raise Http404("No such table.")
    period = context["period"]
    name = f"outcomes-{table}-{context['organization'].pk}-{period.start}-{period.end}.csv"
    return csv_response(name, found.csv_rows())


# --- the lists behind the figures --------------------------------------------------------------


def _choice(request: HttpRequest, name: str, allowed: object) -> str | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if value not in allowed:  # type: ignore[operator]
        raise Http404("No such list.")
    return value


def _filters(request: HttpRequest, measure: Measure) -> dict:
    spec = SPECS[measure]
    category = _choice(request, "category", (*spec.categories, *spec.excluded))
    dimension_value = _choice(request, "dimension", [d.value for d in Dimension])
    dimension = Dimension(dimension_value) if dimension_value else None
    group = None
    if dimension is not None:
        group = _choice(request, "group", GROUPS[dimension])
        if group is None:
            raise Http404("No such list.")
    source = (
        _choice(request, "source", SOURCE_CHOICES) if measure is Measure.COMMUNITY_LED else None
    )
    return {"category": category, "dimension": dimension, "group": group, "source": source}


def _case_table(rows: list[Case], caption: str) -> Table:
    return Table(
        slug="cases",
        caption=caption,
        columns=[_("Case"), _("Status"), _("Opened"), _("Closed")],
        rows=[
            [
                Cell(_("Case %(id)s") % {"id": row.pk}, case_id=row.pk),
                Cell(row.get_status_display()),
                Cell(when(row.opened_on)),
                Cell(when(row.closed_on, _("Still open"))),
            ]
            for row in rows
        ],
    )


def _referral_table(rows: list, caption: str) -> Table:
    return Table(
        slug="referrals",
        caption=caption,
        columns=[_("Case"), _("Sent to"), _("Service"), _("Status"), _("Sent"), _("Answered")],
        rows=[
            [
                Cell(_("Case %(id)s") % {"id": row.case_id}, case_id=row.case_id),
                Cell(row.to_organization.name),
                Cell(row.service_type.label),
                Cell(row.get_status_display()),
                Cell(when(row.sent_at)),
                Cell(when(row.answered_at, _("Not answered"))),
            ]
            for row in rows
        ],
    )


def _caption(measure: Measure, filters: dict) -> str:
    parts = [str(SPECS[measure].title)]
    if filters["category"]:
        parts.append(str(CATEGORY_LABELS[filters["category"]]))
    if filters["dimension"] is not None:
        parts.append(str(GROUPS[filters["dimension"]][filters["group"]]))
    return ": ".join(parts)


def _categories(measure: Measure, filters: dict) -> tuple[str, ...] | None:
    """What a list tells about its cases, for the access log: demographics are identity,
    check-ins are the plan's."""
    found = []
    if filters["dimension"] is not None:
        found.append(DataCategory.IDENTITY)
    if measure in CHECK_IN_MEASURES:
        found.append(CHECK_IN_CATEGORY)
    return tuple(found) or None


def _list(
    request: HttpRequest, kind: str, *, limit: int | None, action: str | None = None
) -> tuple[dict, PeriodForm]:
    try:
        measure = Measure(kind)
    except ValueError as exc:
        raise Http404("No such list.") from exc
    filters = _filters(request, measure)
    viewer = page_viewer(request)
    organization = supervised_organization(request, viewer)
    rules = rules_for(organization.pk)
    now: datetime = timezone.now()
    form = period_form(request, rules, now)
    context: dict = {"organization": organization, "form": form}
    if form.errors:
        return context, form
    period = form.cleaned_data["period"]
    records = figure_records(
        measure,
        viewer=viewer,
        organization_id=organization.pk,
        window=window_of(period, Frame(now=now, period=period, rules=rules)),
        **filters,
    )
    rows = list(records if limit is None else records[:limit])
    about_referrals = SPECS[measure].about_referrals
    note_page_access(
        viewer=viewer,
        case_ids=[row.case_id if about_referrals else row.pk for row in rows],
        categories=_categories(measure, filters),
        **({"action": action} if action else {}),
    )
    caption = _caption(measure, filters)
    links = OutcomeLinks(organization.pk, period)
    context.update(
        period=period,
        rows=rows,
        limit=limit,
        table=(_referral_table if about_referrals else _case_table)(rows, caption),
        back_url=links.page(),
        export_url=links.figure(measure, **filters, export=True),
    )
    return context, form


@staff_page
@require_GET
def outcomes_list(request: HttpRequest, kind: str) -> HttpResponse:
    context, form = _list(request, kind, limit=LIST_LIMIT)
    return render(
        request,
        "frontend/supervisor/outcomes_list.html",
        context,
        status=400 if form.errors else 200,
    )


@staff_page
@require_GET
def outcomes_list_export(request: HttpRequest, kind: str) -> HttpResponse:
    context, form = _list(request, kind, limit=None, action=EXPORT)
    if form.errors:
        return render(request, "frontend/supervisor/outcomes_list.html", context, status=400)
    period, organization = context["period"], context["organization"]
    name = f"outcomes-{kind}-{organization.pk}-{period.start}-{period.end}.csv"
    return csv_response(name, context["table"].csv_rows())
