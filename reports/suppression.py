"""Small-cell suppression for every report that leaves the lead organization (R22).

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
