"""Query counts of every API read and every data page, per persona, at two or more scales.

    python -m bench.query_counts --scales 20k 200k [--database-url BASE]

Each scale's database (``bench.target.scale_url``) is measured in its own process, since
Django reads its database from the environment once. Per persona (the largest organization's
advocate and supervisor, a small partner that sees five cases, the showcase's young person)
every route is requested once to warm caches, then once more inside
``CaptureQueriesContext``. The table shows route x persona with the count at each scale;
``bench/results/query_counts.json`` holds the same. Exits 1 when any count (or status) differs
between scales: a query per row somewhere.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.test import Client

from bench.shape import PERSONA_EMAILS
from bench.target import bench_base, scale_url, setup_django

RESULTS = Path(__file__).resolve().parent / "results"
# Django's own, taken when this module is imported: the test suite swaps Client.force_login
# for a helper that adds a second factor to everyone, young people included.
DJANGO_FORCE_LOGIN = Client.force_login

Counts = dict[str, dict[str, dict[str, int]]]  # route -> persona -> {"queries", "status"}


def persona_picks() -> dict[str, tuple[object, dict[str, int]]]:
    """Each persona's user and the ids of the showcase records it requests routes with."""
    from accounts.models import User
    from cases.checkins import CheckIn
    from cases.models import (
        CareTeamMember,
        Case,
        CaseNote,
        CaseTransfer,
        Contact,
        FamilyMember,
        Flag,
        Goal,
        PlannedService,
        PlanVersion,
        Referral,
    )
    from cases.system_involvement import SystemInvolvementEvent
    from consent.models import CompelledDisclosure, Consent
    from providers.models import DirectoryService, Membership, ServiceType
    from tasks.models import FollowUp, Notification, PortalNotice

    users = {name: User.objects.get(email=email) for name, email in PERSONA_EMAILS.items()}
    case = Case.objects.get(person__user=users["young_person"])
    partner_org = Membership.objects.get(user=users["small_partner"]).organization_id

    def first(queryset: object) -> int | None:
        return queryset.order_by("pk").values_list("pk", flat=True).first()

    shared = {
        "case": case.pk,
        "person": case.person_id,
        "goal": first(Goal.objects.filter(plan__case=case)),
        "planned_service": first(
            PlannedService.objects.filter(goal__plan__case=case, provider_id=partner_org)
        ),
        "plan_version": first(PlanVersion.objects.filter(plan__case=case, status="approved")),
        "referral": first(Referral.objects.filter(case=case, to_organization_id=partner_org)),
        "consent": first(Consent.objects.filter(case=case, recipient_id=partner_org)),
        "note": first(CaseNote.objects.filter(case=case, staff_only=False)),
        "contact": first(Contact.objects.filter(case=case)),
        "flag": first(Flag.objects.filter(case=case)),
        "follow_up": first(FollowUp.objects.filter(case=case, status="open")),
        "family_member": first(FamilyMember.objects.filter(person_id=case.person_id)),
        "care_team": first(CareTeamMember.objects.filter(case=case, until__isnull=True)),
        "compelled": first(CompelledDisclosure.objects.filter(case=case)),
        "transfer": first(CaseTransfer.objects.filter(case=case)),
        "portal_notice": first(PortalNotice.objects.filter(case=case)),
        "check_in": first(CheckIn.objects.filter(case=case, corrected_by__isnull=True)),
        "system_involvement": first(
            SystemInvolvementEvent.objects.filter(case=case, removed_at__isnull=True)
        ),
        "service_type": first(ServiceType.objects.all()),
        "directory_service": first(
            DirectoryService.objects.filter(provider__member_id=case.lead_organization_id)
        ),
    }
    picked = {}
    for name, user in users.items():
        own = {
            "membership": first(Membership.objects.filter(user=user)),
            "notification": first(Notification.objects.filter(recipient=user)),
            "organization": Membership.objects.filter(user=user)
            .values_list("organization_id", flat=True)
            .first()
            or case.lead_organization_id,
        }
        ids = {**shared, **own}
        picked[name] = (user, {k: v for k, v in ids.items() if v is not None})
    return picked


