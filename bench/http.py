"""API latency and throughput under load, beside the stock way and the machine's ceiling.

    python -m bench.http --scales 20k 200k [--database-url BASE] [--duration 8]

Per scale, in a process of its own: the scale's database is copied (``harbor_bench_<scale>_http``,
so the guardian rows of the stock way, the revoked consents and the access events the load
writes stay out of the generated data), then prepared: API tokens for the personas, a signed-in
supervisor session with its second factor, guardian's generic tables mirrored from Harbor's
rows (``bench.stock``), a pool of active consents for the revokes. Each endpoint's server-side
query count is measured in-process with the test client. Then gunicorn (2 sync workers, DEBUG
off, ``bench.settings``) serves the copy on a free loopback port and wrk (one thread) drives
each endpoint at each concurrency. Prints a table, writes ``bench/results/http.json``; the
copy is dropped afterwards unless ``--keep-copy``.

Needs wrk (``apt-get install -y wrk``). Exits 1 when a run saw errors or unexpected statuses.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.memory import peak_rss
from bench.shape import PERSONA_EMAILS
from bench.target import bench_base, database_name, ensure_database, scale_url

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
LUA = BENCH / "lua"
WORKERS = 2
# Targets of issues 8 and 20, checked and printed after each scale.
CASELOAD_P95_MS = 30
STOCK_RATIO = 10
CEILING_SHARE = 0.60  # issue 20 (issue 8 asked 40 %)
REVOKE_P95_MS = 20


@dataclass(frozen=True)
class Endpoint:
    """One thing to load: what, as whom, and how."""

    name: str
    persona: str
    path: str
    method: str = "GET"
    token: str | None = None  # API token; else the session cookie
    cookie: str | None = None
    pool: str | None = None  # a file of consent ids: each request revokes the next one


@dataclass
class Run:
    endpoint: str
    persona: str
    concurrency: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    errors: int


@dataclass
class ScaleResult:
    scale: str
    duration: int
    concurrencies: list[int]
    queries: dict[str, int] = field(default_factory=dict)  # "endpoint as persona" -> count
    # In-process CPU per request (median of CPU_SAMPLES, test client, this process only): steadier
    # than latency on a shared machine, and what a change to Harbor's own code moves.
    cpu_ms: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    explain: dict[str, str] = field(default_factory=dict)
    prepared: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)  # gunicorn's peak RSS, bench.memory
    problems: list[str] = field(default_factory=list)


# -- the copy ------------------------------------------------------------------------------


def copy_url(source: str) -> str:
    vendor, _ = database_name(source)
    if vendor == "sqlite":
        return source.replace(".sqlite3", "_http.sqlite3")
    return f"{source}_http"


def copy_database(source: str, target: str, *, reuse: bool) -> None:
    """``target`` as a copy of ``source`` (PostgreSQL's template copy; a file copy on SQLite)."""
    vendor, source_name = database_name(source)
    if vendor == "sqlite":
        source_file, target_file = (Path(u.split("///", 1)[1]) for u in (source, target))
        if not (reuse and target_file.exists()):
            shutil.copyfile(source_file, target_file)
        return
    import psycopg
    from psycopg import sql

    _, target_name = database_name(target)
    maintenance = target.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target_name])
        if exists.fetchone():
            if reuse:
                return
            conn.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(target_name))
            )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target_name), sql.Identifier(source_name)
            )
        )
    # Every run starts from the same physical state, whatever ran on the scale before (the
    # permission-sync benchmark's rolled-back writes leave dead rows where autovacuum is off).
    copy = target.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(copy, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def drop_database(url: str) -> None:
    vendor, name = database_name(url)
    if vendor == "sqlite":
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    maintenance = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def server_environment(url: str, data_dir: str) -> dict[str, str]:
    """Harbor's own settings variables for a loopback benchmark server; nothing else changes."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        # Broker and cache files of the run's own, not the developer's .data/.
        "HARBOR_DATA_DIR": data_dir,
    }


# -- preparing the copy (in the scale's process, Django set up on the copy) -----------------


def consent_pool(*, user_id: int, size: int) -> list[int]:
    """``size`` new active consents on the persona's cases, round-robin over the cases so that
    concurrent revokes rarely lock the same case; their partner rows written by the real sync."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case
    from consent.models import CaseUserObjectPermission, Consent
    from consent.permissions import VIEW_CASE, case_permission_ids, sync_case_permissions
    from consent.services import principal_id_for
    from providers.models import Organization

    case_ids = list(
        CaseUserObjectPermission.objects.filter(
            user_id=user_id, permission_id=case_permission_ids()[VIEW_CASE]
        )
        .order_by("content_object_id")
        .values_list("content_object_id", flat=True)
    )
    cases = Case.objects.in_bulk(case_ids)
    from bench.shape import PARTNER_EMAIL
    from providers.models import Membership

    # Not the personas' organizations: the partner must keep seeing its five cases.
    personas = Membership.objects.filter(user__email__in=[PARTNER_EMAIL]).values("organization")
    organizations = list(
        Organization.objects.exclude(pk__in=personas).order_by("pk").values_list("pk", flat=True)
    )
    template = Consent.objects.filter(status=Consent.Status.ACTIVE).order_by("pk").first()
    now = timezone.now()
    made = []
    for n in range(size):
        case = cases[case_ids[n % len(case_ids)]]
        others = [o for o in organizations if o != case.lead_organization_id]
        made.append(
            Consent(
                case=case,
                subject_id=case.person_id,
                recipient_id=others[n % len(others)],
                categories=template.categories,
                purpose=template.purpose,
                starts_at=now - timezone.timedelta(days=1),
                expires_at=now + timezone.timedelta(days=80),
                status=Consent.Status.ACTIVE,
                signer_rule=template.signer_rule,
                principal_id=principal_id_for(case),
                created_by_id=user_id,
                submitted_at=now - timezone.timedelta(days=1),
                activated_at=now - timezone.timedelta(days=1),
            )
        )
    with transaction.atomic():
        created = Consent.objects.bulk_create(made, batch_size=1000)
        for case_id in sorted({c.case_id for c in created}):
            sync_case_permissions(case_id, now=now)
    return [c.pk for c in created]


def prepare(*, pool_size: int, work: Path) -> tuple[list[Endpoint], dict[str, Any]]:
    """Tokens, the supervisor's session, guardian's generic rows, the revoke pool: the
    endpoints to load, and what was made."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from bench.query_counts import DJANGO_FORCE_LOGIN
    from bench.stock import mirror_guardian_rows, stock_payload
    from cases.models import Case

    users = {name: User.objects.get(email=email) for name, email in PERSONA_EMAILS.items()}
    tokens = {}
    for persona in ("advocate", "small_partner"):
        Token.objects.filter(user=users[persona]).delete()
        tokens[persona] = Token.objects.create(user=users[persona]).key
    supervisor = users["supervisor"]
    page = Client()
    DJANGO_FORCE_LOGIN(page, supervisor)
    session = page.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=supervisor).persistent_id
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={page.cookies[settings.SESSION_COOKIE_NAME].value}"

    started = time.perf_counter()
    mirrored = mirror_guardian_rows(now=timezone.now())
    mirror_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pool = consent_pool(user_id=users["advocate"].pk, size=pool_size)
    pool_seconds = time.perf_counter() - started
    pool_file = work / "revoke-pool.txt"
    pool_file.write_text("\n".join(str(pk) for pk in pool) + "\n")

    showcase = Case.objects.get(person__user=users["young_person"]).pk
    endpoints = []
    for persona in ("advocate", "small_partner"):
        api = Client(headers={"authorization": f"Token {tokens[persona]}"})
        first_page = stock_payload(api.get("/api/v1/cases/").json())
        ids = ",".join(str(pk) for pk in first_page)
        endpoints += [
            Endpoint("caseload harbor", persona, "/api/v1/cases/", token=tokens[persona]),
            Endpoint("caseload stock", persona, "/bench/stock/cases/", token=tokens[persona]),
            Endpoint("caseload ceiling", persona, f"/bench/ceiling/cases/?ids={ids}"),
            Endpoint("case detail", persona, f"/api/v1/cases/{showcase}/", token=tokens[persona]),
        ]
    endpoints += [
        Endpoint(
            "consent revoke",
            "advocate",
            "/api/v1/consents/{id}/revoke/",
            method="POST",
            token=tokens["advocate"],
            pool=str(pool_file),
        ),
        Endpoint(
            "dashboard", "supervisor", reverse("frontend:supervisor-dashboard"), cookie=cookie
        ),
    ]
    made = {
        "guardian rows mirrored": mirrored,
        "mirror seconds": round(mirror_seconds, 1),
        "revoke pool": len(pool),
        "revoke pool seconds": round(pool_seconds, 1),
        "caseload page sizes": {
            e.persona: e.path.count(",") + 1 for e in endpoints if e.name == "caseload ceiling"
        },
    }
    return endpoints, made


def _client_for(endpoint: Endpoint) -> Any:
    from django.test import Client

    headers = {}
    if endpoint.token:
        headers["authorization"] = f"Token {endpoint.token}"
    if endpoint.cookie:
        headers["cookie"] = endpoint.cookie
    return Client(headers=headers)


def _request(client: Any, endpoint: Endpoint, pool: list[str]) -> Any:
    if endpoint.pool:
        path = endpoint.path.format(id=pool.pop())
        body = {"channel": "staff_spoken", "reason": "benchmark"}
        return client.post(path, body, content_type="application/json")
    return client.get(endpoint.path)


def count_queries(endpoints: list[Endpoint], result: ScaleResult) -> None:
    """Each endpoint once to warm the process, then once inside ``CaptureQueriesContext``.

    Two revokes come from the end of the pool, which the load then never reaches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for endpoint in endpoints:
        client = _client_for(endpoint)
        pool = Path(endpoint.pool).read_text().split() if endpoint.pool else []
        _request(client, endpoint, pool)
        with CaptureQueriesContext(connection) as queries:
            response = _request(client, endpoint, pool)
        key = f"{endpoint.name} as {endpoint.persona}"
        result.queries[key] = len(queries)
        result.cpu_ms[key] = cpu_per_request(client, endpoint, pool)
        result.statuses[key] = response.status_code
        if response.status_code != 200:
            result.problems.append(f"{key}: status {response.status_code} in-process")
        if endpoint.name.startswith("caseload") and connection.vendor == "postgresql":
            result.explain[key] = explain_page_query(list(queries))


CPU_SAMPLES = 40


def cpu_per_request(client: Any, endpoint: Endpoint, pool: list[str]) -> float:
    """Median CPU time of this process per request, in ms (the database's own is not in it)."""
    samples = []
    for _ in range(CPU_SAMPLES):
        started = time.process_time()
        _request(client, endpoint, pool)
        samples.append(time.process_time() - started)
    return round(statistics.median(samples) * 1000, 2)


def explain_page_query(queries: list[dict[str, str]]) -> str:
    """EXPLAIN ANALYZE of the statements that read cases (the page; the stock way's COUNT)."""
    from django.db import connection

    plans = []
    for query in queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or 'FROM "cases_case"' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(f"-- {sql[:160]}...\n{plan}")
    return "\n\n".join(plans)


# -- the server and the load ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(environment: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "coordination.wsgi",
        "--config",  # as in production: query strings' values masked in its logs
        "python:coordination.gunicorn_conf",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "300",  # the stock list takes many seconds at 200k; it must finish, not be killed
    ]
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603 (our own server, our own arguments)
            command, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server  # answering (401): up
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 90 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def status_over_http(port: int, endpoint: Endpoint) -> int:
    """One GET through the real server, to be sure the load measures answers, not refusals."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{endpoint.path}")
    if endpoint.token:
        request.add_header("Authorization", f"Token {endpoint.token}")
    if endpoint.cookie:
        request.add_header("Cookie", endpoint.cookie)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=600) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def wrk(port: int, endpoint: Endpoint, *, concurrency: int, seconds: int, offset: int) -> dict:
    """One wrk run; the numbers its Lua report printed. ``offset``: where the pool starts."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s"]
    if endpoint.token:
        command += ["-H", f"Authorization: Token {endpoint.token}"]
    if endpoint.cookie:
        command += ["-H", f"Cookie: {endpoint.cookie}"]
    arguments: list[str] = []
    if endpoint.pool:
        remaining = Path(endpoint.pool).read_text().split()[offset:]
        chunk = Path(endpoint.pool).with_suffix(f".{offset}.txt")
        chunk.write_text("\n".join(remaining) + "\n")
        command += ["-H", "Content-Type: application/json", "-s", str(LUA / "revoke.lua")]
        arguments = ["--", str(chunk)]
        path = "/"
    else:
        command += ["-s", str(LUA / "report.lua")]
        path = endpoint.path
    command += [f"http://127.0.0.1:{port}{path}", *arguments]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(x for x in output.splitlines() if x.startswith("HARBOR_WRK "))
    return json.loads(line.removeprefix("HARBOR_WRK "))


