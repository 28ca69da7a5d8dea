"""Small-cell suppression for every report that leaves the lead organization (R22), and for
the disaggregated outcome tables (issue 21) wherever they are shown.

Any count between one and the threshold (``HARBOR_REPORT_SUPPRESSION_THRESHOLD``, default 5) is
withheld. When a group has exactly one withheld cell its total would give it away, so the next
smallest cell is withheld too (complementary suppression).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Group:
    title: str
    cells: list[Cell]
    total: int | None  # None: suppressed, when the total itself is a small number


def threshold() -> int:
    return settings.HARBOR["REPORT_SUPPRESSION_THRESHOLD"]


def suppress(counts: Iterable[tuple[str, int]], *, withheld: Iterable[str] = ()) -> list[Cell]:
    """Withhold small non-zero counts, and one more when a single withheld cell is exposed.

    ``withheld`` names cells already withheld for another reason (the community report
    withholds a whole row when its total is small); they count as withheld here too.
    """
    counts = list(counts)
    small = {label for label, n in counts if 0 < n < threshold()} | set(withheld)
    if len(small) == 1:
        others = [(n, label) for label, n in counts if label not in small and n > 0]
        if others:
            small.add(min(others)[1])
    return [Cell(label, None if label in small else n) for label, n in counts]


def suppress_grid(
    rows: list[list[int]],
    *,
    columns_add_up: bool,
    withheld: Iterable[tuple[int, int]] = (),
) -> list[list[int | None]]:
    """Withhold the small cells of a disaggregated table, and enough others that no withheld
    cell can be worked out from what is shown (complementary suppression).

    Each row is ``[base, part, part, ...]`` with the parts adding up to the base (the outcome
    categories of one group); the first row is the overall one. When ``columns_add_up`` the
    groups add up to the overall row (a single-choice grouping), so each column, the overall
    cell included, is protected too; "any mention" groupings (a person in several groups) only
    protect their rows. A row whose base is withheld is withheld whole. ``withheld`` names
    cells (row, column) already withheld elsewhere (the overall row, shared by every grouping).
    Repeats until nothing changes.
    """
    limit = threshold()
    hidden = {(r, c) for r, row in enumerate(rows) for c, n in enumerate(row) if 0 < n < limit}
    hidden |= set(withheld)

    def hide_another(line: list[tuple[int, int]]) -> bool:
        shown = [(rows[r][c], r, c) for r, c in line if (r, c) not in hidden]
        if not shown:
            return False
        nonzero = [cell for cell in shown if cell[0] > 0]
        _n, r, c = min(nonzero or shown)
        hidden.add((r, c))
        return True

    changed = True
    while changed:
        changed = False
        for r, row in enumerate(rows):
            line = [(r, c) for c in range(len(row))]
            if (r, 0) in hidden and any(cell not in hidden for cell in line):
                hidden.update(line)
                changed = True
            parts = line[1:]
            if sum(cell in hidden for cell in parts) == 1 and (r, 0) not in hidden:
                changed |= hide_another(parts)
        if columns_add_up and rows:
            for c in range(len(rows[0])):
                column = [(r, c) for r in range(len(rows))]
                if sum(cell in hidden for cell in column) == 1:
                    changed |= hide_another(column)
    return [
        [None if (r, c) in hidden else n for c, n in enumerate(row)] for r, row in enumerate(rows)
    ]
