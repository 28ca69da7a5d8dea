"""Issue 8 parts 5 and 6: the reminder sweep at scale, and the Celery worker's memory.

    python -m bench.sweep --database-url postgres://USER@HOST:5432/harbor_bench_sweep \\
        [--backlog 100000] [--redis-url redis://127.0.0.1:6379/9] [--skip-e2e] [--skip-burst]

CHANGES THE DATABASE'S FOLLOW-UPS: use a scratch copy (``createdb -T harbor_bench_200k
harbor_bench_sweep``) or a scale you regenerate. The database's name must start with
``harbor_bench``. Four measurements, each printed as a table and written to
``bench/results/sweep.json``:

1. **Claim**: the sweep's own claim loop (``tasks.sweep._claim_in_order``: one
   ``FOR UPDATE SKIP LOCKED ... LIMIT OVERDUE_BATCH_SIZE`` query per batch, read after the
   last row seen) over the overdue query (``tasks.sweep.overdue_follow_ups``, partial index
   ``followup_open_due``), applying only the escalation's conditional UPDATE of each batch
   (``tasks.rules._write_escalations``): rows claimed per second with one and with two
   sweeper processes. Every due row must be claimed exactly once.
2. **Claim and rule**: the real overdue arm of the sweep (``tasks.sweep._sweep_overdue``:
   claim, ``rules.escalate_overdue_batch``, the outbox's ``notify_many``), one and two
   processes.
3. **End to end**: a real ``celery -A coordination worker`` (prefork, two processes) over Redis
   runs the overdue arm from a task sent through the broker; due moments are spread over the
   sweep interval (60 s, the beat schedule) before the instant the tasks are sent, as a
   periodic sweep finds them. Notification rows per second, and the lag from each follow-up's
   due moment (due date plus its organization's grace period) to its first notification row,
   p50/p95.
4. **Dead index entries**: EXPLAIN ANALYZE of the sweep's first claim batch before and right
   after 100,000 due follow-ups are closed in one burst, after autovacuum's turn (where the
   server runs autovacuum) and after VACUUM, with the tables' storage parameters (the copy is
   migrated first, so they are the project's) and the server's autovacuum settings.

The Celery worker's peak resident memory (``bench.memory.peak_rss``, VmHWM) is read at the end
of the end-to-end run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from celery import shared_task

from bench.memory import peak_rss, self_peak_mib
from bench.target import bench_base, check_bench_url, scale_url, setup_django

RESULTS = Path(__file__).resolve().parent / "results"
SWEEP_INTERVAL_SECONDS = 60  # the beat schedule of tasks.tasks.sweep_follow_ups
E2E_TIMEOUT_SECONDS = 600
# The end-to-end backlog falls due this far ahead of its preparation (see measure_end_to_end).
E2E_LEAD_SECONDS = 30


# --- what a sweeper process runs -----------------------------------------------------------


def claim_due(*, now: datetime) -> int:
    """The sweep's claim loop over the overdue query (``tasks.sweep._claim_in_order``: one
    ``FOR UPDATE SKIP LOCKED`` query per batch), applying only a conditional UPDATE of the
    batch that marks it escalated (the sweep's own, ``rules._write_escalations``: what makes a
    second sweeper skip the rows for good); rows claimed."""
    from django.db.models import Min

    from providers.models import Membership
    from tasks.rules import _write_escalations
    from tasks.sweep import (
        OVERDUE_BATCH_SIZE,
        OVERDUE_FIELDS,
        Bounds,
        SweepReport,
        _claim_in_order,
        overdue_follow_ups,
    )

    marker = Membership.objects.filter(role=Membership.Role.SUPERVISOR).aggregate(
        user=Min("user_id")
    )["user"]

    def mark(rows: list) -> int:
        return _write_escalations({row.pk: marker for row in rows}, now=now)

    return _claim_in_order(
        overdue_follow_ups(now, Bounds.load()).only(*OVERDUE_FIELDS),
        field="due_at",
        apply_batch=mark,
        apply_row=lambda row: mark([row]),
        report=SweepReport(),
        size=OVERDUE_BATCH_SIZE,
    )


def sweep_overdue(*, now: datetime) -> int:
    """The real overdue arm of the sweep: claim, escalate, queue the notifications."""
    from tasks.sweep import Bounds, SweepReport, _sweep_overdue

    report = SweepReport()
    _sweep_overdue(now, Bounds.load(), report)
    return report.overdue_escalations


MODES = {"claim": claim_due, "rule": sweep_overdue}


@shared_task(name="bench.sweep_overdue", ignore_result=True)
def sweep_overdue_task() -> int:
    """Run by the benchmark's Celery worker (``-I bench.sweep``): the overdue arm, now."""
    from django.utils import timezone

    return sweep_overdue(now=timezone.now())


