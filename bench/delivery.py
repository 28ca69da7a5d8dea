"""Issue 20 point 1: messages *sent*, end to end, against a provider that takes 10 ms each.

On a database of its own (``harbor_bench_delivery``, emptied and migrated first), the backlog
is queued through the sweep's own path (``notify_many``: one in-app and one e-mail row per
message) and timed: **queued/s**. Then two Celery worker processes over Redis (prefork, four
children each by default, and ``HARBOR["DELIVERY_CONCURRENCY"]`` set to match) deliver it,
with an e-mail backend that sleeps 10 ms per message like a provider's API; the benchmark
sends ``deliver_notifications`` as beat would (at the start, then every minute) and waits for
the last e-mail row to be ``sent``: **sent/s**, and the p95 lag from due to sent.

``python -m bench.delivery --messages 20000`` (``DATABASE_URL`` names the server; Redis db 9 by
default). Results: bench/results/delivery.json.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.sweep import drop_database
from bench.target import (
    bench_base,
    check_bench_url,
    empty_tables,
    ensure_database,
    scale_url,
    setup_django,
)

RESULTS = Path(__file__).resolve().parent / "results"
PROVIDER_SECONDS = 0.010
BEAT_SECONDS = 60
RECIPIENTS = 1000
WORKERS = 2

# A worker process on this run's queue, whose e-mail backend is the 10 ms provider.
WORKER_SCRIPT = """
import sys
from django.conf import settings
settings.EMAIL_BACKEND = "bench.delivery.TenMillisecondProvider"
import django
django.setup()
from coordination.celery import app
app.conf.task_default_queue = sys.argv[2]
app.worker_main(["worker", "-Q", sys.argv[2], "--pool=prefork", "-c", sys.argv[3],
                 "--loglevel=WARNING", "-n", sys.argv[1], "--without-gossip",
                 "--without-mingle", "--without-heartbeat"])
"""


class TenMillisecondProvider:
    """An e-mail backend that accepts each message after 10 ms, as a provider's API would."""

    def __init__(self, **kwargs: object) -> None:
        pass

    def open(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        time.sleep(PROVIDER_SECONDS * len(messages))
        return len(messages)


def queue_backlog(messages: int) -> dict[str, float]:
    """``messages`` e-mails (and their inbox rows) queued as the sweep queues them; timed."""
    from accounts.models import User
    from tasks.models import Notification
    from tasks.outbox import Message, notify_many

    users = User.objects.bulk_create(
        User(email=f"bench-{n}@example.test") for n in range(RECIPIENTS)
    )
    batch = 2000
    started = time.perf_counter()
    for start in range(0, messages, batch):
        notify_many(
            Message(
                recipient_id=users[n % RECIPIENTS].pk,
                reason=Notification.Reason.FOLLOW_UP_DUE,
                window=f"bench-{n}",
            )
            for n in range(start, min(messages, start + batch))
        )
    seconds = time.perf_counter() - started
    return {"messages": messages, "seconds": round(seconds, 2), "per_second": messages / seconds}


def _start_workers(
    url: str, redis_url: str, queue: str, log: Path, children: int
) -> list[subprocess.Popen]:
    # Delivery keeps as many tasks at work as the workers have processes.
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "HARBOR_DELIVERY_CONCURRENCY": str(WORKERS * children),
    }
    with log.open("ab") as output:
        return [
            subprocess.Popen(  # noqa: S603 (this interpreter, our own script)
                [
                    sys.executable,
                    "-c",
                    WORKER_SCRIPT,
                    f"bench{n}-{queue}@localhost",
                    queue,
                    str(children),
                ],
                env=environment,
                stdout=output,
                stderr=output,
            )
            for n in range(WORKERS)
        ]


