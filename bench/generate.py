"""Fill a benchmark database with a realistic, deterministic Harbor.

    python -m bench.generate --scale smoke|smoke3|20k|200k [--database-url BASE]

The base (``--database-url``; else ``harbor_bench`` on DATABASE_URL's server; else
``.data/harbor_bench.sqlite3``) must be named ``harbor_bench*``; each scale has its own
database beside it (``harbor_bench_20k``),
which is created or emptied and migrated, then filled through
bulk inserts (COPY on PostgreSQL). The guardian rows are checked on a sample of cases against
``consent.permissions.sync_case_permissions`` and the access log against ``verify_chain``;
a mismatch exits non-zero. Prints rows per table and seconds; writes
``bench/results/generate-<scale>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.shape import PARTNER_CASES, SCALES, YOUNG_PERSON_EMAIL, Scale
from bench.target import (
    NotABenchDatabase,
    bench_base,
    check_bench_url,
    empty_tables,
    ensure_database,
    scale_url,
    setup_django,
)

if TYPE_CHECKING:  # Django is set up in main(), after the database is chosen
    from bench.world import Org, World

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Generated:
    """What one run wrote and how long each part took."""

    scale: str
    now: datetime
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def generate(scale: Scale, *, now: datetime | None = None) -> Generated:
    """Write the scale's rows into the current (migrated) database, in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from bench.casework import CaseBuilder
    from bench.history import chain_events
    from bench.loader import Loader
    from bench.specs import random_spec, shared_spec, showcase_spec
    from bench.world import build_world

    now = now or timezone.now().replace(microsecond=0)
    rng = random.Random(scale.seed)
    loader = Loader()
    started = time.perf_counter()
    per_case = {
        "follow_ups": scale.follow_ups / scale.cases,
        "events": scale.access_events / scale.cases,
    }
    with transaction.atomic():
        world = build_world(loader, scale, rng, now)
        builder = CaseBuilder(loader, world, rng, now, coded=random.Random(scale.seed + 2))
        for _ in range(scale.cases - 1 - FIXED_SHARED):
            builder.build(random_spec(world, rng, **per_case))
        # The personas' own cases come last, so they are the newest rows of every list at every
        # scale, and from a generator of their own, so they are the same at every scale.
        fixed = CaseBuilder(
            loader, world, random.Random(scale.seed + 1), now, coded=random.Random(scale.seed + 3)
        )
        for lead, partner in shared_with_personas(world):
            spec = shared_spec(world, fixed.rng, lead=lead, partner=partner, per_case=per_case)
            if partner is world.largest:
                spec.transfer, spec.transfer_to = "requested", world.largest
            fixed.build(spec)
        fixed.build(showcase_spec(world, portal_email=YOUNG_PERSON_EMAIL))
        built = time.perf_counter()
        chain_events(loader, builder.events + fixed.events)
        loader.flush()
        loader.reset_sequences()
        flushed = time.perf_counter()
    committed = time.perf_counter()  # the deferred foreign keys are checked at commit
    write = sum(loader.seconds.values())
    return Generated(
        scale=scale.name,
        now=now,
        rows=dict(sorted(loader.counts.items())),
        seconds={
            "build (Python, incl. interleaved writes)": round(built - started, 2),
            "writes (COPY / bulk_create)": round(write, 2),
            "total load": round(flushed - started, 2),
            "commit (deferred foreign-key checks)": round(committed - flushed, 2),
        },
    )


FIXED_SHARED = PARTNER_CASES - 1 + 2


def shared_with_personas(world: World) -> list[tuple[Org, Org]]:
    """(lead, partner) of the cases shared with the personas' organizations: four more with the
    small partner (which sees five with the showcase), two with the largest organization."""
    leads = world.leads
    pairs = [(leads[n % len(leads)], world.small_partner) for n in range(1, PARTNER_CASES)]
    return [*pairs, (leads[1], world.largest), (leads[2], world.largest)]