def run_sweeper(mode: str, start_at: float) -> dict[str, float]:
    """One sweeper process: wait for the common start, sweep, report counts and times."""
    from django.db import connection
    from django.utils import timezone

    connection.ensure_connection()
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    count = MODES[mode](now=timezone.now())
    return {"count": count, "started": started, "ended": time.time(), "peak_mib": self_peak_mib()}


# --- preparing the backlog -----------------------------------------------------------------


def prepare_backlog(size: int, *, spread_seconds: float, lead_seconds: float = 0.0) -> datetime:
    """Make exactly ``size`` open follow-ups due for escalation, their due moments (due date
    plus grace) spread over the ``spread_seconds`` before the returned instant, which is
    ``lead_seconds`` from now; push every other open follow-up a year out, and clear earlier
    runs' escalations. VACUUM ANALYZE after, so each run starts from a clean table."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from tasks.models import ContinuityRules

    default_grace = ContinuityRules._meta.get_field("overdue_grace_days").get_default()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tasks_notification WHERE reason = 'escalation'")
        cursor.execute(
            "UPDATE tasks_followup SET escalated_at = NULL, escalated_to_id = NULL,"
            " due_at = now() + interval '365 days'"
            " WHERE status = 'open' AND (escalated_at IS NOT NULL OR due_at < now() + interval"
            " '300 days')"
        )
        now = timezone.now() + timedelta(seconds=lead_seconds)
        cursor.execute(
            "UPDATE tasks_followup f SET due_at = %s"
            " - make_interval(days => COALESCE(r.overdue_grace_days, %s))"
            " - random() * %s * interval '1 second'"
            " FROM tasks_followup g LEFT JOIN tasks_continuityrules r"
            "   ON r.organization_id = g.organization_id"
            " WHERE f.id = g.id AND f.id IN"
            "   (SELECT id FROM tasks_followup WHERE status = 'open' ORDER BY id LIMIT %s)",
            [now, default_grace, spread_seconds, size],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tasks_followup")
        cursor.execute("VACUUM ANALYZE tasks_notification")
    return now


def escalated_once(size: int) -> dict[str, int]:
    """How many of the due rows were escalated, and how many escalation notifications exist
    per follow-up at most (the outbox key makes it one per channel)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tasks_followup WHERE status = 'open' AND escalated_at IS NOT NULL"
        )
        escalated = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(DISTINCT follow_up_id), COALESCE(max(n), 0) FROM"
            " (SELECT follow_up_id, channel, count(*) AS n FROM tasks_notification"
            "  WHERE reason = 'escalation' GROUP BY 1, 2) per_channel"
        )
        rows, follow_ups, most = cursor.fetchone()
    return {
        "due": size,
        "escalated": escalated,
        "notification_channels": rows,
        "notified_follow_ups": follow_ups,
        "max_per_channel": most,
    }


# --- the measurements ----------------------------------------------------------------------


def _spawn_sweepers(url: str, mode: str, count: int) -> list[dict[str, float]]:
    """``count`` sweeper processes that start their sweep at the same instant."""
    start_at = time.time() + 3.0
    command = [sys.executable, "-m", "bench.sweep", "--database-url", url, "--sweeper", mode]
    with tempfile.TemporaryDirectory() as folder:
        outs = [Path(folder) / f"sweeper-{n}.json" for n in range(count)]
        processes = [
            subprocess.Popen(  # noqa: S603 (our own module, our own arguments)
                [*command, "--start-at", str(start_at), "--out", str(out)]
            )
            for out in outs
        ]
        if any(process.wait() != 0 for process in processes):
            raise SystemExit(f"a sweeper failed ({mode})")
        return [json.loads(out.read_text()) for out in outs]


def measure_claims(url: str, backlog: int) -> list[dict[str, object]]:
    """Modes x one and two sweepers over the same backlog, each on a fresh backlog."""
    rows = []
    for mode in MODES:
        for sweepers in (1, 2):
            prepare_backlog(backlog, spread_seconds=SWEEP_INTERVAL_SECONDS)
            reports = _spawn_sweepers(url, mode, sweepers)
            seconds = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
            claimed = sum(r["count"] for r in reports)
            check = escalated_once(backlog)
            rows.append(
                {
                    "mode": mode,
                    "sweepers": sweepers,
                    "due": backlog,
                    "claimed": claimed,
                    "per_sweeper": [r["count"] for r in reports],
                    "seconds": round(seconds, 2),
                    "per_second": round(claimed / seconds),
                    "exactly_once": claimed == backlog == check["escalated"]
                    and check["max_per_channel"] <= 1,
                    "sweeper_peak_mib": max(r["peak_mib"] for r in reports),
                }
            )
            print(rows[-1], flush=True)
    return rows


