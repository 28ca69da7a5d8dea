"""R22 on the disaggregated outcome tables: small cells withheld, and complementary
suppression so no withheld cell can be worked out from the row's base or the column's total."""

import pytest

from reports.outcomes.drilldown import organization_cases, referrals_of
from reports.outcomes.measures import INVOLVED, NONE, Measure
from reports.outcomes.report import outcome_report
from reports.suppression import suppress_grid
from tests.reports.outcomes_fixture import WINDOW, Outcomes, build


def test_r22_a_small_cell_and_its_complement_in_the_row_are_withheld() -> None:
    # base 20: 18 without, 2 with: the 2 is small, and 18 would give it away (20 - 18).
    assert suppress_grid([[20, 18, 2]], columns_add_up=False) == [[20, None, None]]


def test_r22_a_group_whose_base_is_small_is_withheld_whole() -> None:
    assert suppress_grid([[3, 3, 0]], columns_add_up=False) == [[None, None, None]]


def test_r22_complementary_suppression_runs_down_a_single_choice_grouping() -> None:
    # Groups add up to the overall row: a single withheld group would be the overall minus the
    # rest, so the next smallest group is withheld too (its whole row, as its base is).
    # The overall row first, then three groups.
    rows = [[45, 28, 17], [30, 20, 10], [3, 2, 1], [12, 6, 6]]
    shown = suppress_grid(rows, columns_add_up=True)

    assert shown[2] == [None, None, None]
    assert shown[3] == [None, None, None]
    assert shown[:2] == [[45, 28, 17], [30, 20, 10]]


def test_r22_a_group_alone_in_its_column_withholds_the_overall_cell_too() -> None:
    # Group 1: 12 = 10 + 2, both withheld; it is the only group with any "better", so the
    # overall 10 would give its 10 (and so its 2) away: the overall cell is withheld too.
    rows = [[30, 10, 20], [12, 10, 2], [18, 0, 18]]
    shown = suppress_grid(rows, columns_add_up=True)

    assert shown[1][1:] == [None, None]
    assert shown[0][1] is None


def test_r22_any_mention_groupings_protect_each_row_but_not_the_columns() -> None:
    rows = [[30, 20, 10], [3, 2, 1], [12, 6, 6]]
    shown = suppress_grid(rows, columns_add_up=False)

    assert shown == [[30, 20, 10], [None, None, None], [12, 6, 6]]


def test_r22_no_withheld_cell_can_be_worked_out_from_its_lines() -> None:
    groups = [[40, 30, 6, 4], [25, 20, 5, 0], [9, 5, 2, 2], [14, 7, 7, 0]]
    rows = [[sum(column) for column in zip(*groups, strict=True)], *groups]
    shown = suppress_grid(rows, columns_add_up=True)
    lines = [row[1:] for row in shown if row[0] is not None]
    lines += [[row[c] for row in shown] for c in range(4)]
    for line in lines:
        assert sum(cell is None for cell in line) != 1, shown


@pytest.mark.django_db
def test_r22_the_organizations_disaggregated_cells_are_withheld_from_one_to_four() -> None:
    crafted: Outcomes = build()
    cases = organization_cases(crafted.a.pk)
    table = outcome_report(cases=cases, referrals=referrals_of(cases), window=WINDOW).table(
        Measure.NO_SYSTEM_INVOLVEMENT
    )

    # 13 served, 2 involved: the 2 and its complement are withheld, and the rate with them.
    assert table.overall.base == 13
    assert table.overall.counts == {NONE: None, INVOLVED: None}
    assert table.overall.rate is None
    for section in table.sections:
        for row in section.rows:
            assert row.base is None or row.base == 0 or row.base >= 5
            for count in row.counts.values():
                assert count is None or count == 0 or count >= 5
            if row.base is None:
                assert row.rate is None and row.gap_points is None
