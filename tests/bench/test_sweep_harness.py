"""The sweep benchmark's harness (bench/sweep.py) at CI scale: two sweepers running at the
same moment claim every due follow-up exactly once, so the throughput it reports counts real,
distinct claims (issue 8, part 5)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench.sweep import claim_due, escalated_once, prepare_backlog, sweep_overdue
from tasks.models import FollowUp

# Serialized like the access log's concurrent test: the flush after a plain transactional test
# recreates the content types, which the next serialized test would then insert twice.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DUE = 24


def _open_follow_ups(world, count: int) -> None:
    FollowUp.objects.bulk_create(
        FollowUp(
            case=world.case,
            kind=FollowUp.Kind.OTHER,
            organization=world.lead,
            assignee=world.advocate,
            due_at=timezone.now() - timedelta(days=30),
            description="Call back",
        )
        for _ in range(count)
    )


def _two_sweepers_at_once(sweep) -> list[int]:
    """Run ``sweep`` in two threads (two database connections) released together."""
    start = threading.Barrier(2)
    counts: list[int] = []

    def sweeper() -> None:
        try:
            start.wait()
            counts.append(sweep(now=timezone.now()))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    return counts


def test_two_claiming_sweepers_take_exactly_the_due_follow_ups_once(world):
    _open_follow_ups(world, DUE + 6)
    prepare_backlog(DUE, spread_seconds=60)  # the other six are pushed a year out

    counts = _two_sweepers_at_once(claim_due)

    assert len(counts) == 2
    assert sum(counts) == DUE
    assert escalated_once(DUE)["escalated"] == DUE


def test_two_real_sweeps_notify_each_due_follow_up_once_per_channel(world):
    _open_follow_ups(world, DUE + 6)
    prepare_backlog(DUE, spread_seconds=60)

    counts = _two_sweepers_at_once(sweep_overdue)

    check = escalated_once(DUE)
    assert sum(counts) == DUE
    assert check["notified_follow_ups"] == DUE
    assert check["max_per_channel"] == 1
