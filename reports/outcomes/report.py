"""The outcome tables: each measure overall and by each group, small cells withheld (R22),
the gap between groups, and how the table reconciles with its base.

Every count from one to the threshold minus one is withheld, in every disaggregated table,
inside the organization too (funders see these tables). Then complementary suppression
(``reports.suppression.suppress_grid``): within a group's row (its categories add up to its
base) and, for single-choice groupings, down each column (the groups add up to the overall
row), until no withheld cell can be worked out. A rate or median whose base, or whose counted
cell, is withheld is withheld. Withheld groups take no part in the disparity.

Disparity, said plainly: each group's rate beside the overall rate, the gap in percentage
points (days, for the median), and the lowest shown group's rate divided by the highest's.
Groups that say what is unknown ("Not recorded", "Prefers not to answer"...) are shown but
are never the lowest or highest.
"""

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.demographics import ReferralSource
from cases.models import Case, Referral
from reports.outcomes.dimensions import (
    ADDS_UP,
    GROUPS,
    UNKNOWN_GROUPS,
    Dimension,
    groups_of,
)
from reports.outcomes.measures import (
    CLASSIFY,
    SOURCE_NOT_RECORDED,
    SPECS,
    Measure,
    Spec,
    Window,
    case_rows,
    classify,
    days_to_service,
    referral_rows,
)
from reports.suppression import suppress, suppress_grid, threshold

OVERALL = ""
_NOT_RECORDED_SOURCE = _("Not recorded")
Key = tuple[Dimension | None, str]


@dataclass(frozen=True)
class GroupRow:
    """One group's figures (or the overall row: ``dimension`` None). None is withheld."""

    dimension: Dimension | None
    group: str
    base: int | None
    counts: dict[str, int | None]
    rate: float | None = None
    gap_points: float | None = None
    median_days: float | None = None
    gap_days: float | None = None

    @property
    def label(self) -> str:
        if self.dimension is None:
            return ""
        return str(GROUPS[self.dimension][self.group])

    @property
    def withheld(self) -> bool:
        return self.base is None or any(count is None for count in self.counts.values())


@dataclass(frozen=True)
class Reconciliation:
    """How a grouping's figures add up to the base (exact counts: for checks, not shown when
    small)."""

    base: int
    people_in_a_group: int  # young people (or referrals) counted in at least one group
    mentions: int  # the groups' bases added up: more than the base under "any mention"
    any_mention: bool

    @property
    def holds(self) -> bool:
        if self.any_mention:
            return self.people_in_a_group == self.base and self.mentions >= self.base
        return self.mentions == self.base == self.people_in_a_group


@dataclass(frozen=True)
class Section:
    dimension: Dimension
    rows: list[GroupRow]
    reconciliation: Reconciliation
    lowest: GroupRow | None = None
    highest: GroupRow | None = None

    @property
    def any_mention(self) -> bool:
        return self.dimension not in ADDS_UP

    @property
    def lowest_to_highest(self) -> float | None:
        if self.lowest is None or self.highest is None:
            return None
        low, high = _figure(self.lowest), _figure(self.highest)
        if low is None or not high:
            return None
        return low / high


@dataclass(frozen=True)
class MeasureTable:
    spec: Spec
    overall: GroupRow
    sections: list[Section]
    excluded: dict[str, int | None]  # excluded categories' counts (withheld when small)
    exact_base: int  # for the reconciliation checks; never shown when small
    exact_excluded: int

    @property
    def measure(self) -> Measure:
        return self.spec.measure


@dataclass(frozen=True)
class SourceRow:
    source: str  # a ReferralSource value, or SOURCE_NOT_RECORDED
    count: int | None

    @property
    def label(self) -> str:
        if self.source == SOURCE_NOT_RECORDED:
            return str(_NOT_RECORDED_SOURCE)
        return str(ReferralSource(self.source).label)


@dataclass(frozen=True)
class OutcomeReport:
    window: Window
    threshold: int
    tables: list[MeasureTable]
    sources: list[SourceRow]
    opened: int | None  # cases opened in the period: the sources' base (withheld when small)
    exact_opened: int = 0
    exact_sources: dict[str, int] = field(default_factory=dict)

    def table(self, measure: Measure) -> MeasureTable:
        return next(table for table in self.tables if table.measure == measure)


