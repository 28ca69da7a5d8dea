"""Reminders on real Celery workers (issue 4): a due referral becomes exactly one follow-up per
side and exactly one message per recipient; two workers sweeping at once change nothing; a
worker killed mid-batch loses nothing, and its message is sent within two minutes of the kill.

What is guaranteed, and what is not (tasks/delivery.py): a batch is *claimed* in the database
before it is sent, and a row is only moved from ``claimed`` to ``sent`` by the worker that
sends it. A worker killed mid-batch leaves its unsent rows ``claimed``; nobody touches them
until the lease (``CLAIM_LEASE``, 45 s, renewed by a live worker) runs out, then the delivery
sweep (every minute) puts them back to ``pending`` and a live worker sends them. A message the
provider accepted in the instant between the provider's answer and the database write can be
sent twice after such a kill (at least once, never lost), with the same Message-ID: a test
strikes just there and sees one resend of each, folded by its Message-ID. The other kill test
strikes while the provider is still working, so no message was accepted, and every message
arrives exactly once. A worker sends several messages at once (``DELIVERY_SENDERS``), so
both e-mails of these tests are with the provider together.

The first test runs on every database with a worker thread in this process, like
test_celery_worker.py. The others start workers as separate processes (the only kind that can
be killed), which must see the test database: pytest-django's SQLite test database lives in
memory, so they run on PostgreSQL only. Every wait has a deadline: nothing here hangs.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

import kombu
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import User
from coordination.celery import app as celery_app
from providers.models import Membership
from tasks import tasks as celery_tasks
from tasks.claims import release_stale_claims
from tasks.models import ContinuityRules, FollowUp, Notification
from tasks.sweep import run_sweep
from tests.conftest import World
from tests.integration.timing import deadline
from tests.tasks.continuity import checked_in, sent_referral, staff

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

QUEUE = f"harbor-reminders-{uuid.uuid4().hex[:12]}"
TEST_DEADLINE_SECONDS = 60
# The kill test waits out a real claim lease and one beat interval.
RECOVERY_SECONDS = 120
BEAT_INTERVAL_SECONDS = 60
WAIT_SECONDS = 30
ROUTED_TASKS = (
    celery_tasks.sweep_follow_ups,
    celery_tasks.deliver_notifications,
    celery_tasks.send_notification_batch,
)
Channel = Notification.Channel
Status = Notification.Status

# A worker process: this run's queue is its default queue too, so the tasks it enqueues
# (delivery after the sweep, a batch after delivery) stay off any demo worker's queue. Its
# e-mail backend writes "start" and "accepted" lines to a log, waiting in between as slowly
# as asked, like a provider that takes its time.
WORKER_SCRIPT = """
import os, sys, time
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

