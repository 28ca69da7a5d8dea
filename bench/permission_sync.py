"""Issue 8 part 4: the cost of the permission sync, at two or more scales.

    python -m bench.permission_sync --scales 20k 200k [--database-url BASE] [--repeat 40]
        [--use 200k=postgres://.../harbor_bench_sweep]

The operations run through the real services, each in a transaction that is rolled back, so the
data stays as generated: granting a consent (the young person's signature that activates a
pending consent: ``consent.services.add_signature``), revoking an active consent
(``revoke_consent``) and changing an organization's membership (adding an advocate, and
suspending or restoring one: ``providers.services.set_membership_active``; the receiver
re-derives the person's rows on their whole caseload). Suspending and restoring an organization
(its cases and the consents it holds) run on a few organizations. Each runs ``--repeat`` times
on different rows; the table gives p50 and p95 wall time and the queries per operation at each
scale. Writes ``bench/results/permission_sync.json``.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.target import bench_base, scale_url, setup_django

RESULTS = Path(__file__).resolve().parent / "results"
EVIDENCE_SHA256 = "0" * 64
ORGANIZATIONS = 5  # suspending or restoring an organization re-derives all it leads


Run = Callable[[], object] | tuple[Callable[[], object], Callable[[], object]]


def _time(run: Run) -> tuple[float, int]:
    """Wall milliseconds and queries of one operation, rolled back afterwards. A pair is
    (setup, operation): the setup runs first in the same transaction, untimed."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    setup, operation = run if isinstance(run, tuple) else (None, run)
    connection.queries_log.clear()  # the log keeps 9,000: start each count from empty
    with transaction.atomic():
        if setup is not None:
            setup()
            connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            operation()
            elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed, len(captured)


def _last_signer(consent: object) -> tuple[bool, object] | None:
    """(young person signs?, parent) for a pending consent one signature from active."""
    from cases.models import FamilyMember
    from consent.models import SignerRole
    from consent.services import missing_signers
    from consent.signers import why_not_a_signer

    missing = missing_signers(consent)
    if len(missing) != 1:
        return None
    if not any(s.signer_role == SignerRole.YOUNG_PERSON for s in consent.signatures.all()):
        return True, None
    for member in FamilyMember.objects.filter(person_id=consent.subject_id).order_by("pk"):
        if not why_not_a_signer(member, consent.signer_rule):
            return False, member
    return None


def _grantable(limit: int) -> list[tuple[object, object]]:
    """Pending consents whose next signature activates them, with the signer (None: the young
    person; else the parent): the last signature is what grants access."""
    from consent.models import Consent

    pending = Consent.objects.filter(status=Consent.Status.PENDING_SIGNATURE).order_by("pk")
    found = []
    for consent in pending.select_related("created_by").prefetch_related("signatures")[: limit * 4]:
        signer = _last_signer(consent)
        if signer is not None:
            found.append((consent, signer[1]))
        if len(found) == limit:
            break
    return found