def permission_sample(now: datetime, size: int = 60) -> list[int]:
    """Cases whose guardian rows differ from what ``sync_case_permissions`` makes of them.

    The sample: the shared cases (every small-partner case, then cases with any consent)
    and some others. Each sync runs in a savepoint that is rolled back, so nothing changes.
    """
    from django.db import transaction

    from cases.models import Case
    from consent.models import CaseGroupObjectPermission, CaseUserObjectPermission
    from consent.permissions import sync_case_permissions

    def rows(case_id: int) -> tuple[set, set]:
        users = CaseUserObjectPermission.objects.filter(content_object_id=case_id)
        groups = CaseGroupObjectPermission.objects.filter(content_object_id=case_id)
        return (
            set(users.values_list("user_id", "permission_id")),
            set(groups.values_list("group_id", "permission_id", "valid_from", "valid_until")),
        )

    shared = list(
        Case.objects.filter(consents__isnull=False).distinct().values_list("pk", flat=True)
    )
    every = list(Case.objects.values_list("pk", flat=True))
    picker = random.Random(1)
    sample = sorted(shared)[:PARTNER_CASES] + picker.sample(shared, min(size // 2, len(shared)))
    sample += picker.sample(every, min(size // 2, len(every)))
    differing = []
    for case_id in dict.fromkeys(sample):
        before = rows(case_id)
        with transaction.atomic():
            sync_case_permissions(case_id, now=now)
            after = rows(case_id)
            transaction.set_rollback(True)
        if before != after:
            differing.append(case_id)
    return differing


def verify(generated: Generated) -> None:
    """Guardian rows on a sample, and the whole access-log chain."""
    from consent.access_log import verify_chain

    started = time.perf_counter()
    differing = permission_sample(generated.now)
    if differing:
        generated.problems.append(f"guardian rows differ from the sync on cases {differing}")
    checked = time.perf_counter()
    broken = verify_chain()
    if broken:
        generated.problems.append(str(broken))
    generated.seconds["verify guardian rows (sample)"] = round(checked - started, 2)
    generated.seconds["verify access-log chain"] = round(time.perf_counter() - checked, 2)


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def report(generated: Generated) -> str:
    width = max(len(label) for label in generated.rows)
    lines = [f"{'table':<{width}}  {'rows':>10}"]
    lines += [f"{label:<{width}}  {count:>10,}" for label, count in generated.rows.items()]
    lines.append(f"{'all tables':<{width}}  {sum(generated.rows.values()):>10,}")
    lines.append("")
    lines += [f"{part}: {seconds:.1f} s" for part, seconds in generated.seconds.items()]
    lines += [f"PROBLEM: {problem}" for problem in generated.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument(
        "--database-url", help="base URL (default: DATABASE_URL's server, harbor_bench)"
    )
    args = parser.parse_args(argv)
    url = scale_url(args.database_url or bench_base(os.environ.get("DATABASE_URL")), args.scale)
    try:
        check_bench_url(url, scale=args.scale)
    except NotABenchDatabase as exc:
        print(f"bench.generate: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    empty_tables()
    migrated = time.perf_counter()
    generated = generate(SCALES[args.scale])
    generated.seconds = {
        "create or empty, migrate": round(migrated - started, 2),
        **generated.seconds,
    }
    analyzed = time.perf_counter()
    analyze()
    generated.seconds["ANALYZE"] = round(time.perf_counter() - analyzed, 2)
    verify(generated)
    generated.seconds["all"] = round(time.perf_counter() - started, 2)
    print(f"Scale {args.scale} into {url.rsplit('/', 1)[-1]}")
    print(report(generated))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"generate-{args.scale}.json").write_text(
        json.dumps(
            {
                "scale": generated.scale,
                "now": generated.now.isoformat(),
                "rows": generated.rows,
                "seconds": generated.seconds,
                "problems": generated.problems,
            },
            indent=2,
        )
    )
    return 1 if generated.problems else 0


if __name__ == "__main__":
    sys.exit(main())
