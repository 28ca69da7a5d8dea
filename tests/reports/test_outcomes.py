"""Outcome and equity measures (issue 21, points 4 and 5): the numbers, the lists behind them,
and how every table reconciles with its base."""

from datetime import date

import pytest
from pytest_django import Settings

from consent.policy import viewer_for
from reports.outcomes.dimensions import (
    ADDS_UP,
    GROUPS,
    NOT_CODED,
    NOT_RECORDED,
    Dimension,
    age_band,
    gender_group,
)
from reports.outcomes.drilldown import (
    community_cases,
    figure_records,
    organization_cases,
    referrals_of,
)
from reports.outcomes.measures import (
    ACCEPTED,
    BETTER,
    COMMUNITY,
    DECLINED,
    INVOLVED,
    NONE,
    SAME,
    SPECS,
    SYSTEM_LED,
    WORSE,
    Measure,
)
from reports.outcomes.report import OutcomeReport, outcome_report
from tests.reports.outcomes_fixture import WINDOW, Outcomes, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def crafted() -> Outcomes:
    return build()


@pytest.fixture
def no_suppression(settings: Settings) -> None:
    settings.HARBOR = {**settings.HARBOR, "REPORT_SUPPRESSION_THRESHOLD": 1}


def _report(crafted: Outcomes) -> OutcomeReport:
    cases = organization_cases(crafted.a.pk)
    return outcome_report(cases=cases, referrals=referrals_of(cases), window=WINDOW)


def test_gender_reads_the_young_persons_words_in_english_and_spanish() -> None:
    assert gender_group(" Trans  Woman ") == "girl-or-woman"
    assert gender_group("Niña") == "girl-or-woman"
    assert gender_group("HOMBRE") == "boy-or-man"
    assert gender_group("two-spirit") == "nonbinary-or-another"
    assert gender_group("  ") == NOT_RECORDED


@pytest.mark.parametrize(
    ("fields", "band"),
    [
        ({"precision": "exact", "birth_date": "2012-06-01"}, "12-14"),  # 14 on 10 Jan 2027
        ({"precision": "exact", "birth_date": "2012-01-10"}, "15-17"),  # 15 that very day
        ({"precision": "exact", "birth_date": "2012-01-11"}, "12-14"),  # 15 the day after
        ({"precision": "year", "birth_year": 2011}, "15-17"),  # 15 or 16
        ({"precision": "year", "birth_year": 2012}, NOT_RECORDED),  # 14 or 15: two bands
        ({"precision": "age_range", "age_min": 18, "age_max": 20}, "18-20"),
        ({"precision": "age_range", "age_min": 14, "age_max": 16}, NOT_RECORDED),
        ({"precision": "unknown"}, NOT_RECORDED),
    ],
)
def test_an_age_counts_in_a_band_only_when_every_possible_age_lies_in_it(fields, band) -> None:
    row = {"birth_date": None, "birth_year": None, "age_min": None, "age_max": None, **fields}
    if isinstance(row["birth_date"], str):
        row["birth_date"] = date.fromisoformat(row["birth_date"])
    assert age_band(row, date(2027, 1, 10)) == band


def test_the_measures_count_what_the_fixture_says(crafted: Outcomes, no_suppression) -> None:
    report = _report(crafted)

    involvement = report.table(Measure.NO_SYSTEM_INVOLVEMENT).overall
    assert (involvement.base, involvement.counts) == (13, {NONE: 11, INVOLVED: 2})
    safety = report.table(Measure.SAFETY)
    assert (safety.overall.base, safety.overall.counts) == (5, {BETTER: 3, SAME: 1, WORSE: 1})
    assert safety.exact_excluded == 8
    led = report.table(Measure.COMMUNITY_LED).overall
    assert led.counts == {COMMUNITY: 4, SYSTEM_LED: 1}  # b2..b5 school; b1 law enforcement
    assert report.exact_opened == 6
    acceptance = report.table(Measure.ACCEPTANCE)
    assert acceptance.overall.counts == {ACCEPTED: 2, DECLINED: 1}
    assert acceptance.exact_excluded == 1
    service = report.table(Measure.TIME_TO_SERVICE).overall
    assert service.median_days == 3.0  # 2 and 4 days
    assert service.counts["in-service"] == 2


