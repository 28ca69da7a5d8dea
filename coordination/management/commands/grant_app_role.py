"""``manage.py grant_app_role --role harbor_app``: the application's database role (R27)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from coordination.database_roles import RoleNotAllowed, grant_application_role


class Command(BaseCommand):
    help = (
        "Run as the tables' owner after every migrate: give the role the application connects "
        "as read and write on every table, but only read and append on the access log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="e.g. harbor_app")
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create the role if missing; its password comes from "
            "HARBOR_APP_DATABASE_PASSWORD (and is updated from it when set).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter; this is not PostgreSQL.")
        try:
            with transaction.atomic():
                done = grant_application_role(role=options["role"], create=options["create"])
        except RoleNotAllowed as refusal:
            raise CommandError(str(refusal)) from refusal
        for line in done:
            self.stdout.write(line)