def deliver_backlog(url: str, redis_url: str, messages: int, children: int) -> dict[str, object]:
    """The backlog sent by real workers; seconds from the first sweep to the last row sent."""
    from django.db.models import Count

    from coordination.celery import app
    from tasks.models import Notification
    from tasks.tasks import deliver_notifications

    queue = f"harbor-bench-delivery-{uuid.uuid4().hex[:8]}"
    app.conf.broker_url = redis_url
    from django.conf import settings

    log = Path(settings.DATA_DIR) / "bench-delivery-workers.log"
    workers = _start_workers(url, redis_url, queue, log, children)
    emails = Notification.objects.filter(channel=Notification.Channel.EMAIL)
    cpu = CpuMeter(workers)
    try:
        time.sleep(8)  # the workers start and connect
        cpu.start()
        started = time.monotonic()
        next_sweep = started
        while True:
            if time.monotonic() >= next_sweep:
                deliver_notifications.apply_async(queue=queue)
                next_sweep += BEAT_SECONDS
            cpu.read()
            by_status = dict(emails.values_list("status").annotate(n=Count("pk")))
            if by_status.get(Notification.Status.SENT, 0) >= messages:
                break
            if time.monotonic() - started > 3600:
                raise RuntimeError(f"not sent after an hour: {by_status}")
            time.sleep(0.5)
        seconds = time.monotonic() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    return {
        "messages": messages,
        "seconds": round(seconds, 1),
        "per_second": round(messages / seconds, 1),
        "lag_p95_s": _lag_p95(),
        "provider_calls": dict(
            emails.values_list("attempts").annotate(n=Count("pk")).order_by("attempts")
        ),
        "workers": WORKERS,
        "children_each": children,
        "senders_each": settings.HARBOR["DELIVERY_SENDERS"],
        "cpu_ms_per_message": {
            name: round(seconds * 1000 / messages, 3) for name, seconds in cpu.used().items()
        },
    }


class CpuMeter:
    """CPU seconds used by the workers (and their pool processes) and by the database's
    backends serving them, from /proc: read every poll, so a backend that disconnects
    midway is still counted up to its last reading."""

    def __init__(self, workers: list[subprocess.Popen]) -> None:
        self.workers = [worker.pid for worker in workers]
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}

    def start(self) -> None:
        self.read()
        self.first = dict(self.last)

    def read(self) -> None:
        from django.db import connection

        from bench.memory import children_of

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        pids = {"database": backends}
        pids["workers"] = [p for w in self.workers for p in (w, *children_of(w))]
        for kind, found in pids.items():
            for pid, seconds in _cpu_seconds(found).items():
                self.last[pid], self.kind[pid] = seconds, kind

    def used(self) -> dict[str, float]:
        totals = {"workers": 0.0, "database": 0.0}
        for pid, seconds in self.last.items():
            totals[self.kind[pid]] += seconds - self.first.get(pid, 0.0)
        return totals


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process still there."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def _lag_p95() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.95) WITHIN GROUP"
            " (ORDER BY extract(epoch FROM sent_at - deliver_after))"
            " FROM tasks_notification WHERE channel = 'email'"
        )
        return round(float(cursor.fetchone()[0]), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--children", type=int, default=4, help="processes per worker (-c)")
    args = parser.parse_args()
    url = scale_url(bench_base(os.environ.get("DATABASE_URL")), "delivery")
    check_bench_url(url, scale="delivery")
    ensure_database(url)
    os.environ["REDIS_URL"] = args.redis_url
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    empty_tables()
    results = {"queued": queue_backlog(args.messages)}
    results["sent"] = deliver_backlog(url, args.redis_url, args.messages, args.children)
    queued, sent = results["queued"], results["sent"]
    print(f"queued: {queued['messages']} in {queued['seconds']} s, {queued['per_second']:.0f}/s")
    print(f"sent:   {sent['messages']} in {sent['seconds']} s, {sent['per_second']:.0f}/s")
    rate_needed = 100_000 / 300  # issue 20: 100,000 sent in under 5 minutes
    met = "met" if sent["per_second"] >= rate_needed else "MISSED"
    print(f"target: >= {rate_needed:.0f} sent/s (100,000 in 5 min): {met}")
    lag_met = "met" if sent["lag_p95_s"] <= BEAT_SECONDS + 30 else "MISSED"
    print(
        f"p95 lag due to sent: {sent['lag_p95_s']} s (target <= {BEAT_SECONDS + 30} s: {lag_met})"
    )
    print(f"rows by provider calls: {sent['provider_calls']}")
    print(f"CPU per message sent, ms: {sent['cpu_ms_per_message']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "delivery.json").write_text(json.dumps(results, indent=2))
    drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