def test_groups_follow_the_young_persons_answers(crafted: Outcomes, no_suppression) -> None:
    table = _report(crafted).table(Measure.NO_SYSTEM_INVOLVEMENT)
    by = {(s.dimension, row.group): row.base for s in table.sections for row in s.rows}

    assert by[(Dimension.GENDER, "girl-or-woman")] == 6
    assert by[(Dimension.GENDER, "boy-or-man")] == 5
    assert by[(Dimension.GENDER, "nonbinary-or-another")] == 1
    assert by[(Dimension.GENDER, NOT_RECORDED)] == 1
    assert by[(Dimension.RACE_ETHNICITY, "black_african_american")] == 5
    assert by[(Dimension.RACE_ETHNICITY, "hispanic_latino")] == 2
    assert by[(Dimension.RACE_ETHNICITY, NOT_CODED)] == 1
    assert by[(Dimension.AGE_BAND, "12-14")] == 6
    assert by[(Dimension.AGE_BAND, "15-17")] == 5
    assert by[(Dimension.AGE_BAND, NOT_RECORDED)] == 2


def _ids(crafted: Outcomes, measure: Measure, **filters) -> list[int]:
    records = figure_records(
        measure, viewer=viewer_for(crafted.sue), organization_id=crafted.a.pk, window=WINDOW,
        **filters,
    )  # fmt: skip
    return [record.pk for record in records]


@pytest.mark.parametrize("measure", list(Measure))
def test_every_number_is_the_length_of_its_list(
    crafted: Outcomes, no_suppression, measure: Measure
) -> None:
    table = _report(crafted).table(measure)
    spec = SPECS[measure]

    assert len(_ids(crafted, measure)) == table.overall.base
    for category in spec.categories:
        assert len(_ids(crafted, measure, category=category)) == table.overall.counts[category]
    for section in table.sections:
        for row in section.rows:
            found = _ids(crafted, measure, dimension=section.dimension, group=row.group)
            assert len(found) == row.base, (section.dimension, row.group)
            for category in spec.categories:
                found = _ids(
                    crafted, measure, category=category, dimension=section.dimension,
                    group=row.group,
                )  # fmt: skip
                assert len(found) == row.counts[category]


@pytest.mark.parametrize("measure", list(Measure))
def test_every_table_reconciles_with_its_base(crafted: Outcomes, measure: Measure) -> None:
    assert_reconciles(_report(crafted))


def assert_reconciles(report: OutcomeReport) -> None:
    """Every table: single-choice groups add up to the base; "any mention" counts each person
    in at least one group; categories add up to each row's base."""
    for table in report.tables:
        for section in table.sections:
            reconciliation = section.reconciliation
            assert reconciliation.base == table.exact_base, table.measure
            assert reconciliation.holds, (table.measure, section.dimension, reconciliation)
            assert reconciliation.any_mention == (section.dimension not in ADDS_UP)
            assert [row.group for row in section.rows] == list(GROUPS[section.dimension])
    assert sum(report.exact_sources.values()) == report.exact_opened


def test_a_supervisor_of_another_organization_lists_nothing(crafted: Outcomes) -> None:
    records = figure_records(
        Measure.NO_SYSTEM_INVOLVEMENT,
        viewer=viewer_for(crafted.sue),
        organization_id=crafted.b.pk,
        window=WINDOW,
    )
    assert list(records) == []


def test_the_community_counts_every_organization(crafted: Outcomes, no_suppression) -> None:
    cases = community_cases()
    report = outcome_report(cases=cases, referrals=referrals_of(cases), window=WINDOW)

    assert report.table(Measure.NO_SYSTEM_INVOLVEMENT).overall.base == 14
    assert report.table(Measure.ACCEPTANCE).exact_excluded == 2