class ProviderLog(BaseEmailBackend):
    def send_messages(self, messages):
        for message in messages:
            self._log("start", message)
            time.sleep(float(os.environ["HARBOR_TEST_PROVIDER_DELAY"]))
            self._log("accepted", message)
            # Accepted, and the worker still has to record it: a kill lands here.
            time.sleep(float(os.environ["HARBOR_TEST_PROVIDER_PAUSE_AFTER"]))
        return len(messages)

    def _log(self, event, message):
        message_id = message.extra_headers.get("Message-ID", "")
        line = f"{event} {','.join(message.to)} {message_id}\\n".encode()
        fd = os.open(os.environ["HARBOR_TEST_PROVIDER_LOG"], os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

settings.DATABASES["default"]["NAME"] = os.environ["HARBOR_TEST_DATABASE"]
settings.EMAIL_BACKEND = "__main__.ProviderLog"
import django
django.setup()
from coordination.celery import app
queue = os.environ["HARBOR_TEST_QUEUE"]
app.conf.task_default_queue = queue
app.worker_main(["worker", "-Q", queue, "--pool=" + os.environ.get("HARBOR_TEST_POOL", "solo"),
                 "-c", os.environ.get("HARBOR_TEST_CHILDREN", "1"), "--loglevel=WARNING",
                 "-n", sys.argv[1], "--without-gossip", "--without-mingle",
                 "--without-heartbeat"])
"""


def _forget_queue() -> None:
    """Leave no binding of this run's queue behind in the broker."""
    with celery_app.connection_for_write() as connection_:
        bound = kombu.Queue(QUEUE, kombu.Exchange(QUEUE, type="direct"), routing_key=QUEUE)
        channel = connection_.default_channel
        bound = bound(channel)
        bound.declare()
        bound.delete()
        _forget_unacked(channel)
    control = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("control_folder")
    if control:
        (Path(control) / f"{QUEUE}.exchange").unlink(missing_ok=True)


def _forget_unacked(channel: object) -> None:
    """Redis keeps the message a killed worker held, to put it back on this run's queue an
    hour later (the visibility timeout); nobody would ever take it, so it goes now."""
    unacked = getattr(channel, "unacked_key", None)
    if unacked is None:
        return  # not Redis: the file-system broker keeps no unacknowledged messages
    client = channel.client
    for tag, held in client.hgetall(unacked).items():
        if json.loads(held)[2] == QUEUE:
            client.zrem(channel.unacked_index_key, tag)
            client.hdel(unacked, tag)


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tasks this process sends go to this run's queue (the options cache is reset too)."""
    assert not celery_app.conf.task_always_eager, "these tests need real workers"
    for task in ROUTED_TASKS:
        monkeypatch.setattr(task, "queue", QUEUE, raising=False)
        monkeypatch.setattr(task, "_exec_options", None)
    with deadline(TEST_DEADLINE_SECONDS + RECOVERY_SECONDS):
        try:
            yield
        finally:
            _forget_queue()


@pytest.fixture
def due_referral(world: World) -> tuple[User, User]:
    """A referral sent ten days ago, late for an answer but far from escalation or expiry;
    the recipients of its reminders: the partner's one intake worker and the advocate.
    Supervisors are off duty, so no weekly digest joins these messages."""
    Membership.objects.filter(role=Membership.Role.SUPERVISOR).update(is_active=False)
    ContinuityRules.objects.create(
        organization=world.lead,
        referral_answer_business_days=1,
        referral_escalation_business_days=30,
        referral_expiry_business_days=60,
    )
    intake = staff(world.partner)
    checked_in(world, timezone.now())  # no check-in follow-up beside the referral's
    sent_referral(world, timezone.now() - timedelta(days=10))
    return intake, world.advocate


def wait_until(
    condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS, *, fail: bool = True
) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            if not fail:
                return
            raise AssertionError(f"still waiting for {what} after {seconds}s")
        time.sleep(0.1)


def assert_one_reminder_each(world: World, recipients: tuple[User, ...]) -> None:
    """One follow-up per side; per recipient one inbox row and one e-mail row, all sent."""
    follow_ups = FollowUp.objects.filter(kind=FollowUp.Kind.REFERRAL_UNANSWERED)
    assert Counter(follow_ups.values_list("organization_id", flat=True)) == {
        world.lead.pk: 1,
        world.partner.pk: 1,
    }
    rows = Notification.objects.filter(reason=Notification.Reason.FOLLOW_UP_DUE)
    assert Counter(rows.values_list("recipient_id", "channel")) == {
        (user.pk, channel): 1 for user in recipients for channel in (Channel.IN_APP, Channel.EMAIL)
    }
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}


# --- one worker in this process, on every database ---------------------------------------


@pytest.fixture
def worker_thread(routed: None) -> Iterator[None]:
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


def test_a_due_referral_reminds_each_recipient_once_on_a_real_worker(
    worker_thread: None, world: World, due_referral: tuple[User, User]
) -> None:
    batches: queue.Queue[object] = queue.Queue()

    def note_batch(retval: object = None, **kwargs: object) -> None:
        batches.put(retval)

    # Waits on the batch task's end, not on the database: SQLite's shared cache would refuse
    # the test's reads while the worker writes. Sweep, delivery and batch run on the worker.
    task_postrun.connect(note_batch, sender=celery_tasks.send_notification_batch, weak=False)
    try:
        celery_tasks.sweep_follow_ups.apply_async()
        outcomes = batches.get(timeout=WAIT_SECONDS)
    finally:
        task_postrun.disconnect(note_batch, sender=celery_tasks.send_notification_batch)

    assert isinstance(outcomes, dict) and outcomes.get(Status.SENT, 0) >= 2
    assert_one_reminder_each(world, due_referral)
    addresses = Counter(to for message in mail.outbox for to in message.to)
    assert {user.email: addresses[user.email] for user in due_referral} == {
        user.email: 1 for user in due_referral
    }