def measure(repeat: int) -> dict[str, dict[str, object]]:
    """Time each operation ``repeat`` times on the current database."""
    from django.utils import timezone

    from cases.models import CareTeamMember, Case
    from consent.models import Consent, RevocationChannel, SignatureMethod
    from consent.services import add_signature, revoke_consent
    from providers.models import Membership, Organization
    from providers.services import add_membership, set_membership_active

    def grant(consent: Consent, parent: object) -> Callable[[], object]:
        return lambda: add_signature(
            consent=consent,
            family_member=parent,
            recorded_by=consent.created_by,
            method=SignatureMethod.UPLOADED_FORM,
            evidence="benchmark",
            evidence_sha256=EVIDENCE_SHA256,
            signed_at=timezone.now(),
        )

    def revoke(consent: Consent) -> Callable[[], object]:
        return lambda: revoke_consent(
            consent=consent, actor=consent.created_by, channel=RevocationChannel.SPOKEN
        )

    def add_advocate(number: int) -> Callable[[], object]:
        organization = memberships[0].organization
        email = f"bench-new-advocate-{number}@example.invalid"
        return lambda: add_membership(
            organization=organization, email=email, role=Membership.Role.ADVOCATE, actor=None
        )

    def suspend(membership: Membership) -> Callable[[], object]:
        return lambda: set_membership_active(membership=membership, active=False, actor=None)

    def restore(membership: Membership) -> Run:
        return suspend(membership), lambda: set_membership_active(
            membership=membership, active=True, actor=None
        )

    def set_organization(organization: Organization, active: bool) -> Callable[[], object]:
        def save() -> None:
            organization.is_active = active
            organization.save()

        return save

    active = Consent.objects.filter(status=Consent.Status.ACTIVE).select_related("created_by")
    advocates = Membership.objects.filter(role=Membership.Role.ADVOCATE, is_active=True)
    caseloads = []
    memberships = list(advocates.order_by("pk")[:repeat])
    organizations = list(Organization.objects.filter(is_active=True).order_by("pk")[:ORGANIZATIONS])
    led = [Case.objects.filter(lead_organization=o).count() for o in organizations]
    for membership in memberships:
        caseloads.append(
            CareTeamMember.objects.filter(
                user_id=membership.user_id,
                case__lead_organization_id=membership.organization_id,
            )
            .values("case_id")
            .distinct()
            .count()
        )
    operations = {
        "grant consent": [grant(c, p) for c, p in _grantable(repeat)],
        "revoke consent": [revoke(c) for c in active.order_by("pk")[:repeat]],
        "add advocate": [add_advocate(n) for n in range(repeat)],
        "suspend advocate": [suspend(m) for m in memberships],
        "restore advocate": [restore(m) for m in memberships],
        # Rare and heavy (every case the organization leads): a few organizations only.
        "suspend organization": [set_organization(o, False) for o in organizations],
        "restore organization": [
            (set_organization(o, False), set_organization(o, True)) for o in organizations
        ],
    }
    results: dict[str, dict[str, object]] = {}
    for name, runs in operations.items():
        if not runs:
            continue
        _time(runs[0])  # warm caches (permission ids, content types); rolled back too
        timings = [_time(run) for run in runs]
        if name == "suspend advocate":
            per_case = [
                (t / max(c, 1), q / max(c, 1)) for (t, q), c in zip(timings, caseloads, strict=True)
            ]
            results["suspend advocate, per case on the caseload"] = {
                "runs": len(per_case),
                "p50_ms": round(statistics.median(t for t, _ in per_case), 2),
                "p95_ms": round(
                    sorted(t for t, _ in per_case)[math.ceil(len(per_case) * 0.95) - 1], 2
                ),
                "queries": [round(statistics.median(q for _, q in per_case), 1)],
            }
        millis = sorted(t for t, _ in timings)
        queries = sorted({q for _, q in timings})
        results[name] = {
            "runs": len(millis),
            "p50_ms": round(statistics.median(millis), 2),
            "p95_ms": round(millis[math.ceil(len(millis) * 0.95) - 1], 2),
            "queries": queries,
        }
    results["suspend advocate"]["caseload_median"] = statistics.median(caseloads)
    results["suspend advocate"]["caseload_max"] = max(caseloads)
    if led:
        results["suspend organization"]["cases_led_median"] = statistics.median(led)
    return results


def measure_scale(url: str, repeat: int) -> dict[str, dict[str, object]]:
    """Measure in this process (Django reads its database once per process)."""
    setup_django(url)
    from django.db import transaction

    with transaction.atomic():
        results = measure(repeat)
        transaction.set_rollback(True)
    return results


def _percentile_label(value: object) -> str:
    return "/".join(str(q) for q in value) if isinstance(value, list) else str(value)


def print_table(results: dict[str, dict[str, dict[str, object]]]) -> None:
    scales = list(results)
    names = list(next(iter(results.values())))
    print("Permission sync: one operation through the real service, rolled back")
    header = ["operation"]
    for scale in scales:
        header += [f"p50 ms {scale}", f"p95 ms {scale}", f"queries {scale}"]
    rows = [header]
    for name in names:
        row = [name]
        for scale in scales:
            cell = results[scale].get(name, {})
            row += [str(cell.get("p50_ms")), str(cell.get("p95_ms"))]
            row.append(_percentile_label(cell.get("queries")))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    for scale in scales:
        cell = results[scale].get("suspend advocate", {})
        print(
            f"{scale}: advocate caseload median {cell.get('caseload_median')}, "
            f"max {cell.get('caseload_max')} cases"
        )
        cell = results[scale].get("suspend organization", {})
        if "cases_led_median" in cell:
            print(f"{scale}: organizations measured lead a median {cell['cases_led_median']} cases")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["20k", "200k"])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--use", action="append", default=[], help="SCALE=URL: measure SCALE on another copy"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.out).write_text(json.dumps(measure_scale(args.child, args.repeat)))
        return 0
    base = bench_base(args.database_url or os.environ.get("DATABASE_URL"))
    overrides = dict(item.split("=", 1) for item in args.use)
    results = {}
    for scale in args.scales:
        url = overrides.get(scale) or scale_url(base, scale)
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, "-m", "bench.permission_sync", "--child", url]
            command += ["--repeat", str(args.repeat), "--out", out.name]
            subprocess.run(command, check=True)  # noqa: S603 (our own module)
            results[scale] = json.loads(Path(out.name).read_text())
    print_table(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "permission_sync.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