SLOW_SECONDS = 2.0
SLOW_REQUESTS = 3


def sequential(port: int, endpoint: Endpoint) -> Run:
    """An endpoint too slow for wrk's window: a few requests one after another (c=1)."""
    times = []
    for _ in range(SLOW_REQUESTS):
        started = time.perf_counter()
        status_over_http(port, endpoint)
        times.append(time.perf_counter() - started)
    times.sort()
    mean = sum(times) / len(times)
    print(f"  {endpoint.name} as {endpoint.persona} sequential: {times}", flush=True)
    return Run(
        endpoint=endpoint.name,
        persona=endpoint.persona,
        concurrency=1,
        requests=len(times),
        seconds=round(sum(times), 2),
        rps=round(1 / mean, 3),
        p50_ms=round(times[len(times) // 2] * 1000, 1),
        p95_ms=round(times[-1] * 1000, 1),
        p99_ms=round(times[-1] * 1000, 1),
        mean_ms=round(mean * 1000, 1),
        errors=0,
    )


def load(port: int, endpoints: list[Endpoint], result: ScaleResult) -> None:
    """Per endpoint: a 2-second warm-up (both workers), then each concurrency for the duration."""
    offsets: dict[str, int] = {}
    for endpoint in endpoints:
        if not endpoint.pool:
            started = time.perf_counter()
            status = status_over_http(port, endpoint)
            if status != 200:
                result.problems.append(f"{endpoint.name} as {endpoint.persona}: HTTP {status}")
                continue
            if time.perf_counter() - started > SLOW_SECONDS:
                result.runs.append(sequential(port, endpoint))
                continue
        plan = [(2, 2), *((c, result.duration) for c in result.concurrencies)]
        for index, (concurrency, seconds) in enumerate(plan):
            offset = offsets.get(endpoint.name, 0)
            numbers = wrk(port, endpoint, concurrency=concurrency, seconds=seconds, offset=offset)
            # Requests still in flight at the end may have used ids too.
            offsets[endpoint.name] = offset + numbers["requests"] + 2 * concurrency
            if index == 0:
                continue  # the warm-up
            elapsed = numbers["duration_us"] / 1e6
            errors = numbers["non_2xx_3xx"] + numbers["socket_errors"]
            result.runs.append(
                Run(
                    endpoint=endpoint.name,
                    persona=endpoint.persona,
                    concurrency=concurrency,
                    requests=numbers["requests"],
                    seconds=round(elapsed, 2),
                    rps=round(numbers["requests"] / elapsed, 1),
                    p50_ms=round(numbers["p50_us"] / 1000, 1),
                    p95_ms=round(numbers["p95_us"] / 1000, 1),
                    p99_ms=round(numbers["p99_us"] / 1000, 1),
                    mean_ms=round(numbers["mean_us"] / 1000, 1),
                    errors=errors,
                )
            )
            if errors:
                result.problems.append(
                    f"{endpoint.name} as {endpoint.persona} at {concurrency}: {errors} errors"
                )
            print(f"  {endpoint.name} as {endpoint.persona} c={concurrency}: {numbers}", flush=True)


def run_scale(
    scale: str,
    base: str,
    *,
    duration: int,
    concurrencies: list[int],
    pool: int,
    keep: bool,
    only: list[str] | None = None,
) -> ScaleResult:
    """Everything for one scale, in this process (Django is set up on the scale's copy)."""
    source = scale_url(base, scale)
    target = copy_url(source)
    work = Path(tempfile.mkdtemp(prefix="harbor-bench-http-"))
    (work / "data" / "static").mkdir(parents=True)  # WhiteNoise's root: nothing to serve
    environment = server_environment(target, str(work / "data"))
    result = ScaleResult(scale=scale, duration=duration, concurrencies=concurrencies)
    started = time.perf_counter()
    ensure_database(source)
    copy_database(source, target, reuse=keep)
    result.prepared["copy seconds"] = round(time.perf_counter() - started, 1)
    os.environ.update(environment)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host; e-mail kept in memory
    endpoints, made = prepare(pool_size=pool, work=work)
    if only:
        endpoints = [endpoint for endpoint in endpoints if endpoint.name in only]
    result.prepared.update(made)
    count_queries(endpoints, result)
    connection.close()
    port = free_port()
    server = start_server(environment, port, work / "gunicorn.log")
    try:
        load(port, endpoints, result)
        result.memory = peak_rss(server.pid)  # before stopping: VmHWM of live processes only
    finally:
        stop_server(server)
    log = (work / "gunicorn.log").read_text()
    if "Traceback" in log:
        result.problems.append(f"server errors, see {work / 'gunicorn.log'}")
    if not keep:
        drop_database(target)
    return result


# -- reporting -------------------------------------------------------------------------------


def table(result: ScaleResult) -> str:
    header = ["endpoint", "persona", "c", "rps", "p50 ms", "p95 ms", "p99 ms", "queries", "cpu ms"]
    rows = [[*header, "errors"]]
    for run in result.runs:
        key = f"{run.endpoint} as {run.persona}"
        queries = result.queries.get(key, -1)
        rows.append(
            [
                run.endpoint,
                run.persona,
                str(run.concurrency),
                f"{run.rps:.1f}",
                f"{run.p50_ms:.1f}",
                f"{run.p95_ms:.1f}",
                f"{run.p99_ms:.1f}",
                str(queries),
                f"{result.cpu_ms.get(key, 0.0):.1f}",
                str(run.errors),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _find(result: ScaleResult, endpoint: str, persona: str, concurrency: int) -> Run | None:
    return next(
        (
            r
            for r in result.runs
            if (r.endpoint, r.persona, r.concurrency) == (endpoint, persona, concurrency)
        ),
        None,
    )


def verdicts(result: ScaleResult) -> list[str]:
    """Harbor / stock and Harbor / ceiling throughput, and each target: met or missed."""
    lines = []
    for persona in ("advocate", "small_partner"):
        for concurrency in result.concurrencies:
            harbor = _find(result, "caseload harbor", persona, concurrency)
            stock = _find(result, "caseload stock", persona, concurrency)
            stock_rps = stock.rps if stock else 0.0
            one_at_a_time = _find(result, "caseload stock", persona, 1)
            if stock is None and one_at_a_time:
                # Too slow for wrk: at best both workers serve it at once.
                stock_rps = one_at_a_time.rps * min(concurrency, WORKERS)
            ceiling = _find(result, "caseload ceiling", persona, concurrency)
            if not (harbor and stock_rps and ceiling):
                continue
            over_stock = harbor.rps / stock_rps
            share = harbor.rps / ceiling.rps
            lines.append(
                f"caseload as {persona} at c={concurrency}: Harbor/stock {over_stock:.2f}x "
                f"({_met(over_stock >= STOCK_RATIO)} >= {STOCK_RATIO}x), Harbor/ceiling "
                f"{share:.0%} ({_met(share >= CEILING_SHARE)} >= {CEILING_SHARE:.0%})"
            )
        harbor = _find(result, "caseload harbor", persona, 2)
        if harbor:
            lines.append(
                f"caseload as {persona} p95 at c=2: {harbor.p95_ms:.1f} ms "
                f"({_met(harbor.p95_ms <= CASELOAD_P95_MS)} <= {CASELOAD_P95_MS} ms)"
            )
    revoke = _find(result, "consent revoke", "advocate", 2)
    if revoke:
        lines.append(
            f"consent revoke p95 at c=2: {revoke.p95_ms:.1f} ms "
            f"({_met(revoke.p95_ms <= REVOKE_P95_MS)} <= {REVOKE_P95_MS} ms)"
        )
    lines += [
        f"in-process CPU per request, {key}: {ms:.1f} ms" for key, ms in result.cpu_ms.items()
    ]
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(result: ScaleResult) -> str:
    head = (
        f"Scale {result.scale}: gunicorn {WORKERS} sync workers, wrk -t1, "
        f"{result.duration} s per row after a 2 s warm-up; queries: server-side, per request"
    )
    master = str(result.memory.get("pid"))  # the JSON round trip made the keys strings
    workers = [
        mib for pid, mib in result.memory.get("processes_mib", {}).items() if str(pid) != master
    ]
    memory = (
        f"gunicorn peak resident memory: largest worker {max(workers):.0f} MiB, "
        f"master and workers {result.memory['sum_mib']:.0f} MiB"
        if workers
        else "gunicorn peak resident memory: not read"
    )
    return "\n".join([head, table(result), "", *verdicts(result), memory])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scales", nargs="+", default=["20k", "200k"])
    parser.add_argument("--database-url", help="base URL (default: DATABASE_URL's, harbor_bench)")
    parser.add_argument("--duration", type=int, default=8, help="seconds per row")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--pool", type=int, default=4000, help="consents made for revoking")
    parser.add_argument("--keep-copy", action="store_true", help="keep (and reuse) the copy")
    parser.add_argument(
        "--only",
        nargs="+",
        help='endpoints to load, by name ("caseload harbor", "consent revoke", ...); default all',
    )
    parser.add_argument("--run", help=argparse.SUPPRESS)  # one scale, in this process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench.http needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    base = args.database_url or bench_base(os.environ.get("DATABASE_URL"))
    if args.run:
        result = run_scale(
            args.run,
            base,
            duration=args.duration,
            concurrencies=args.concurrency,
            pool=args.pool,
            keep=args.keep_copy,
            only=args.only,
        )
        Path(args.out).write_text(json.dumps(asdict(result)))
        return 0
    results = {}
    for scale in args.scales:
        out = Path(tempfile.mkdtemp()) / "result.json"
        command = [sys.executable, "-m", "bench.http", "--run", scale, "--out", str(out)]
        command += ["--database-url", base, "--duration", str(args.duration), "--pool"]
        command += [str(args.pool), "--concurrency", *map(str, args.concurrency)]
        command += ["--keep-copy"] if args.keep_copy else []
        command += ["--only", *args.only] if args.only else []
        subprocess.run(command, check=True)  # noqa: S603 (our own module)
        data = json.loads(out.read_text())
        data["runs"] = [Run(**run) for run in data["runs"]]
        results[scale] = ScaleResult(**data)
        print(report(results[scale]), flush=True)
        print()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http.json").write_text(
        json.dumps({s: asdict(r) for s, r in results.items()}, indent=2)
    )
    problems = [f"{s}: {p}" for s, r in results.items() for p in r.problems]
    if problems:
        print("Problems:", *problems, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
