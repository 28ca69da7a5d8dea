"""The benchmark harness at CI scale: every API read and data page costs as many queries when
the data triples (issue 8). ``make bench`` runs the same measurement at 20k and 200k cases."""

import pytest
from django.db import transaction

from bench.generate import generate
from bench.query_counts import Counts, differences, measure
from bench.shape import SCALES

pytestmark = pytest.mark.django_db


def counts_at(scale: str, *, warm_up: bool) -> Counts:
    """Generate the scale's data, measure, and roll the data back for the next scale."""
    with transaction.atomic():
        generate(SCALES[scale])
        counts = measure(warm_up=warm_up)
        transaction.set_rollback(True)
    return counts


def test_query_counts_of_every_route_do_not_grow_with_the_data() -> None:
    by_scale = {
        "smoke": counts_at("smoke", warm_up=True),
        "smoke3": counts_at("smoke3", warm_up=False),  # this process is warm by now
    }
    measured = [cell for personas in by_scale["smoke"].values() for cell in personas.values()]
    assert sum(cell["status"] == 200 for cell in measured) > 100  # the harness reached the data
    assert differences(by_scale) == []
