"""The community pages: an index of what the community shares, the outstanding supports (gap)
report, its printable version and its CSV download.

Counts only (R22, ``reports.community.gaps``): any active staff member of an active member
organization may read them, in any role; young people and people without a role get 404, as
on the other staff pages. No page here reads a case, so none writes an access event.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consent.policy import Viewer, can_read_community_report, can_search_directory
from frontend.access import page_viewer, staff_page
from frontend.community.forms import CommunityReportForm
from frontend.csv_download import csv_response
from frontend.outcome_tables import (
    OUTCOME_CSV_COLUMNS,
    SOURCES_SLUG,
    NoLinks,
    long_csv_rows,
    outcome_tables,
)
from providers.models import Organization
from reports.community.coverage import known_areas
from reports.community.gaps import (
    COUNTS,
    MEDIAN,
    GapFilters,
    GapReport,
    GapRow,
    outstanding_supports,
)
from reports.outcomes.drilldown import community_cases, referrals_of
from reports.outcomes.measures import Window
from reports.outcomes.report import OutcomeReport, outcome_report


def _reader(request: HttpRequest) -> Viewer:
    viewer = page_viewer(request)
    if not can_read_community_report(viewer=viewer):
        raise Http404("No such page.")
    return viewer


def _form(request: HttpRequest, viewer: Viewer) -> CommunityReportForm:
    organizations = Organization.objects.filter(pk__in=viewer.roles).order_by("name")
    # Always bound: no filters at all is valid (the community, the last 12 months).
    return CommunityReportForm(request.GET, organizations=list(organizations), areas=known_areas())


def _report(form: CommunityReportForm, viewer: Viewer) -> GapReport | None:
    if not form.is_valid():
        return None
    filters = form.filters()
    if not can_read_community_report(viewer=viewer, organization_id=filters.organization_id):
        raise Http404("No such organization.")  # the choices only offer the viewer's own
    return outstanding_supports(filters)


def community_outcomes(filters: GapFilters) -> OutcomeReport:
    """The outcome section: every member's cases (or the chosen organization's) over the
    report's period, counts only, withheld as everywhere (R22). Not filtered by type of service
    or area: outcomes are about young people, not one need."""
    period = filters.period
    window = Window(period.start, period.end, *period.bounds())
    cases = community_cases(filters.organization_id)
    return outcome_report(cases=cases, referrals=referrals_of(cases), window=window)


def _outcome_context(report: GapReport | None) -> dict:
    if report is None:
        return {}
    outcomes = community_outcomes(report.filters)
    tables = outcome_tables(outcomes, NoLinks())
    sources = tables.pop(SOURCES_SLUG)
    return {
        "outcomes": outcomes,
        "outcome_sources": sources,
        "outcome_measures": [(table, tables[table.measure.value]) for table in outcomes.tables],
    }


def _context(form: CommunityReportForm, report: GapReport | None) -> dict:
    query = urlencode(form.query()) if report is not None else ""
    scope = _("All member organizations (the community)")
    if report is not None and report.filters.organization_id is not None:
        scope = dict(form.fields["organization"].choices)[str(report.filters.organization_id)]
    return {
        "form": form,
        "report": report,
        "scope": scope,
        "query": f"?{query}" if query else "",
        "generated_on": timezone.localdate(),
        **_outcome_context(report),
    }


def _page(request: HttpRequest, template: str) -> HttpResponse:
    viewer = _reader(request)
    form = _form(request, viewer)
    report = _report(form, viewer)
    status = 400 if report is None else 200
    return render(request, template, _context(form, report), status=status)


@staff_page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Where the community's shared pages start: the gap report, its printable version and
    CSV, and the resource directory."""
    viewer = _reader(request)
    context = {"sees_directory": can_search_directory(viewer=viewer)}
    return render(request, "frontend/community/index.html", context)


@staff_page
@require_GET
def outstanding(request: HttpRequest) -> HttpResponse:
    return _page(request, "frontend/community/outstanding.html")


@staff_page
@require_GET
def printable_report(request: HttpRequest) -> HttpResponse:
    return _page(request, "frontend/community/report.html")


def _figures(row: GapRow) -> list[object]:
    withheld = _("withheld")
    return [
        withheld if row.figures[name].suppressed else row.figures[name].value
        for name in (*COUNTS, MEDIAN)
    ]


def _csv_rows(report: GapReport) -> list[list[str]]:
    rows = [
        [
            "table",
            "service_type",
            "area",
            "needed",
            "accepted",
            "closed_without_service",
            "still_waiting",
            "median_days_waited",
            "directory_services_in_area",
            "directory_services_open_now",
            "directory_services_anywhere",
            "outstanding",
        ]
    ]
    for group in report.groups:
        for row in (*group.rows, group.total):
            coverage = row.coverage
            rows.append(
                [
                    "needs",
                    group.service_type.label,
                    row.label,
                    *_figures(row),
                    "" if coverage is None else str(coverage.services),
                    "" if coverage is None else str(coverage.open_now),
                    str(group.services_anywhere),
                    "; ".join(row.gap_labels),
                ]
            )
    for entry in report.coverage:
        for area, found in entry.areas or [("", None)]:
            rows.append(
                [
                    "directory",
                    entry.service_type.label,
                    area,
                    *[""] * 5,
                    "" if found is None else str(found.services),
                    "" if found is None else str(found.open_now),
                    str(entry.services_anywhere),
                    "",
                ]
            )
    return rows


@staff_page
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    viewer = _reader(request)
    form = _form(request, viewer)
    report = _report(form, viewer)
    if report is None:
        context = _context(form, report)
        return render(request, "frontend/community/outstanding.html", context, status=400)
    period = report.filters.period
    name = f"harbor-outstanding-supports-{period.start}-{period.end}.csv"
    gaps = _csv_rows(report)
    width = len(gaps[0])
    outcomes = long_csv_rows(outcome_tables(community_outcomes(report.filters), NoLinks()))
    rows = [
        [*gaps[0], *OUTCOME_CSV_COLUMNS],
        *([*row, *[""] * len(OUTCOME_CSV_COLUMNS)] for row in gaps[1:]),
        *(["outcomes", *[""] * (width - 1), *row] for row in outcomes),
    ]
    return csv_response(name, rows)