# --- worker processes, on PostgreSQL ------------------------------------------------------


class Provider:
    """The log the worker processes' e-mail backend writes: who was being sent to, and who
    the provider accepted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch()

    def lines(self, event: str) -> list[list[str]]:
        """Each line of ``event``: the address and the Message-ID."""
        lines = self.path.read_text().splitlines()
        return [line.split(" ")[1:] for line in lines if line.startswith(f"{event} ")]

    def events(self, event: str) -> Counter[str]:
        return Counter(address for address, _ in self.lines(event))


@pytest.fixture
def provider(tmp_path: Path) -> Provider:
    return Provider(tmp_path / "provider.log")


@pytest.fixture
def start_worker_process(
    routed: None, provider: Provider
) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start ``celery worker`` processes on this run's queue and the test database; all of
    them are gone (killed if need be) before the test database is flushed."""
    started: list[subprocess.Popen] = []

    def start(
        name: str,
        *,
        provider_delay: float = 0.0,
        pause_after: float = 0.0,
        log: Path | None = None,
        environment: dict[str, str] | None = None,
    ) -> subprocess.Popen:
        env = {
            "HARBOR_TEST_PROVIDER_LOG": str(provider.path),
            "HARBOR_TEST_PROVIDER_DELAY": str(provider_delay),
            "HARBOR_TEST_PROVIDER_PAUSE_AFTER": str(pause_after),
            **(environment or {}),
        }
        name = f"{name}-{QUEUE}@localhost"
        started.append(launch(WORKER_SCRIPT, name, env=env, stderr=log.open("ab") if log else None))
        return started[-1]

    try:
        yield start
    finally:
        stop_all(started)


def launch(
    script: str, *args: str, env: dict[str, str], stderr: IO[bytes] | None = None
) -> subprocess.Popen:
    """Run ``script`` in this interpreter on the test database and this run's queue."""
    return subprocess.Popen(  # noqa: S603  (this interpreter, our own script)
        [sys.executable, "-c", script, *args],
        env={
            **os.environ,
            "HARBOR_TEST_DATABASE": connection.settings_dict["NAME"],
            "HARBOR_TEST_QUEUE": QUEUE,
            **env,
        },
        cwd=settings.BASE_DIR,
        stderr=stderr,
    )


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Stop each process, killing any that takes more than ten seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def email_rows() -> "list[Notification]":
    return list(
        Notification.objects.filter(
            reason=Notification.Reason.FOLLOW_UP_DUE, channel=Channel.EMAIL
        ).order_by("pk")
    )


def all_sent() -> bool:
    rows = email_rows()
    return len(rows) == 2 and all(row.status == Status.SENT for row in rows)


@pytest.mark.postgres
def test_two_workers_sweeping_at_once_still_remind_once(
    start_worker_process: Callable[..., subprocess.Popen],
    provider: Provider,
    world: World,
    due_referral: tuple[User, User],
) -> None:
    start_worker_process("first")
    start_worker_process("second")
    # Four sweeps for two workers, one task each at a time: they sweep side by side.
    for _ in range(4):
        celery_tasks.sweep_follow_ups.apply_async()

    wait_until(all_sent, "both e-mails sent")
    # Give a duplicate that was on its way the time to show itself.
    time.sleep(2)
    assert_one_reminder_each(world, due_referral)
    assert provider.events("accepted") == {user.email: 1 for user in due_referral}


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    start_worker_process: Callable[..., subprocess.Popen],
    provider: Provider,
    world: World,
    due_referral: tuple[User, User],
) -> None:
    # The sweep runs here; the delivery it enqueues, and the batch after it, on a worker whose
    # provider takes three seconds a message.
    assert run_sweep().referral_follow_ups == 2
    slow = start_worker_process("slow", provider_delay=3)
    wait_until(lambda: sum(provider.events("start").values()) == 2, "both e-mails")
    slow.send_signal(signal.SIGKILL)  # while the provider still works on both
    slow.wait(timeout=10)

    first, second = email_rows()
    assert (first.status, second.status) == (Status.CLAIMED, Status.CLAIMED)
    assert provider.events("accepted") == {}
    # Within the lease the claim stands: the rows wait, neither lost nor sent again.
    assert release_stale_claims(now=timezone.now()) == 0

    # A new worker, and beat's delivery sweep once a minute from the kill (its worst phase:
    # a sweep just at the kill finds the claim still leased).
    killed_at = time.monotonic()
    start_worker_process("restarted")
    while not all_sent():
        assert time.monotonic() - killed_at < RECOVERY_SECONDS, "not sent within two minutes"
        celery_tasks.deliver_notifications.apply_async()
        wait_until(all_sent, "the claimed e-mails", seconds=BEAT_INTERVAL_SECONDS, fail=False)
    assert time.monotonic() - killed_at < RECOVERY_SECONDS
    assert_one_reminder_each(world, due_referral)
    assert provider.events("accepted") == {user.email: 1 for user in due_referral}
    # The messages cut off by the kill were started twice and accepted once.
    assert provider.events("start") == {user.email: 2 for user in due_referral}
    assert [row.attempts for row in email_rows()] == [2, 2]