def _lag_seconds() -> dict[str, float]:
    """Due moment (due date + grace) to the first notification row, per follow-up."""
    from django.db import connection

    from tasks.models import ContinuityRules

    default_grace = ContinuityRules._meta.get_field("overdue_grace_days").get_default()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.95, 1.0]) WITHIN GROUP (ORDER BY lag)"
            " FROM (SELECT extract(epoch FROM min(n.created_at) - (f.due_at"
            "   + make_interval(days => COALESCE(r.overdue_grace_days, %s)))) AS lag"
            "  FROM tasks_notification n JOIN tasks_followup f ON f.id = n.follow_up_id"
            "  LEFT JOIN tasks_continuityrules r ON r.organization_id = f.organization_id"
            "  WHERE n.reason = 'escalation' GROUP BY f.id, f.due_at, r.overdue_grace_days) lags",
            [default_grace],
        )
        p50, p95, worst = cursor.fetchone()[0]
    return {"p50_s": round(p50, 1), "p95_s": round(p95, 1), "max_s": round(worst, 1)}


def measure_end_to_end(url: str, backlog: int, redis_url: str, tasks_sent: int) -> dict:
    """A real worker over Redis: the sweep task through the broker, notification rows out."""
    from django.db import connection

    environment = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
    worker = subprocess.Popen(  # noqa: S603 (our own worker command)
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "coordination",
            "worker",
            "-I",
            "bench.sweep",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=environment,
    )
    try:
        time.sleep(8)  # the worker starts and connects to Redis
        from coordination.celery import app

        app.conf.broker_url = redis_url
        # As beat does: the sweep is sent at one instant and finds what fell due over the
        # interval before it. The backlog's due moments end E2E_LEAD_SECONDS ahead, so its
        # preparation (the worker's start, VACUUM ANALYZE) is done by then and not counted
        # in the lag; a preparation slower than that shows in due_until_to_sent_s and the lag.
        due_until = prepare_backlog(
            backlog, spread_seconds=SWEEP_INTERVAL_SECONDS, lead_seconds=E2E_LEAD_SECONDS
        )
        time.sleep(max(0.0, due_until.timestamp() - time.time()))
        sent = time.time()
        for _ in range(tasks_sent):
            sweep_overdue_task.delay()
        notified = 0
        while time.time() - sent < E2E_TIMEOUT_SECONDS:
            time.sleep(0.5)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(DISTINCT follow_up_id), count(*), max(created_at)"
                    " FROM tasks_notification WHERE reason = 'escalation'"
                )
                notified, rows, last = cursor.fetchone()
            if notified >= backlog:
                break
        memory = peak_rss(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    seconds = (last.timestamp() - sent) if last else float("nan")
    return {
        "due": backlog,
        "tasks_sent": tasks_sent,
        "worker_processes": 2,
        "notified_follow_ups": notified,
        "notification_rows": rows,
        "seconds_to_last": round(seconds, 2),
        "follow_ups_per_second": round(notified / seconds) if seconds else None,
        "notification_rows_per_second": round(rows / seconds) if seconds else None,
        "lag": _lag_seconds(),
        "due_until": due_until.isoformat(),
        "due_until_to_sent_s": round(sent - due_until.timestamp(), 2),
        "celery_worker_memory": memory,
        "check": escalated_once(backlog),
    }


CLAIM_SQL_NOTE = (
    "the sweep's first overdue claim batch: tasks.sweep.overdue_follow_ups ordered by"
    " (due_at, id), LIMIT OVERDUE_BATCH_SIZE FOR UPDATE SKIP LOCKED"
)


def _explain(sql: str, params: list) -> dict[str, object]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # FOR UPDATE takes row locks: inside a transaction, released at its end.
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    top = plan["Plan"]
    return {
        "ms": round(plan["Execution Time"], 2),
        "rows": top.get("Actual Rows"),
        "shared_buffers_hit": top.get("Shared Hit Blocks"),
        "shared_buffers_read": top.get("Shared Read Blocks"),
        "node": top.get("Node Type"),
        "index": _first_index(top),
    }


def _first_index(node: dict) -> str | None:
    if node.get("Index Name"):
        return node["Index Name"]
    for child in node.get("Plans", []):
        found = _first_index(child)
        if found:
            return found
    return None


def _autovacuum_settings() -> dict[str, object]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name LIKE 'autovacuum%' ORDER BY name"
        )
        server = dict(cursor.fetchall())
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class"
            " WHERE relname IN ('tasks_followup', 'tasks_notification')"
        )
        tables = {name: options or [] for name, options in cursor.fetchall()}
    return {"server": server, "table_storage_parameters": tables}


