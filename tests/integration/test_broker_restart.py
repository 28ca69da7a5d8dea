"""Delivery through a broker that dies and comes back empty (issue 20, point 2).

A Redis of this test's own (never the shared one other suites use), with no persistence, is
killed with SIGKILL while two prefork workers send a backlog, kept down a few seconds, and
started again, empty, on the same port: every queued task and every task a worker held
unacknowledged is gone. What brings delivery back is what production runs: beat, with the
project's own schedule (``deliver_notifications`` every minute), and the claim lease. The
next delivery sweep frees the claims of the lost tasks' batches once the lease has passed
(tasks/claims.py) and starts delivery tasks again; the workers reconnect by themselves.

Asserted: nothing lost (every message accepted by the provider and its row ``sent``), no
unexplained duplicate (a message accepted twice carries its row's one Message-ID both times,
and the row counts at least as many attempts), and everything sent within two minutes of the
fault. PostgreSQL only, like the other tests with worker processes (test_reminders_on_workers).
"""

import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from coordination.celery import app as celery_app
from tasks import tasks as celery_tasks
from tasks.models import Notification
from tasks.outbox import Message, notify_many
from tests.integration.test_reminders_on_workers import (
    RECOVERY_SECONDS,
    Provider,
    launch,
    provider,
    routed,
    start_worker_process,
    stop_all,
    wait_until,
)

__all__ = ["provider", "routed", "start_worker_process"]  # fixtures, used by name

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

MESSAGES = 1000
# Four messages in flight (two tasks, two senders each) at 20 ms: the backlog takes several
# seconds, so the fault lands mid-delivery.
PROVIDER_SECONDS = 0.02
DELIVERY = {
    "HARBOR_DELIVERY_CONCURRENCY": "2",
    "HARBOR_DELIVERY_SENDERS": "2",
    "HARBOR_DELIVERY_BATCH_SIZE": "20",
    # Tasks hand over through the broker every few seconds, so the lost queue matters: a
    # hand-over sent while Redis is down, or just before it died, is gone.
    "HARBOR_DELIVERY_SECONDS": "3",
}
# Longer than a task's last stretch and its hand-over's publishing retries: when Redis
# comes back no delivery task is left anywhere.
REDIS_DOWN_SECONDS = 6

# Beat as production runs it (the project's CELERY_BEAT_SCHEDULE), sending to this run's
# queue, with its schedule file and access-log checkpoints in the test's folder.
BEAT_SCRIPT = """
import os
from django.conf import settings
settings.DATABASES["default"]["NAME"] = os.environ["HARBOR_TEST_DATABASE"]
import django
django.setup()
from coordination.celery import app
app.conf.task_default_queue = os.environ["HARBOR_TEST_QUEUE"]
app.start(["beat", "-s", os.environ["HARBOR_TEST_BEAT_SCHEDULE"], "--loglevel=WARNING"])
"""


class PrivateRedis:
    """A redis-server on a free port with nothing saved to disk; it can be killed and started
    again, empty, on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  (the installed server, our arguments)
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: self._answers(client), "redis-server to answer", seconds=10)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def keys_loaded_at_start(self) -> int:
        """What the running server read back from disk when it started (workers and beat
        reconnect within moments, so the database's own size cannot show it came back empty)."""
        info = redis.Redis.from_url(self.url).info("persistence")
        return int(info["rdb_last_load_keys_loaded"]) + int(info.get("aof_enabled", 0))

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.kill()


@pytest.fixture
def start_beat(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(broker_url: str) -> subprocess.Popen:
        env = {
            "REDIS_URL": broker_url,
            "HARBOR_TEST_BEAT_SCHEDULE": str(tmp_path / "beat-schedule"),
            "HARBOR_ACCESS_LOG_CHECKPOINT_FILE": str(tmp_path / "checkpoints.jsonl"),
        }
        started.append(launch(BEAT_SCRIPT, env=env))
        return started[-1]

    try:
        yield start
    finally:
        stop_all(started)


def queue_backlog() -> list[Notification]:
    """One e-mail to each of ``MESSAGES`` staff members, queued as the sweep queues them."""
    users = User.objects.bulk_create(
        User(email=f"restart-{n}@example.test") for n in range(MESSAGES)
    )
    notify_many(
        Message(recipient_id=user.pk, reason=Notification.Reason.FOLLOW_UP_DUE, window="restart")
        for user in users
    )
    return list(Notification.objects.filter(channel=Notification.Channel.EMAIL))


def emails() -> "Counter[str]":
    return Counter(
        Notification.objects.filter(channel=Notification.Channel.EMAIL).values_list(
            "status", flat=True
        )
    )


def test_a_redis_restart_without_persistence_loses_nothing_and_recovers_within_two_minutes(
    private_redis: PrivateRedis,
    start_worker_process: Callable[..., subprocess.Popen],
    start_beat: Callable[[str], subprocess.Popen],
    provider: Provider,
    tmp_path: Path,
) -> None:
    assert private_redis.url != settings.CELERY_BROKER_URL
    rows = queue_backlog()
    assert len(rows) == MESSAGES
    environment = {
        "REDIS_URL": private_redis.url,
        "HARBOR_TEST_POOL": "prefork",
        **DELIVERY,
    }
    log = tmp_path / "workers.log"
    for name in ("first", "second"):
        start_worker_process(
            name, provider_delay=PROVIDER_SECONDS, log=log, environment=environment
        )
    start_beat(private_redis.url)
    # Beat's first delivery sweep is a minute away: the first one is sent as beat would.
    with celery_app.connection_for_write(private_redis.url) as broker:
        celery_tasks.deliver_notifications.apply_async(connection=broker)

    wait_until(
        lambda: len(provider.lines("accepted")) >= MESSAGES // 5,
        "a fifth of the backlog sent",
        seconds=60,
    )
    private_redis.kill()
    fault = timezone.now()
    sent_at_fault = emails()[Notification.Status.SENT]
    time.sleep(REDIS_DOWN_SECONDS)
    private_redis.start()
    assert private_redis.keys_loaded_at_start() == 0  # it came back empty: the queue is lost

    wait_until(
        lambda: emails() == {Notification.Status.SENT: MESSAGES},
        "every e-mail sent",
        seconds=RECOVERY_SECONDS,
    )
    rows = list(
        Notification.objects.select_related("recipient").filter(channel=Notification.Channel.EMAIL)
    )
    last_sent = max(row.sent_at for row in rows)
    recovery = last_sent - fault
    resent = sum(1 for row in rows if row.attempts > 1)
    print(
        f"\n{sent_at_fault} of {MESSAGES} sent at the fault; all sent"
        f" {recovery.total_seconds():.1f} s after it; {resent} handed over more than once"
    )
    assert recovery < timedelta(seconds=RECOVERY_SECONDS)

    # Nothing lost: each row's one Message-ID reached the provider.
    accepted = Counter(message_id for _, message_id in provider.lines("accepted"))
    by_message_id = {row.message_id: row for row in rows}
    assert len(by_message_id) == MESSAGES
    assert set(accepted) == set(by_message_id)
    # No unexplained duplicate: a message accepted twice went to its own address both times,
    # under its row's Message-ID, and the row counted each hand-over.
    addresses = {(address, message_id) for address, message_id in provider.lines("accepted")}
    assert len(addresses) == MESSAGES
    for message_id, times in accepted.items():
        row = by_message_id[message_id]
        assert (row.recipient.email, message_id) in addresses
        assert row.attempts >= times