# --- counting ----------------------------------------------------------------------------------


@dataclass
class _Tally:
    """Exact counts of one measure, per (dimension, group) and category; never leaves here."""

    # defaultdict(int), not Counter: a Counter's missing key is a Python call, and a
    # community's 20,000 cases make about 130,000 additions.
    counts: dict[Key, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    days: dict[Key, list[float]] = field(default_factory=lambda: defaultdict(list))
    in_a_group: dict[tuple, int] = field(
        default_factory=lambda: defaultdict(int)
    )  # rows in >= 1 group

    def add(
        self, category: str, keys: list[Key], grouped: list[Dimension], days: float | None
    ) -> None:
        """One row in ``category``: counted overall and in each of its groups (``keys``, from
        ``_keys``); ``grouped``: the dimensions it has a group in."""
        for dimension in grouped:
            self.in_a_group[(dimension, category)] += 1
        for key in keys:
            self.counts[key][category] += 1
            if days is not None:
                self.days[key].append(days)


def _keys(groups: Mapping[Dimension, list[str]]) -> tuple[list[Key], list[Dimension]]:
    keys: list[Key] = [(None, OVERALL)]
    for dimension, found in groups.items():
        keys += [(dimension, group) for group in found]
    return keys, [dimension for dimension, found in groups.items() if found]


def _tally(rows: Iterable[Mapping], measures: list[Measure], window: Window) -> dict:
    tallies = {measure: _Tally() for measure in measures}
    # Looked up once, not per row: a community's rows number in the hundreds of thousands.
    plan = [(tallies[m], CLASSIFY[m], SPECS[m].median) for m in measures]
    for row in rows:
        keys, grouped = _keys(groups_of(row, row["opened_on"]))
        for tally, classify_row, median in plan:
            category = classify_row(row, window)
            if category is None:
                continue
            tally.add(category, keys, grouped, days_to_service(row) if median else None)
    return tallies


def matching(
    rows: Iterable[Mapping],
    *,
    measure: Measure,
    window: Window,
    category: str | None = None,
    dimension: Dimension | None = None,
    group: str | None = None,
    source: str | None = None,
) -> list[int]:
    """The ids of the rows behind one figure: of ``measure``'s base (or of one ``category``),
    in one group, or (``source``: a referral source, "" for none) of cases opened in the period
    that came that way. The lists use this, with the same rows and ``classify`` as the
    numbers."""
    spec = SPECS[measure]
    wanted = (category,) if category else spec.categories
    found = []
    for row in rows:
        if classify(measure, row, window) not in wanted:
            continue
        if dimension is not None and group not in groups_of(row, row["opened_on"])[dimension]:
            continue
        if source is not None and row["referral_source"] != source:
            continue
        found.append(row["pk"])
    return found


# --- withholding and the disparity -------------------------------------------------------------


def _figure(row: GroupRow) -> float | None:
    return row.median_days if row.median_days is not None else row.rate


def _shown_row(spec: Spec, key: Key, cells: list[int | None], days: list[float]) -> GroupRow:
    base, *parts = cells
    counts = dict(zip(spec.categories, parts, strict=True))
    rate = None
    counted = counts[spec.rate_of]
    if base and counted is not None:
        rate = counted / base
    median = None
    if spec.median and counted is not None and len(days) >= threshold():
        median = statistics.median(days)
    return GroupRow(key[0], key[1], base, counts, rate=rate, median_days=median)


def _with_gaps(row: GroupRow, overall: GroupRow) -> GroupRow:
    gap_points = gap_days = None
    if row.rate is not None and overall.rate is not None:
        gap_points = 100 * (row.rate - overall.rate)
    if row.median_days is not None and overall.median_days is not None:
        gap_days = row.median_days - overall.median_days
    return GroupRow(
        row.dimension,
        row.group,
        row.base,
        row.counts,
        rate=row.rate,
        gap_points=gap_points,
        median_days=row.median_days,
        gap_days=gap_days,
    )


def _grid_row(spec: Spec, counter: Counter) -> list[int]:
    parts = [counter[category] for category in spec.categories]
    return [sum(parts), *parts]


def _section(
    spec: Spec,
    dimension: Dimension,
    tally: _Tally,
    overall: GroupRow,
    shown: list[list[int | None]],
) -> Section:
    keys: list[Key] = [(dimension, group) for group in GROUPS[dimension]]
    rows = [
        _with_gaps(_shown_row(spec, key, cells, tally.days[key]), overall)
        for key, cells in zip(keys, shown, strict=True)
    ]
    ranked = [
        row
        for row in rows
        if row.group not in UNKNOWN_GROUPS and row.base and _figure(row) is not None
    ]
    ranked.sort(key=lambda row: _figure(row) or 0.0)
    base = sum(tally.counts[(None, OVERALL)][c] for c in spec.categories)
    reconciliation = Reconciliation(
        base=base,
        people_in_a_group=sum(tally.in_a_group[(dimension, c)] for c in spec.categories),
        mentions=sum(sum(tally.counts[key][c] for c in spec.categories) for key in keys),
        any_mention=dimension not in ADDS_UP,
    )
    return Section(
        dimension,
        rows,
        reconciliation,
        lowest=ranked[0] if len(ranked) > 1 else None,
        highest=ranked[-1] if len(ranked) > 1 else None,
    )


def _withheld(spec: Spec, tally: _Tally) -> dict[Dimension, list[list[int | None]]]:
    """Each grouping's table, the overall row first, withheld together: a cell of the overall
    row withheld for one grouping is withheld for all, until no grouping withholds more."""
    overall = _grid_row(spec, tally.counts[(None, OVERALL)])
    grids = {
        dimension: [
            overall,
            *(_grid_row(spec, tally.counts[(dimension, g)]) for g in GROUPS[dimension]),
        ]
        for dimension in Dimension
    }
    (first,) = suppress_grid([overall], columns_add_up=False)
    in_overall = {(0, c) for c, n in enumerate(first) if n is None}
    while True:
        shown = {
            dimension: suppress_grid(grid, columns_add_up=dimension in ADDS_UP, withheld=in_overall)
            for dimension, grid in grids.items()
        }
        found = in_overall | {
            (0, c) for rows in shown.values() for c, n in enumerate(rows[0]) if n is None
        }
        if found == in_overall:
            return shown
        in_overall = found


def _table(spec: Spec, tally: _Tally) -> MeasureTable:
    overall_counts = tally.counts[(None, OVERALL)]
    shown = _withheld(spec, tally)
    cells = shown[Dimension.AGE_BAND][0]
    overall = _shown_row(spec, (None, OVERALL), cells, tally.days[(None, OVERALL)])
    excluded_exact = [(category, overall_counts[category]) for category in spec.excluded]
    excluded = {cell.label: cell.count for cell in suppress(excluded_exact)}
    return MeasureTable(
        spec=spec,
        overall=overall,
        sections=[
            _section(spec, dimension, tally, overall, shown[dimension][1:])
            for dimension in Dimension
        ],
        excluded=excluded,
        exact_base=sum(overall_counts[c] for c in spec.categories),
        exact_excluded=sum(n for _c, n in excluded_exact),
    )


def _sources(rows: list[Mapping], window: Window) -> tuple[dict[str, int], int]:
    counts = {source: 0 for source in (*ReferralSource.values, SOURCE_NOT_RECORDED)}
    opened = 0
    for row in rows:
        if window.start <= row["opened_on"] <= window.end:
            opened += 1
            counts[row["referral_source"] or SOURCE_NOT_RECORDED] += 1
    return counts, opened


def outcome_report(
    *, cases: QuerySet[Case], referrals: QuerySet[Referral], window: Window
) -> OutcomeReport:
    """Every outcome table for the cases and referrals given (one organization's, or the
    community's): four queries, whatever their number."""
    case_measures = [m for m in Measure if not SPECS[m].about_referrals]
    referral_measures = [m for m in Measure if SPECS[m].about_referrals]
    found_cases = case_rows(cases, window)
    tallies = _tally(found_cases, case_measures, window)
    tallies |= _tally(referral_rows(referrals, window), referral_measures, window)
    sources, opened = _sources(found_cases, window)
    shown_sources = suppress(sources.items())
    return OutcomeReport(
        window=window,
        threshold=threshold(),
        tables=[_table(SPECS[measure], tallies[measure]) for measure in Measure],
        sources=[SourceRow(cell.label, cell.count) for cell in shown_sources],
        opened=None if 0 < opened < threshold() else opened,
        exact_opened=opened,
        exact_sources=sources,
    )
