"""Claims on outbox rows: which worker sends a row, for how long (tasks/delivery.py).

A batch is claimed with ``select_for_update(skip_locked=True)`` and a conditional update to
``claimed`` stamped with the claim time (``last_attempt_at``), which names the claim: the
worker renews it while it works, and a batch handed back by the broker after another worker
claimed its rows finds them claimed at another time.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tasks.models import Notification

Status = Notification.Status
WAITING = (Status.PENDING, Status.HELD)
# A live worker renews its claim every LEASE_RENEWAL, well inside the lease; a dead worker's
# rows are free a lease after its last renewal, then the next sweep (a minute) frees them.
CLAIM_LEASE = timedelta(seconds=45)
LEASE_RENEWAL = timedelta(seconds=15)


def batch_size() -> int:
    return settings.HARBOR["DELIVERY_BATCH_SIZE"]


def release_stale_claims(*, now: datetime) -> int:
    """Rows claimed by a worker that died go back to ``pending``; the count."""
    return Notification.objects.filter(
        status=Status.CLAIMED, last_attempt_at__lt=now - CLAIM_LEASE
    ).update(status=Status.PENDING)


def live_claims(*, now: datetime) -> int:
    """How many batches live workers hold now (one claim time per batch)."""
    return (
        Notification.objects.filter(status=Status.CLAIMED, last_attempt_at__gte=now - CLAIM_LEASE)
        .values("last_attempt_at")
        .distinct()
        .count()
    )


def renew_claim(ids: list[int], *, claimed_at: datetime) -> datetime:
    """Extend this worker's lease on the rows of its batch still held by the claim made at
    ``claimed_at``; the new claim time, which the worker holds them by from now on."""
    renewed = timezone.now()
    Notification.objects.filter(
        pk__in=ids, status=Status.CLAIMED, last_attempt_at=claimed_at
    ).update(last_attempt_at=renewed)
    return renewed


def claim_batch(*, now: datetime, limit: int | None = None) -> list[int]:
    """Claim up to ``limit`` rows due by ``now``; the ids this caller now owns.

    Rows another worker holds locked are skipped, and the claim is a conditional update read
    back by its claim time, so two sweeps at once never own the same row (SQLite, which has no
    row locks, included).
    """
    with transaction.atomic():
        due = list(
            Notification.objects.filter(status__in=WAITING, deliver_after__lte=now)
            .order_by("deliver_after")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: limit or batch_size()]
        )
        if not due:
            return []
        Notification.objects.filter(pk__in=due, status__in=WAITING).update(
            status=Status.CLAIMED, last_attempt_at=now
        )
        ours = set(
            Notification.objects.filter(
                pk__in=due, status=Status.CLAIMED, last_attempt_at=now
            ).values_list("pk", flat=True)
        )
        return [pk for pk in due if pk in ours]
