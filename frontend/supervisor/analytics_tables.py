"""The tables of the analytics pages, shaped once for the page and for the CSV export.

A table is a caption, column names and rows of cells; a cell is text, optionally a link to the
list behind it or a case (shown as "Case 12", as every staff list shows cases). Each figure's
link carries the figure, the organization, the period and an advocate or partner id: never a
name.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.charts import Series, bar_chart
from reports.analytics.figures import NO_PRIMARY, AdvocateChoice, Figure
from reports.analytics.metrics import Metrics, Row
from reports.analytics.period import Period
from reports.analytics.trends import Trends


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None
    case_id: int | None = None
    header: bool = False


@dataclass(frozen=True)
class Table:
    slug: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def labelled_rows(self) -> list[list[tuple[str, Cell]]]:
        """Each row's cells beside their column names (the stacked layout's labels)."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]

    def csv_rows(self) -> list[list[str]]:
        return [self.columns, *([cell.text for cell in row] for row in self.rows)]


def period_query(organization_id: int, period: Period, **extra: object) -> str:
    """The query string of a page about one organization and period, with ``extra``."""
    params = {
        "organization": organization_id,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        **{k: v for k, v in extra.items() if v is not None},
    }
    return urlencode(params)


@dataclass(frozen=True)
class Links:
    """URLs of the lists behind the figures of one organization and period."""

    organization_id: int
    period: Period

    def query(self, **extra: object) -> str:
        return period_query(self.organization_id, self.period, **extra)

    def figure(
        self,
        figure: Figure,
        *,
        advocate: AdvocateChoice = None,
        partner: int | None = None,
        period: Period | None = None,
    ) -> str:
        links = self if period is None else Links(self.organization_id, period)
        url = reverse("frontend:supervisor-analytics-list", kwargs={"kind": figure.value})
        return f"{url}?{links.query(advocate=advocate, partner=partner)}"

    def list_export(
        self, figure: Figure, *, advocate: AdvocateChoice = None, partner: int | None = None
    ) -> str:
        url = reverse("frontend:supervisor-analytics-list-export", kwargs={"kind": figure.value})
        return f"{url}?{self.query(advocate=advocate, partner=partner)}"

    def export(self, slug: str) -> str:
        url = reverse("frontend:supervisor-analytics-export", kwargs={"table": slug})
        return f"{url}?{self.query()}"

    def page(self) -> str:
        return f"{reverse('frontend:supervisor-analytics')}?{self.query()}"


def count(value: int, url: str) -> Cell:
    return Cell(str(value), url)


def days(value: float | None, url: str | None = None) -> Cell:
    if value is None:
        return Cell("—")
    return Cell(number_format(round(value, 1), 1), url)


def percent(value: float | None, url: str | None = None) -> Cell:
    if value is None:
        return Cell("—")
    return Cell(f"{number_format(round(100 * value), 0)} %", url)


def when(value: date | datetime | None, empty: str = "—") -> str:
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")


# --- the analytics page ------------------------------------------------------------------------


def _name(row: Row) -> str:
    if row.advocate is None:
        return _("Whole organization")
    if row.advocate == NO_PRIMARY:
        return _("Cases without a primary advocate")
    return row.name


def _rows(metrics: Metrics) -> list[Row]:
    return [*metrics.advocates, metrics.total]


