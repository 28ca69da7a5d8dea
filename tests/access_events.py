"""Reading the access log in tests as its readers do: a page event (R24) names several cases."""

from collections.abc import Iterable

from consent.models import AccessEvent


def cases_named(events: Iterable[AccessEvent]) -> set[int]:
    """Every case the events are about: single events' case, page events' cases."""
    named: set[int] = set()
    for event in events:
        if event.case_id is not None:
            named.add(event.case_id)
        named.update(event.case_ids)
    return named
