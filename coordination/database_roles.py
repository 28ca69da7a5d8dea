"""The two PostgreSQL roles of a production Harbor (R27).

The role that runs ``migrate`` owns every table. The application's processes (web, worker,
beat) connect as another role that owns nothing: it reads and writes rows, but on the access
log it may only read and append, and, not being the owner, it can neither disable the
append-only triggers nor alter or truncate the table. ``manage.py grant_app_role`` gives it
exactly that, after every migration; the harbor.W020 check warns when a process connects as a
superuser or as the access log's owner.
"""

from __future__ import annotations

import os
import re

from django.db import connection
from psycopg import sql

from consent.models import AccessEvent

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
PASSWORD_VARIABLE = "HARBOR_APP_DATABASE_PASSWORD"  # noqa: S105 (a variable name)


class RoleNotAllowed(ValueError):
    """The role named for the application could rewrite the access log."""


def role_can_rewrite_access_log(role: str | None = None) -> bool:
    """Whether ``role`` (default: the connected one) is a superuser, or owns the access log
    (directly or through membership): either can turn its triggers off."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper OR COALESCE(pg_has_role(r.oid, c.relowner, 'USAGE'), false) "
            "FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass(%s) "
            "WHERE r.rolname = COALESCE(%s, current_user)",
            [AccessEvent._meta.db_table, role],
        )
        found = cursor.fetchone()
    return bool(found and found[0])


def _role_exists(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def _grants(role: str) -> list[sql.Composed]:
    who = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = sql.Identifier(cursor.fetchone()[0])
    access_log = sql.Identifier(AccessEvent._meta.db_table)
    return [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, who),
        # Revoked first, so a second run leaves exactly these privileges.
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
            schema, who
        ),
        sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(access_log, who),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema, who),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, who),
    ]


def _login_statement(role: str, *, exists: bool) -> sql.Composed:
    password = os.environ.get(PASSWORD_VARIABLE, "")
    verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
    if password:
        return sql.SQL("{} {} LOGIN PASSWORD {}").format(
            verb, sql.Identifier(role), sql.Literal(password)
        )
    return sql.SQL("{} {} NOLOGIN").format(verb, sql.Identifier(role))


def grant_application_role(*, role: str, create: bool = False) -> list[str]:
    """Give ``role`` the application's privileges on every table as it stands (run it after
    each migration); with ``create``, make the role first if missing, with the password in
    HARBOR_APP_DATABASE_PASSWORD (none: it cannot sign in until an administrator sets one).
    Returns what was done, passwords left out."""
    if not ROLE_NAME.match(role):
        raise RoleNotAllowed(f"{role!r} is not a plain lower-case role name.")
    done = []
    statements = []
    exists = _role_exists(role)
    if create and (not exists or os.environ.get(PASSWORD_VARIABLE)):
        statements.append(_login_statement(role, exists=exists))
        done.append(f"{'altered' if exists else 'created'} role {role}")
    elif not exists:
        raise RoleNotAllowed(f"Role {role} does not exist (create it, or pass --create).")
    if exists and role_can_rewrite_access_log(role):
        raise RoleNotAllowed(
            f"Role {role} is a superuser or owns the access log: it could turn its triggers "
            "off. The application needs a role that owns nothing."
        )
    statements += _grants(role)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(cursor.connection))
    done.append(f"granted {role} read and write on every table, read and append on the access log")
    return done
