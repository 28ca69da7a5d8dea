"""Issue 20 point 7: how fast the access log takes events, and how long appends wait to chain.

On a database of its own (``harbor_bench_access``, emptied and migrated first), C client
processes each append a caseload page's events (50 allowed list events, one bulk insert in
its own transaction, as ``AccessLogMiddleware`` writes them after a response) as fast as they
can for ``--seconds``. Printed per concurrency: **events chained per second**, appends per
second, the time taken to take a lane and read its head (two statements), and the time an
append waited for a lock held by another append (with lanes: only when every lane was held;
before them, the one lock), as a share of the append and of a caseload request's in-process
time (``--request-ms``, measured by ``bench.http``). The chain is verified afterwards.

Each run is made twice: with the page's 50 events one per case (as every list wrote them before
R24's page event, and as detail reads and refusals still write them), and as the one page event
a list writes now (one row naming the 50 cases). The second also prints the case accesses it
recorded per second.

``python -m bench.access_log --clients 8 32`` (``DATABASE_URL`` names the server). Results:
bench/results/access_log.json.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.target import (
    bench_base,
    check_bench_url,
    empty_tables,
    ensure_database,
    scale_url,
    setup_django,
)

RESULTS = Path(__file__).resolve().parent / "results"
PAGE = 50
EVENTS_PER_SECOND = 20_000  # issue 20 point 7
LOCK_SHARE = 0.05
# A caseload page's in-process time (bench.http, 200k, advocate): the base of the lock's share.
REQUEST_MS = 30.0


def _client(url: str, seconds: float, paged: bool, start: Any, out: Any) -> None:
    setup_django(url)
    from django.db import connection

    from consent import access_log
    from consent.access_log import EventDraft, page_events

    acquiring: list[float] = []
    waits: list[float] = []

    def timed(function: Any, into: list[float]) -> Any:
        def wrapper(*args: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args)
            finally:
                into.append(time.perf_counter() - began)

        return wrapper

    # Taking a lane and reading its head (two statements) ...
    if hasattr(access_log, "_wait_for_lane"):
        access_log._acquire_chain = timed(access_log._acquire_chain, acquiring)
        # ... of which waiting, only when every lane was held.
        access_log._wait_for_lane = timed(access_log._wait_for_lane, waits)
    else:  # the code before lanes (to measure it the same way): one lock, always waited for
        access_log._lock_chain = timed(access_log._lock_chain, acquiring)
        waits = acquiring
    drafts = [
        EventDraft(
            user_id=1,
            action="list",
            outcome="allowed",
            case_id=case_id,
            organization_id=1,
            role="advocate",
            categories=("identity", "contact"),
            basis="care_team",
            purpose="care_coordination",
        )
        for case_id in range(1, PAGE + 1)
    ]
    if paged:
        drafts = page_events(drafts)
    connection.ensure_connection()
    start.wait()
    appends, durations = 0, []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        access_log.record_events(drafts, request_id="bench")
        durations.append(time.perf_counter() - began)
        appends += 1
    out.put(
        {
            "appends": appends,
            "rows": len(drafts),
            "durations": durations,
            "acquiring": acquiring,
            "waits": waits,
        }
    )


def run(url: str, clients: int, seconds: float, *, paged: bool) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(clients + 1), context.Queue()
    workers = [
        context.Process(target=_client, args=(url, seconds, paged, start, out))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    reports = [out.get() for _ in workers]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    appends = sum(r["appends"] for r in reports)
    durations = [d for r in reports for d in r["durations"]]
    waits = sum(w for r in reports for w in r["waits"])
    acquiring = sum(a for r in reports for a in r["acquiring"])
    rows = reports[0]["rows"]
    return {
        "clients": clients,
        "page_event": paged,
        "seconds": round(elapsed, 2),
        "appends": appends,
        "events_per_second": round(appends * rows / elapsed),
        "case_accesses_per_second": round(appends * PAGE / elapsed),
        "append_p50_ms": round(statistics.median(durations) * 1000, 2),
        "append_p95_ms": round(statistics.quantiles(durations, n=20)[-1] * 1000, 2),
        "acquire_mean_ms": round(acquiring / appends * 1000, 3),
        "lock_wait_mean_ms": round(waits / appends * 1000, 3),
        "lock_share_of_append": round(waits / sum(durations), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--request-ms", type=float, default=REQUEST_MS)
    args = parser.parse_args(argv)
    url = scale_url(bench_base(os.environ.get("DATABASE_URL")), "access")
    check_bench_url(url, scale="access")
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from consent.access_log import verify_chain

    call_command("migrate", verbosity=0)
    empty_tables()
    connection.close()
    results = [
        run(url, clients, args.seconds, paged=paged)
        for paged in (False, True)
        for clients in args.clients
    ]
    broken = verify_chain()
    for paged in (False, True):
        print(
            "a list page as one page event (R24): events/s are rows, each naming 50 cases"
            if paged
            else "one event per case (detail reads, refusals; every list before R24)"
        )
        print(
            "clients  events/s  case accesses/s  appends  p50 ms  p95 ms  take lane ms  "
            "lock wait ms  of append  of request"
        )
        for r in (r for r in results if r["page_event"] == paged):
            of_request = r["lock_wait_mean_ms"] / args.request_ms
            r["lock_share_of_request"] = round(of_request, 3)
            print(
                f"{r['clients']:>7}  {r['events_per_second']:>8}  "
                f"{r['case_accesses_per_second']:>15}  {r['appends']:>7}  "
                f"{r['append_p50_ms']:>6}  {r['append_p95_ms']:>6}  {r['acquire_mean_ms']:>12}  "
                f"{r['lock_wait_mean_ms']:>12}  {r['lock_share_of_append']:>9.1%}  "
                f"{of_request:>10.1%}"
            )
    for r in results:
        rate_met = "met" if r["events_per_second"] >= EVENTS_PER_SECOND else "MISSED"
        share_met = "met" if r["lock_share_of_request"] <= LOCK_SHARE else "MISSED"
        kind = "page events" if r["page_event"] else "single events"
        print(
            f"{kind}, c={r['clients']}: {r['events_per_second']} events chained/s "
            f"(target >= {EVENTS_PER_SECOND}: {rate_met}), {r['case_accesses_per_second']} case "
            f"accesses recorded/s; lock wait {r['lock_share_of_request']:.1%} of a "
            f"{args.request_ms:.0f} ms caseload request (target <= {LOCK_SHARE:.0%}: {share_met})"
        )
    print(f"chain check after the run: {'intact' if broken is None else broken}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "access_log.json").write_text(json.dumps(results, indent=2))
    return 0 if broken is None else 1


if __name__ == "__main__":
    sys.exit(main())
