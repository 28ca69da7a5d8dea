"""A real Celery worker, over the configured broker (Redis with REDIS_URL, the file-system broker
without), runs a task enqueued on commit only once the transaction commits, and never after a
rollback; and it runs the consent expiry sweep (R14) against the database.

The worker runs in a thread of this process on a queue of its own, so a demo worker sharing
the broker folder cannot take these messages. Every wait has a deadline: nothing here hangs.
"""

import queue
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import kombu
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from consent.models import Consent
from coordination.celery import app as celery_app
from tasks.tasks import expire_consents
from tests.conftest import World
from tests.consents import grant_consent
from tests.integration.timing import deadline

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

QUEUE = f"harbor-test-{uuid.uuid4().hex[:12]}"
TEST_DEADLINE_SECONDS = 90
TASK_WAIT_SECONDS = 30
# What the worker saw: (user id, whether the row was visible from the worker's connection).
SEEN: "queue.Queue[tuple[int, bool]]" = queue.Queue()
MARKER = -1


@celery_app.task(name="tests.integration.note_user_seen")
def note_user_seen(user_id: int) -> None:
    """Record whether the worker, on its own database connection, can read the user row."""
    SEEN.put((user_id, User.objects.filter(pk=user_id).exists()))


def _forget_queue() -> None:
    """Leave no binding of this run's queue behind in the broker."""
    with celery_app.connection_for_write() as connection:
        bound = kombu.Queue(QUEUE, kombu.Exchange(QUEUE, type="direct"), routing_key=QUEUE)
        bound = bound(connection.default_channel)
        bound.declare()
        bound.delete()
    control = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("control_folder")
    if control:
        (Path(control) / f"{QUEUE}.exchange").unlink(missing_ok=True)


@pytest.fixture
def worker() -> Iterator[None]:
    assert not celery_app.conf.task_always_eager, "this test needs a real worker"
    while not SEEN.empty():
        SEEN.get_nowait()
    with deadline(TEST_DEADLINE_SECONDS):
        try:
            with start_worker(
                celery_app,
                pool="solo",
                concurrency=1,
                queues=[QUEUE],
                perform_ping_check=False,
                loglevel="WARNING",
                shutdown_timeout=30,
            ):
                yield
        finally:
            _forget_queue()


def test_worker_runs_a_task_enqueued_on_commit_only_after_the_commit(worker: None) -> None:
    with transaction.atomic():
        user = User.objects.create_user(email="on-commit@example.org")
        note_user_seen.apply_async_on_commit(args=(user.pk,), queue=QUEUE)
        with pytest.raises(queue.Empty):
            SEEN.get(timeout=3)
    assert SEEN.get(timeout=TASK_WAIT_SECONDS) == (user.pk, True)


def test_worker_never_runs_a_task_whose_transaction_rolled_back(worker: None) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        user = User.objects.create_user(email="rolled-back@example.org")
        note_user_seen.apply_async_on_commit(args=(user.pk,), queue=QUEUE)
        raise RuntimeError("roll back")
    # One queue, one worker, one task at a time: had the first task been sent, it would run
    # before this marker.
    note_user_seen.apply_async(args=(MARKER,), queue=QUEUE)
    assert SEEN.get(timeout=TASK_WAIT_SECONDS) == (MARKER, False)
    assert SEEN.empty()
    assert not User.objects.filter(email="rolled-back@example.org").exists()


def test_worker_runs_the_consent_expiry_sweep(worker: None, world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    past = timezone.now() - timedelta(seconds=1)
    lapsed = Consent.objects.filter(pk=consent.pk)
    lapsed.update(starts_at=past - timedelta(days=1), expires_at=past)
    finished: queue.Queue[object] = queue.Queue()

    def note_finished(retval: object = None, **kwargs: object) -> None:
        finished.put(retval)

    # Waits on the task's end, not on the database: SQLite's shared cache would refuse the
    # test's reads while the worker writes.
    task_postrun.connect(note_finished, sender=expire_consents, weak=False)
    try:
        expire_consents.apply_async(queue=QUEUE)
        assert finished.get(timeout=TASK_WAIT_SECONDS) == 1
    finally:
        task_postrun.disconnect(note_finished, sender=expire_consents)
    assert Consent.objects.get(pk=consent.pk).status == Consent.Status.EXPIRED