def now_table(metrics: Metrics, links: Links) -> Table:
    """Per advocate, counted now: caseload against the limit, contact, plans, consents."""
    contact_days = metrics.frame.rules.default_contact_days
    rows = []
    for row in _rows(metrics):
        link = lambda figure, row=row: links.figure(figure, advocate=row.advocate)  # noqa: E731
        if row.advocate in (None, NO_PRIMARY):
            against = "—"
        elif metrics.over_limit(row):
            against = _("Over the limit")
        else:
            against = _("Within the limit")
        rows.append(
            [
                Cell(_name(row), header=True),
                count(row[Figure.OPEN_CASES], link(Figure.OPEN_CASES)),
                Cell(against),
                count(row[Figure.NO_RECENT_CONTACT], link(Figure.NO_RECENT_CONTACT)),
                Cell(_("Per case"), link(Figure.LAST_CONTACT)),
                count(row[Figure.PLANS_OVERDUE], link(Figure.PLANS_OVERDUE)),
                count(row[Figure.CONSENTS_EXPIRING], link(Figure.CONSENTS_EXPIRING)),
            ]
        )
    return Table(
        slug="now",
        caption=_("Caseloads and what is due now, per primary advocate"),
        columns=[
            _("Primary advocate"),
            _("Open cases"),
            _("Against the limit of %(limit)s") % {"limit": metrics.caseload_limit},
            _("No contact in %(days)s days") % {"days": contact_days},
            _("Time since last contact"),
            _("Plans overdue for review"),
            _("Consents expiring within 30 days"),
        ],
        rows=rows,
    )


def period_table(metrics: Metrics, links: Links) -> Table:
    """Per advocate, over the period: follow-ups, referrals and their clocks, lapsed services."""
    rows = []
    for row in _rows(metrics):
        link = lambda figure, row=row: links.figure(figure, advocate=row.advocate)  # noqa: E731
        rows.append(
            [
                Cell(_name(row), header=True),
                count(row[Figure.FOLLOW_UPS_DUE], link(Figure.FOLLOW_UPS_DUE)),
                count(row[Figure.FOLLOW_UPS_ON_TIME], link(Figure.FOLLOW_UPS_ON_TIME)),
                count(row[Figure.FOLLOW_UPS_OVERDUE], link(Figure.FOLLOW_UPS_OVERDUE)),
                count(row[Figure.REFERRALS_SENT], link(Figure.REFERRALS_SENT)),
                count(row[Figure.REFERRALS_ANSWERED], link(Figure.REFERRALS_ANSWERED)),
                days(row.median_days_to_answer, link(Figure.REFERRALS_ANSWERED)),
                percent(row.acceptance_rate, link(Figure.REFERRALS_ACCEPTED)),
                count(row[Figure.REFERRALS_IN_SERVICE], link(Figure.REFERRALS_IN_SERVICE)),
                days(row.median_days_to_service, link(Figure.REFERRALS_IN_SERVICE)),
                count(row[Figure.SERVICES_LAPSED], link(Figure.SERVICES_LAPSED)),
            ]
        )
    return Table(
        slug="period",
        caption=_("Follow-ups, referrals and services in the period, per primary advocate"),
        columns=[
            _("Primary advocate"),
            _("Follow-ups due"),
            _("Done on time"),
            _("Overdue"),
            _("Referrals sent"),
            _("Answered"),
            _("Median days to answer"),
            _("Accepted of answered"),
            _("In service"),
            _("Median days to first service"),
            _("Services lapsed"),
        ],
        rows=rows,
    )


def partner_table(metrics: Metrics, links: Links) -> Table:
    rows = [
        [
            Cell(partner.name, header=True),
            count(
                partner.sent, links.figure(Figure.REFERRALS_SENT, partner=partner.organization_id)
            ),
            count(
                partner.answered,
                links.figure(Figure.REFERRALS_ANSWERED, partner=partner.organization_id),
            ),
            count(
                partner.accepted,
                links.figure(Figure.REFERRALS_ACCEPTED, partner=partner.organization_id),
            ),
            percent(
                partner.acceptance_rate,
                links.figure(Figure.REFERRALS_ACCEPTED, partner=partner.organization_id),
            ),
            days(
                partner.median_days_to_answer,
                links.figure(Figure.REFERRALS_ANSWERED, partner=partner.organization_id),
            ),
        ]
        for partner in metrics.partners
    ]
    return Table(
        slug="partners",
        caption=_("Referral acceptance by partner, for referrals sent in the period"),
        columns=[
            _("Partner"),
            _("Referrals sent"),
            _("Answered"),
            _("Accepted"),
            _("Acceptance rate"),
            _("Median days to answer"),
        ],
        rows=rows,
    )


