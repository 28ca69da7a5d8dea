"""The outcome and equity tables (issue 21), shaped once for the pages and the CSVs: the
supervisor's (every figure a link to its list) and the community report's (no links: counts
only, across organizations).

Each measure is one table: the overall row, then every group of each grouping, then the
disparity of each grouping in words. A withheld count or rate reads "withheld" (R22: fewer
than the threshold, or withheld so a smaller number cannot be worked out) and links nowhere;
every other count links to the list of cases or referrals behind it, inside the organization.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cases.demographics import ReferralSource
from frontend.supervisor.analytics_tables import Cell, Table, period_query
from reports.analytics.period import Period
from reports.outcomes.dimensions import DIMENSION_LABELS, Dimension
from reports.outcomes.measures import (
    CATEGORY_LABELS,
    COMMUNITY,
    COMMUNITY_LED,
    OTHER_SOURCE,
    SOURCE_NOT_RECORDED,
    SYSTEM,
    SYSTEM_LED,
    Measure,
)
from reports.outcomes.report import GroupRow, MeasureTable, OutcomeReport, Section, SourceRow

SOURCES_SLUG = "sources"


@dataclass(frozen=True)
class OutcomeLinks:
    """URLs of the outcome page, its CSVs and the lists behind its figures."""

    organization_id: int
    period: Period

    def query(self, **extra: object) -> str:
        return period_query(self.organization_id, self.period, **extra)

    def figure(
        self,
        measure: Measure,
        *,
        category: str | None = None,
        dimension: Dimension | None = None,
        group: str | None = None,
        source: str | None = None,
        export: bool = False,
    ) -> str:
        name = "supervisor-outcomes-list-export" if export else "supervisor-outcomes-list"
        url = reverse(f"frontend:{name}", kwargs={"kind": measure.value})
        extra = {
            "category": category,
            "dimension": dimension.value if dimension else None,
            "group": group,
            "source": source,
        }
        return f"{url}?{self.query(**extra)}"

    def export(self, slug: str) -> str:
        url = reverse("frontend:supervisor-outcomes-export", kwargs={"table": slug})
        return f"{url}?{self.query()}"

    def page(self) -> str:
        return f"{reverse('frontend:supervisor-outcomes')}?{self.query()}"


class NoLinks:
    """The community report's tables link nowhere: no list of cases leaves an organization."""

    def figure(self, measure: Measure, **filters: object) -> None:
        return None


def withheld() -> Cell:
    return Cell(_("withheld"))


def shown_count(value: int | None, url: str | None) -> Cell:
    return withheld() if value is None else Cell(number_format(value, 0), url)


def share(value: float | None, withheld_too: bool) -> Cell:
    if value is None:
        return withheld() if withheld_too else Cell("—")
    return Cell(f"{number_format(round(100 * value), 0)} %")


def points(value: float | None) -> Cell:
    if value is None:
        return Cell("—")
    return Cell(number_format(round(value, 1), 1, force_grouping=False))


def _row(
    table: MeasureTable, row: GroupRow, grouping: str, links: OutcomeLinks | NoLinks
) -> list[Cell]:
    spec = table.spec
    where = {"dimension": row.dimension, "group": row.group or None}
    label = row.label or _("Everyone")
    cells = [
        Cell(grouping, header=True),
        Cell(label, header=True),
        shown_count(row.base, links.figure(spec.measure, **where)),
        *(
            shown_count(
                row.counts[category], links.figure(spec.measure, category=category, **where)
            )
            for category in spec.categories
        ),
    ]
    if spec.median:
        median = row.median_days
        cells.append(Cell("—") if median is None else points(median))
        cells.append(points(row.gap_days))
    else:
        cells.append(share(row.rate, row.withheld))
        cells.append(points(row.gap_points))
    return cells


def disparity(section: Section, table: MeasureTable) -> str:
    """The disparity of one grouping, in words."""
    if section.lowest is None or section.highest is None:
        return _("Fewer than two groups can be shown: no comparison.")
    ratio = section.lowest_to_highest
    values = {
        "low": section.lowest.label,
        "high": section.highest.label,
        "ratio": "—" if ratio is None else number_format(round(ratio, 2), 2),
    }
    if table.spec.median:
        return (
            _(
                "Shortest median: %(low)s; longest: %(high)s. The shortest is %(ratio)s times "
                "the longest."
            )
            % values
        )
    return (
        _("Lowest share: %(low)s; highest: %(high)s. The lowest is %(ratio)s times the highest.")
        % values
    )