def _dead_tuples() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_live_tup, n_dead_tup, autovacuum_count FROM pg_stat_user_tables"
            " WHERE relname = 'tasks_followup'"
        )
        live, dead, autovacuums = cursor.fetchone()
    return {"live": live, "dead": dead, "autovacuum_count": autovacuums}


def _wait_for_autovacuum(before: int) -> dict[str, object]:
    """Wait (at most the naptime and a half) for autovacuum to visit tasks_followup; what it
    did, or why it cannot (autovacuum off on the server)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('autovacuum'), current_setting('autovacuum_naptime')"
        )
        enabled, naptime = cursor.fetchone()
    if enabled != "on":
        return {"waited_s": 0, "ran": False, "why": "autovacuum is off on this server"}
    started = time.time()
    limit = 1.5 * int(naptime.rstrip("s")) + 10
    while time.time() - started < limit:
        time.sleep(2)
        if _dead_tuples()["autovacuum_count"] > before:
            return {"waited_s": round(time.time() - started, 1), "ran": True}
    return {"waited_s": round(time.time() - started, 1), "ran": False, "why": "not in time"}


def measure_burst(burst: int) -> dict[str, object]:
    """The claim query before and right after ``burst`` due follow-ups are closed at once,
    after autovacuum has had its chance (where the server runs it), and after VACUUM."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tasks.sweep import OVERDUE_BATCH_SIZE, OVERDUE_FIELDS, Bounds, overdue_follow_ups

    prepare_backlog(burst, spread_seconds=SWEEP_INTERVAL_SECONDS)
    now = timezone.now()
    query = (
        overdue_follow_ups(now, Bounds.load())
        .only(*OVERDUE_FIELDS)
        .select_for_update(skip_locked=True)
        .order_by("due_at", "pk")[:OVERDUE_BATCH_SIZE]
    )
    with transaction.atomic():  # Django compiles FOR UPDATE only inside a transaction
        sql, params = query.query.sql_with_params()
    before = _explain(sql, list(params))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tasks_followup SET status = 'done', completed_at = now()"
            " WHERE status = 'open' AND due_at <= now()"
        )
        closed = cursor.rowcount
    stats_after = _dead_tuples()
    right_after = _explain(sql, list(params))
    second = _explain(sql, list(params))
    autovacuum = _wait_for_autovacuum(stats_after["autovacuum_count"])
    after_autovacuum = _explain(sql, list(params)) if autovacuum["ran"] else None
    stats_waited = _dead_tuples()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM tasks_followup")
    vacuum_seconds = round(time.perf_counter() - started, 1)
    after_vacuum = _explain(sql, list(params))
    return {
        "query": CLAIM_SQL_NOTE,
        "closed_in_burst": closed,
        "before": before,
        "right_after_burst": right_after,
        "second_run_after_burst": second,
        "autovacuum_wait": autovacuum,
        "after_autovacuum": after_autovacuum,
        "table_after_wait": stats_waited,
        "vacuum_seconds": vacuum_seconds,
        "after_vacuum": after_vacuum,
        "table_after_burst": stats_after,
        "autovacuum": _autovacuum_settings(),
    }


# --- the scratch copy ------------------------------------------------------------------------


def _maintenance(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), parts.path[1:]


def copy_database(template_url: str, url: str) -> None:
    """A file copy of the template database (which must have no other connections)."""
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance(url)
    template = urlsplit(template_url).path[1:]
    check_bench_url(url, scale="sweep")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance(url)
    from django.db import connections

    connections.close_all()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# --- output --------------------------------------------------------------------------------


def _table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * w for w in widths))