@pytest.mark.postgres
def test_a_worker_killed_after_the_provider_accepted_resends_once_with_the_same_message_id(
    start_worker_process: Callable[..., subprocess.Popen],
    provider: Provider,
    world: World,
    due_referral: tuple[User, User],
) -> None:
    """The one duplicate the world forces (issue 20, point 3): the provider accepted, the
    worker died before recording it. One resend of each such message, with the first send's
    Message-ID, so the reader's mail client folds the two; the row counts both hand-overs.
    (Both e-mails go to the provider at once, as the worker sends several at a time.)"""
    assert run_sweep().referral_follow_ups == 2
    slow = start_worker_process("slow", pause_after=5)
    wait_until(lambda: len(provider.lines("accepted")) == 2, "both e-mails accepted")
    slow.send_signal(signal.SIGKILL)  # accepted, not yet recorded as sent
    slow.wait(timeout=10)
    first_sends = dict(provider.lines("accepted"))
    for row in email_rows():
        assert (row.status, row.attempts) == (Status.CLAIMED, 1)
        assert first_sends[row.recipient.email] == row.message_id

    killed_at = time.monotonic()
    start_worker_process("restarted")
    while not all_sent():
        assert time.monotonic() - killed_at < RECOVERY_SECONDS, "not sent within two minutes"
        celery_tasks.deliver_notifications.apply_async()
        wait_until(all_sent, "both e-mails", seconds=BEAT_INTERVAL_SECONDS, fail=False)

    assert_one_reminder_each(world, due_referral)
    accepted = Counter(tuple(line) for line in provider.lines("accepted"))
    # One resend each, the same Message-ID.
    assert accepted == {(address, message_id): 2 for address, message_id in first_sends.items()}
    assert [row.attempts for row in email_rows()] == [2, 2]


@pytest.mark.postgres
def test_a_worker_whose_database_connection_is_terminated_retries_the_batch_once_loudly(
    start_worker_process: Callable[..., subprocess.Popen],
    provider: Provider,
    world: World,
    due_referral: tuple[User, User],
    tmp_path: Path,
) -> None:
    """Issue 20, point 4, on a real worker: its connection is terminated while the provider
    works; the batch stops at that row, one log line names the cause, the task retries on a
    new connection and sends the rest. The cut-off message goes again with its Message-ID."""
    assert run_sweep().referral_follow_ups == 2
    log = tmp_path / "worker.log"
    start_worker_process("worker", pause_after=2, log=log)
    wait_until(lambda: len(provider.lines("accepted")) >= 1, "the first e-mail accepted")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    wait_until(all_sent, "both e-mails sent after the retry")
    assert_one_reminder_each(world, due_referral)
    address, message_id = provider.lines("accepted")[0]  # the message cut off
    assert provider.events("accepted")[address] == 2
    assert {mid for a, mid in provider.lines("accepted") if a == address} == {message_id}
    lost = [line for line in log.read_text().splitlines() if "database connection lost" in line]
    assert len(lost) == 1 and "retry 1 of 5" in lost[0], lost
    assert address not in log.read_text()  # no personal data in the worker's log
