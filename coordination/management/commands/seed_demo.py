"""``manage.py seed_demo``: load the demo organizations, logins and cases, and print the logins.

Idempotent: a second run finds everything in place and only prints the logins again.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from coordination.demo.casework import ensure_cases
from coordination.demo.cast import DEMO_PASSWORD, LOGINS, demo_key_base32, ensure_cast
from coordination.demo.directory import ensure_directory


class Command(BaseCommand):
    help = "Load demo organizations, one login per persona and ~20 cases; print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load demo data even with DEBUG off (never do this on a real database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off, so this may be a real database: refusing to load demo data. "
                "Pass --force if you really mean it."
            )
        cast = ensure_cast()
        ensure_directory(cast=cast)
        told = ensure_cases(cast=cast, now=timezone.now())
        self.stdout.write(
            f"Demo data in place: {len(cast.organizations)} organizations, {len(LOGINS)} logins "
            f"({told} cases added this run).\n"
        )
        self.stdout.write(self._logins_table())
        self.stdout.write(
            f"\nEvery demo login uses the password: {DEMO_PASSWORD}\n"
            "Staff and the site admin also enter a two-step code: print the current one with "
            "`python manage.py demo_code`, or add this key to an authenticator app: "
            f"{demo_key_base32()}\n"
            "Sign in at /sign-in/ (the web app) or browse the API at /api/docs/, "
            "or get a token: POST /api/v1/auth/token/ with username=<e-mail>&password=<password>"
            "&code=<code>.\n"
        )

    @staticmethod
    def _logins_table() -> str:
        rows = [("persona", "e-mail", "what they see")]
        rows += [(login.persona, login.email, login.sees) for login in LOGINS]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        lines = [
            f"{persona:<{widths[0]}}  {email:<{widths[1]}}  {sees}" for persona, email, sees in rows
        ]
        lines.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(rows[0][2])}")
        return "\n".join(lines) + "\n"
