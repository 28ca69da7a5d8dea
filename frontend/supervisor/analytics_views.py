"""The supervisor's continuity analytics: figures over a period, weekly charts, the lists
behind every figure, and a CSV of every table.

For supervisors of the organization only (404 for anyone else, as on the continuity
dashboard). The numbers come from ``reports.analytics.metrics`` and ``trends`` (aggregates on the
organization's indexed columns, see ``reports.analytics.figures``); the lists from
``reports.analytics.drilldown``, through the access policy, and every list shown or exported is
recorded in the access log.
"""

from datetime import date, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.categories import DataCategory
from cases.models import Case
from consent.access_log import note_page_access
from consent.policy import Viewer
from frontend.access import page_viewer, staff_page
from frontend.csv_download import csv_response
from frontend.supervisor import analytics_tables as tables
from frontend.supervisor.analytics_forms import PeriodForm
from frontend.supervisor.analytics_lists import list_table
from frontend.supervisor.params import int_param, supervised_organization
from reports.analytics.drilldown import advocate_name, figure_rows, partner_name
from reports.analytics.figures import (
    MODEL,
    NO_PRIMARY,
    REFERRAL_FIGURES,
    SNAPSHOT_FIGURES,
    AdvocateChoice,
    Figure,
    Frame,
)
from reports.analytics.metrics import organization_metrics
from reports.analytics.trends import weekly_trends
from tasks import continuity
from tasks.business_days import zone
from tasks.models import ContinuityRules
from tasks.rules import rules_for

# Longest list shown at once (the CSV has every row).
LIST_LIMIT = 200
EXPORT = "export"
# Lists that show a case's plan (services, plan reviews) are recorded as plan reads.
PLAN_LISTS = frozenset({Figure.SERVICES_LAPSED, Figure.PLANS_OVERDUE})


def _advocate_param(request: HttpRequest) -> AdvocateChoice:
    if request.GET.get("advocate") == NO_PRIMARY:
        return NO_PRIMARY
    return int_param(request, "advocate")


def _today(now: datetime, rules: ContinuityRules) -> date:
    return now.astimezone(zone(rules.time_zone)).date()


def period_form(request: HttpRequest, rules: ContinuityRules, now: datetime) -> PeriodForm:
    form = PeriodForm(request.GET, today=_today(now, rules))
    form.is_valid()
    return form


def _csv(table: tables.Table, filename: str) -> HttpResponse:
    return csv_response(f"{filename}.csv", table.csv_rows())


def _page_context(request: HttpRequest, viewer: Viewer) -> tuple[dict, PeriodForm]:
    organization = supervised_organization(request, viewer)
    rules = rules_for(organization.pk)
    now = timezone.now()
    form = period_form(request, rules, now)
    context = {"organization": organization, "form": form, "rules": rules}
    if form.errors:
        return context, form
    period = form.cleaned_data["period"]
    frame = Frame(now=now, period=period, rules=rules)
    links = tables.Links(organization.pk, period)
    metrics = organization_metrics(organization_id=organization.pk, frame=frame)
    trends = weekly_trends(organization_id=organization.pk, frame=frame)
    page_tables = tables.page_tables(metrics, trends, links)
    context.update(
        period=period,
        metrics=metrics,
        tables=page_tables,
        exports={slug: links.export(slug) for slug in page_tables},
        charts=[
            (
                chart,
                tables.trend_svg(chart, trends),
                page_tables[chart.slug],
                links.export(chart.slug),
            )
            for chart in tables.TREND_CHARTS
        ],
    )
    return context, form


@staff_page
@require_GET
def analytics_page(request: HttpRequest) -> HttpResponse:
    viewer = page_viewer(request)
    context, form = _page_context(request, viewer)
    organizations = list(continuity.supervised_organizations(viewer=viewer).order_by("name"))
    context["organizations"] = organizations if len(organizations) > 1 else []
    return render(
        request,
        "frontend/supervisor/analytics.html",
        context,
        status=400 if form.errors else 200,
    )


@staff_page
@require_GET
def analytics_export(request: HttpRequest, table: str) -> HttpResponse:
    viewer = page_viewer(request)
    context, form = _page_context(request, viewer)
    if form.errors:
        return render(request, "frontend/supervisor/analytics.html", context, status=400)
    found = context["tables"].get(table)
    if found is None:
        raise Http404("No such table.")
    period = context["period"]
    return _csv(found, f"{table}-{context['organization'].pk}-{period.start}-{period.end}")


# --- the lists behind the figures --------------------------------------------------------------


def _figure(kind: str) -> Figure:
    try:
        return Figure(kind)
    except ValueError as exc:
        raise Http404("No such list.") from exc


def _list(
    request: HttpRequest, kind: str, *, limit: int | None, action: str | None = None
) -> tuple[dict, PeriodForm]:
    figure = _figure(kind)
    viewer = page_viewer(request)
    organization = supervised_organization(request, viewer)
    rules = rules_for(organization.pk)
    now = timezone.now()
    form = period_form(request, rules, now)
    context: dict = {"organization": organization, "form": form, "figure": figure}
    if form.errors:
        return context, form
    period = form.cleaned_data["period"]
    advocate = _advocate_param(request)
    partner_id = int_param(request, "partner") if figure in REFERRAL_FIGURES else None
    names = {
        "advocate_name": advocate_name(advocate=advocate, organization_id=organization.pk),
        "partner_name": partner_name(partner_id=partner_id),
    }
    rows = figure_rows(
        figure,
        viewer=viewer,
        organization_id=organization.pk,
        frame=Frame(now=now, period=period, rules=rules),
        advocate=advocate,
        partner_id=partner_id,
    )
    rows = list(rows if limit is None else rows[:limit])
    case_ids = [row.pk if MODEL[figure] is Case else row.case_id for row in rows]
    note_page_access(
        viewer=viewer,
        case_ids=case_ids,
        categories=(DataCategory.PLAN,) if figure in PLAN_LISTS else None,
        **({"action": action} if action else {}),
    )
    links = tables.Links(organization.pk, period)
    context.update(
        period=period,
        snapshot=figure in SNAPSHOT_FIGURES,
        rows=rows,
        limit=limit,
        advocate=advocate,
        **names,
        table=list_table(figure, rows, now=now),
        back_url=links.page(),
        export_url=links.list_export(figure, advocate=advocate, partner=partner_id),
    )
    return context, form


@staff_page
@require_GET
def analytics_list(request: HttpRequest, kind: str) -> HttpResponse:
    context, form = _list(request, kind, limit=LIST_LIMIT)
    return render(
        request,
        "frontend/supervisor/analytics_list.html",
        context,
        status=400 if form.errors else 200,
    )


@staff_page
@require_GET
def analytics_list_export(request: HttpRequest, kind: str) -> HttpResponse:
    context, form = _list(request, kind, limit=None, action=EXPORT)
    if form.errors:
        return render(request, "frontend/supervisor/analytics_list.html", context, status=400)
    period, organization = context["period"], context["organization"]
    return _csv(context["table"], f"{kind}-{organization.pk}-{period.start}-{period.end}")