def measure_table(table: MeasureTable, links: OutcomeLinks | NoLinks) -> Table:
    spec = table.spec
    rows = [_row(table, table.overall, _("Overall"), links)]
    width = 3 + len(spec.categories) + 2
    for section in table.sections:
        grouping = str(DIMENSION_LABELS[section.dimension])
        rows += [_row(table, row, grouping, links) for row in section.rows]
        rows.append(
            [
                Cell(grouping, header=True),
                Cell(_("Disparity"), header=True),
                Cell(disparity(section, table)),
                *[Cell("")] * (width - 3),
            ]
        )
    if spec.median:
        last = [_("Median days to first service"), _("Gap from overall (days)")]
    else:
        last = [
            _("Share: %(category)s") % {"category": CATEGORY_LABELS[spec.rate_of]},
            _("Gap from overall (percentage points)"),
        ]
    return Table(
        slug=spec.measure.value,
        caption=str(spec.title),
        columns=[
            _("Grouping"),
            _("Group"),
            _("Base (%(unit)s)") % {"unit": spec.unit},
            *(str(CATEGORY_LABELS[category]) for category in spec.categories),
            *last,
        ],
        rows=rows,
    )


def _source_kind(source: str) -> str:
    if source in COMMUNITY_LED:
        return COMMUNITY
    if source in SYSTEM:
        return SYSTEM_LED
    return OTHER_SOURCE if source != SOURCE_NOT_RECORDED else SOURCE_NOT_RECORDED


def sources_table(report: OutcomeReport, links: OutcomeLinks | NoLinks) -> Table:
    """Cases opened in the period by how the young person came, each with its kind."""

    def link(row: SourceRow) -> str:
        source = "" if row.source == SOURCE_NOT_RECORDED else row.source
        kind = _source_kind(row.source)
        return links.figure(Measure.COMMUNITY_LED, category=kind, source=source)

    rows = [
        [
            Cell(row.label, header=True),
            Cell(str(CATEGORY_LABELS[_source_kind(row.source)])),
            shown_count(row.count, link(row)),
        ]
        for row in report.sources
    ]
    rows.append(
        [
            Cell(_("All cases opened in the period"), header=True),
            Cell(""),
            withheld() if report.opened is None else Cell(number_format(report.opened, 0)),
        ]
    )
    return Table(
        slug=SOURCES_SLUG,
        caption=_("Referrals in, by source: cases opened in the period"),
        columns=[_("Source"), _("Kind"), _("Cases opened")],
        rows=rows,
    )


def outcome_tables(report: OutcomeReport, links: OutcomeLinks | NoLinks) -> dict[str, Table]:
    """Every table of the outcome page by its slug (the CSV export picks one)."""
    tables = {SOURCES_SLUG: sources_table(report, links)}
    for table in report.tables:
        tables[table.measure.value] = measure_table(table, links)
    return tables


SOURCE_CHOICES = frozenset({*ReferralSource.values, ""})


OUTCOME_CSV_COLUMNS = ["measure", "grouping", "group", "figure", "value"]


def long_csv_rows(tables: dict[str, Table]) -> list[list[str]]:
    """Every outcome table as lines of one figure each: measure, grouping, group, figure and
    value (the columns of ``OUTCOME_CSV_COLUMNS``)."""
    rows = []
    for slug, table in tables.items():
        for row in table.rows:
            if slug == SOURCES_SLUG:
                rows.append(
                    [table.caption, row[1].text, row[0].text, table.columns[2], row[2].text]
                )
                continue
            if row[1].text == _("Disparity"):
                rows.append([table.caption, row[0].text, "", row[1].text, row[2].text])
                continue
            for column, cell in zip(table.columns[2:], row[2:], strict=True):
                if cell.text:
                    rows.append([table.caption, row[0].text, row[1].text, column, cell.text])
    return rows