@dataclass(frozen=True)
class TrendChart:
    slug: str
    title: str
    description: str
    figures: tuple[Figure, ...]


TREND_CHARTS = (
    TrendChart(
        "weekly-cases-opened",
        gettext_lazy("Cases opened per week"),
        gettext_lazy("Bars: cases the organization opened, per week."),
        (Figure.CASES_OPENED,),
    ),
    TrendChart(
        "weekly-referrals",
        gettext_lazy("Referrals sent and answered per week"),
        gettext_lazy(
            "Solid bars: referrals sent that week. Diagonal lines: referrals answered that week."
        ),
        (Figure.REFERRALS_SENT, Figure.REFERRAL_ANSWERS),
    ),
    TrendChart(
        "weekly-follow-ups",
        gettext_lazy("Follow-ups per week: due, done on time, overdue"),
        gettext_lazy(
            "Solid bars: follow-ups due that week. Diagonal lines: done on time. Dots: overdue."
        ),
        (Figure.FOLLOW_UPS_DUE, Figure.FOLLOW_UPS_ON_TIME, Figure.FOLLOW_UPS_OVERDUE),
    ),
    TrendChart(
        "weekly-contacts",
        gettext_lazy("Contacts logged per week"),
        gettext_lazy("Bars: contacts with or about the young people, per week."),
        (Figure.CONTACTS_LOGGED,),
    ),
    TrendChart(
        "weekly-services-lapsed",
        gettext_lazy("Services lapsed per week"),
        gettext_lazy("Bars: services that lapsed without contact, by the week they lapsed."),
        (Figure.SERVICES_LAPSED,),
    ),
)
SERIES_LABELS = {
    Figure.CASES_OPENED: gettext_lazy("Cases opened"),
    Figure.REFERRALS_SENT: gettext_lazy("Referrals sent"),
    Figure.REFERRAL_ANSWERS: gettext_lazy("Referrals answered"),
    Figure.FOLLOW_UPS_DUE: gettext_lazy("Follow-ups due"),
    Figure.FOLLOW_UPS_ON_TIME: gettext_lazy("Done on time"),
    Figure.FOLLOW_UPS_OVERDUE: gettext_lazy("Overdue"),
    Figure.CONTACTS_LOGGED: gettext_lazy("Contacts logged"),
    Figure.SERVICES_LAPSED: gettext_lazy("Services lapsed"),
}


def _week_label(monday: date) -> str:
    return date_format(monday, "M j")


def trend_table(chart: TrendChart, trends: Trends, links: Links) -> Table:
    rows = []
    for w, monday in enumerate(trends.weeks):
        week = links.period.week(monday)
        rows.append(
            [
                Cell(_("Week of %(day)s") % {"day": when(monday)}, header=True),
                *(count(trends.series[f][w], links.figure(f, period=week)) for f in chart.figures),
            ]
        )
    return Table(
        slug=chart.slug,
        caption=str(chart.title),
        columns=[_("Week"), *(str(SERIES_LABELS[f]) for f in chart.figures)],
        rows=rows,
    )


def trend_svg(chart: TrendChart, trends: Trends) -> str:
    return bar_chart(
        chart_id=chart.slug,
        title=str(chart.title),
        description=str(chart.description),
        categories=[_week_label(monday) for monday in trends.weeks],
        series=[Series(str(SERIES_LABELS[f]), trends.series[f]) for f in chart.figures],
        x_label=_("Week starting (Monday)"),
        y_label=_("Number"),
    )


def page_tables(metrics: Metrics, trends: Trends, links: Links) -> dict[str, Table]:
    """Every table of the page by its slug (the CSV export picks one)."""
    tables = [
        now_table(metrics, links),
        period_table(metrics, links),
        partner_table(metrics, links),
    ]
    tables += [trend_table(chart, trends, links) for chart in TREND_CHARTS]
    return {table.slug: table for table in tables}