def _clients(user: object) -> tuple[Client, object]:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    page = Client()
    DJANGO_FORCE_LOGIN(page, user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:  # staff signed in with their authenticator app
        session = page.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    api = APIClient()
    # As with a token, which is issued only after the second factor (api.sign_in).
    api.force_authenticate(user=user, token=Token(user=user))
    return page, api


def measure(*, warm_up: bool = True) -> Counts:
    """Counts on the current database: every readable route, every persona.

    ``warm_up=False`` when this process already requested every route (caches of templates,
    permission ids, translations are filled): then only each session's first request is
    made before measuring.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.routes import readable_routes, requests_for

    routes = readable_routes()
    counts: Counts = {}
    for persona, (user, picks) in persona_picks().items():
        page, api = _clients(user)
        planned = [
            (request, api if route.is_api else page)
            for route in routes
            for request in requests_for(route, picks)
        ]
        warm = planned if warm_up else [planned[0], next(p for p in planned if p[1] is api)]
        for request, client in warm:
            if request.url:
                client.get(request.url)
        for request, client in planned:
            entry = counts.setdefault(request.label, {})
            if request.url is None:
                entry[persona] = {"queries": -1, "status": 0}
                continue
            with CaptureQueriesContext(connection) as queries:
                response = client.get(request.url)
            entry[persona] = {"queries": len(queries), "status": response.status_code}
    return counts


def differences(by_scale: dict[str, Counts]) -> list[str]:
    """Route/persona pairs whose count or status is not the same at every scale."""
    scales = list(by_scale)
    found = []
    for route, personas in by_scale[scales[0]].items():
        for persona in personas:
            seen = {s: by_scale[s].get(route, {}).get(persona) for s in scales}
            if len({json.dumps(v, sort_keys=True) for v in seen.values()}) > 1:
                shown = ", ".join(f"{s}: {_cell(v)}" for s, v in seen.items())
                found.append(f"{route} as {persona}: {shown}")
    return found


def _cell(value: dict[str, int] | None) -> str:
    if value is None:
        return "missing"
    if value["queries"] < 0:
        return "n/a"
    status = "" if value["status"] == 200 else f" ({value['status']})"
    return f"{value['queries']}{status}"


def table(by_scale: dict[str, Counts]) -> str:
    """route x persona; each cell the counts at each scale ("12 = 12"), status when not 200."""
    scales = list(by_scale)
    personas = list(PERSONA_EMAILS)
    rows = [["route", *personas]]
    for route in by_scale[scales[0]]:
        cells = []
        for persona in personas:
            values = [_cell(by_scale[s].get(route, {}).get(persona)) for s in scales]
            cells.append(values[0] if len(set(values)) == 1 else " / ".join(values) + " !")
        rows.append([route, *cells])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _measure_in_subprocess(url: str) -> Counts:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(  # noqa: S603 (our own module, our own arguments)
            [sys.executable, "-m", "bench.query_counts", "--measure", url, "--out", out.name],
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query_counts")
    parser.add_argument("--scales", nargs="+", default=["smoke", "smoke3"])
    parser.add_argument(
        "--database-url", help="base URL (default: DATABASE_URL's server, harbor_bench)"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # one database, in this process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        setup_django(args.measure)
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client's host, e-mail kept in memory
        Path(args.out).write_text(json.dumps(measure()))
        return 0
    base = args.database_url or bench_base(os.environ.get("DATABASE_URL"))
    # One process per scale, side by side: each warms its own caches the same way.
    with ThreadPoolExecutor(max_workers=len(args.scales)) as pool:
        counts = pool.map(_measure_in_subprocess, [scale_url(base, s) for s in args.scales])
        by_scale = dict(zip(args.scales, counts, strict=True))
    found = differences(by_scale)
    print(f"Queries per request at scales {' / '.join(args.scales)} (n/a: no such record)")
    print(table(by_scale))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "query_counts.json").write_text(
        json.dumps({"scales": args.scales, "counts": by_scale, "differences": found}, indent=2)
    )
    if found:
        print(f"\n{len(found)} counts differ between scales:", *found, sep="\n  ")
        return 1
    print(f"\nAll {sum(len(p) for p in by_scale[args.scales[0]].values())} counts are equal.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
