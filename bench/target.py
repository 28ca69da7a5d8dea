"""Which database a benchmark may write to, and getting it empty and migrated.

The generator empties its target, so it refuses anything not plainly meant for benchmarks: a
PostgreSQL database whose name starts with ``harbor_bench``, or, for the smoke scale only, a
SQLite file whose name does. A database that exists is migrated and emptied (the rows that
migrations write stay), which is much faster than migrating a new one.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_PREFIX = "harbor_bench"
# Without DATABASE_URL, the smoke scales go to SQLite files beside the embedded database.
DEFAULT_BASE_URL = "sqlite:///.data/harbor_bench.sqlite3"


class NotABenchDatabase(Exception):
    """The URL names a database the benchmarks must not touch."""


def database_name(url: str) -> tuple[str, str]:
    """(vendor, name) of a database URL: ('postgresql', 'harbor_bench') or ('sqlite', file)."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "pgsql", "postgis"):
        return "postgresql", parts.path.lstrip("/")
    if parts.scheme == "sqlite":
        return "sqlite", Path(parts.path.lstrip("/") or ":memory:").name
    raise NotABenchDatabase(f"unsupported database URL scheme: {parts.scheme!r}")


def bench_base(environment_url: str | None) -> str:
    """The base to use when none was given: the configured database's server, with a database
    of its own (``harbor_bench``), so a developer's DATABASE_URL is never emptied; SQLite
    files under .data/ without one."""
    if not environment_url:
        return DEFAULT_BASE_URL
    vendor, name = database_name(environment_url)
    if vendor == "sqlite":
        return DEFAULT_BASE_URL
    if name.startswith(BENCH_PREFIX):
        return environment_url
    head, _, _ = environment_url.partition("?")[0].rpartition("/")
    return f"{head}/{BENCH_PREFIX}"


def scale_url(base: str, scale: str) -> str:
    """Each scale has its own database beside the others: ``harbor_bench`` -> ``harbor_bench_20k``
    (PostgreSQL), ``.data/harbor_bench.sqlite3`` -> ``.data/harbor_bench_smoke.sqlite3``."""
    head, _, name = base.rpartition("/")
    stem, dot, extension = name.rpartition(".") if base.startswith("sqlite") else ("", "", "")
    if dot:
        return f"{head}/{stem}_{scale}.{extension}"
    return f"{head}/{name}_{scale}"


def check_bench_url(url: str, *, scale: str) -> str:
    """The vendor of ``url`` if a benchmark may empty it at ``scale``; raises otherwise."""
    vendor, name = database_name(url)
    if not name.startswith(BENCH_PREFIX):
        raise NotABenchDatabase(
            f"refusing database {name!r}: a benchmark database's name starts with {BENCH_PREFIX}"
        )
    if vendor == "sqlite" and not scale.startswith("smoke"):
        raise NotABenchDatabase(f"scale {scale} needs PostgreSQL; SQLite is for smoke only")
    return vendor


def ensure_database(url: str) -> None:
    """Create the database (PostgreSQL) or its folder (SQLite) if missing. Before setup."""
    vendor, name = database_name(url)
    if vendor == "sqlite":
        Path(urlsplit(url).path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# Rows the migrations themselves write (the service taxonomy, content types, permissions):
# emptying the database keeps them, so it need not be migrated from scratch each time.
KEPT_TABLES = frozenset(
    {"django_content_type", "auth_permission", "providers_servicetype", "django_migrations"}
)


def empty_tables() -> None:
    """Remove every row but the migrations' own, in one statement per vendor."""
    from django.db import connection, transaction

    tables = [t for t in connection.introspection.django_table_names() if t not in KEPT_TABLES]
    quoted = [connection.ops.quote_name(t) for t in tables]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The access log refuses TRUNCATE (R27); a benchmark's own database may drop its
            # rows, as its owner, with the triggers off for this transaction only.
            cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
            cursor.execute(f"TRUNCATE {', '.join(quoted)} RESTART IDENTITY")
            cursor.execute('ALTER TABLE "consent_accessevent" ENABLE TRIGGER USER')
        else:
            for table in quoted:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names, not input)


def setup_django(url: str) -> None:
    """Point Harbor's settings at ``url`` and load Django (settings read DATABASE_URL)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    import django

    django.setup()
