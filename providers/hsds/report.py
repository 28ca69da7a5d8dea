"""What an HSDS import did, as counts: the command prints them, tests read them."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Counts of what an import did (or, in a dry run, would do). No record's content."""

    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    skipped_services: int = 0
    # Term code (or name) of new services skipped because no term mapped: how many services.
    unmapped_terms: Counter[str] = field(default_factory=Counter)
    taxonomies: int = 0
    taxonomy_terms: int = 0
    taxonomy_terms_mapped: int = 0
    warnings: Counter[str] = field(default_factory=Counter)