def print_tables(results: dict[str, object]) -> None:
    claims = results.get("claims") or []
    _table(
        "Claim throughput (due follow-ups claimed per second; target one sweeper >= 8,000)",
        ["mode", "sweepers", "due", "claimed", "per sweeper", "seconds", "per second", "once"],
        [
            [
                r["mode"],
                r["sweepers"],
                r["due"],
                r["claimed"],
                "/".join(map(str, r["per_sweeper"])),
                r["seconds"],
                r["per_second"],
                r["exactly_once"],
            ]
            for r in claims
        ],
    )
    e2e = results.get("end_to_end")
    if e2e:
        clear = e2e["due"] / e2e["follow_ups_per_second"] if e2e["follow_ups_per_second"] else 0
        _table(
            "End to end over Redis (target >= 5,000/s; p95 lag <= 70 s)",
            ["due", "notified", "rows", "seconds", "follow-ups/s", "rows/s", "lag p50", "p95"],
            [
                [
                    e2e["due"],
                    e2e["notified_follow_ups"],
                    e2e["notification_rows"],
                    e2e["seconds_to_last"],
                    e2e["follow_ups_per_second"],
                    e2e["notification_rows_per_second"],
                    e2e["lag"]["p50_s"],
                    e2e["lag"]["p95_s"],
                ]
            ],
        )
        print(
            f"100,000 backlog at this rate: {100_000 / max(e2e['follow_ups_per_second'], 1):.0f} s"
            f" (this run: {clear:.0f} s for {e2e['due']})"
        )
        memory = e2e["celery_worker_memory"]
        print(f"Celery worker peak RSS (VmHWM): {memory['processes_mib']} MiB")
    burst = results.get("burst")
    if burst:
        _table(
            f"Overdue claim query around a burst of {burst['closed_in_burst']} closes",
            ["moment", "ms", "rows", "buffers hit", "read", "index"],
            [
                [name, p["ms"], p["rows"], p["shared_buffers_hit"], p["shared_buffers_read"],
                 p["index"]]
                for name, p in (
                    ("before", burst["before"]),
                    ("right after", burst["right_after_burst"]),
                    ("second run", burst["second_run_after_burst"]),
                    ("after autovacuum", burst["after_autovacuum"]),
                    ("after VACUUM", burst["after_vacuum"]),
                )
                if p is not None
            ],
        )  # fmt: skip
        print(f"table after the burst: {burst['table_after_burst']}")
        print(f"autovacuum: {burst['autovacuum_wait']}; then {burst['table_after_wait']}")
        print(f"storage parameters: {burst['autovacuum']['table_storage_parameters']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the database to sweep (default: the copy)")
    parser.add_argument(
        "--copy-of",
        metavar="SCALE",
        help="sweep a fresh copy of this scale's database (harbor_bench_sweep), dropped after",
    )
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--e2e-backlog", type=int, default=None)
    parser.add_argument("--burst", type=int, default=100_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--e2e-tasks", type=int, default=2)
    parser.add_argument("--skip-claims", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--sweeper", choices=list(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sweeper:
        os.environ["REDIS_URL"] = args.redis_url
        setup_django(args.database_url)
        Path(args.out).write_text(json.dumps(run_sweeper(args.sweeper, args.start_at)))
        return 0
    if args.copy_of:
        base = bench_base(os.environ.get("DATABASE_URL"))
        args.database_url = scale_url(base, "sweep")
        copy_database(scale_url(base, args.copy_of), args.database_url)
    try:
        return measure_all(args)
    finally:
        if args.copy_of:
            drop_database(args.database_url)


def measure_all(args: argparse.Namespace) -> int:
    """Every measurement on ``args.database_url``; the tables, and bench/results/sweep.json."""
    check_bench_url(args.database_url, scale="sweep")
    os.environ["REDIS_URL"] = args.redis_url
    setup_django(args.database_url)
    from django.core.management import call_command

    # The copy may predate the tasks app's newest migrations (the hot tables' autovacuum
    # settings among them): measure what the project ships.
    call_command("migrate", "tasks", verbosity=0)
    results: dict[str, object] = {"database": args.database_url.rpartition("/")[2]}
    if not args.skip_claims:
        results["claims"] = measure_claims(args.database_url, args.backlog)
    if not args.skip_e2e:
        results["end_to_end"] = measure_end_to_end(
            args.database_url, args.e2e_backlog or args.backlog, args.redis_url, args.e2e_tasks
        )
        print(results["end_to_end"], flush=True)
    if not args.skip_burst:
        results["burst"] = measure_burst(args.burst)
    print_tables(results)
    RESULTS.mkdir(exist_ok=True)
    name = "sweep.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2, default=str))
    ok = all(r["exactly_once"] for r in results.get("claims", []))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
