"""``manage.py import_clients PATH --organization ID --actor-email EMAIL [--dry-run]``.

Imports existing clients from a CSV file (README: Importing existing clients): every row is
checked first, and either every row is written in one transaction or nothing is. It prints
counts and each problem by row number and column, never a value from the file.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from cases.services.client_import import MAX_BYTES, import_clients
from providers.models import Organization


class Command(BaseCommand):
    help = "Import young people and their cases from a CSV file (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The CSV file (UTF-8, header row as in the template).")
        parser.add_argument("--organization", type=int, required=True, help="Organization id.")
        parser.add_argument(
            "--actor-email", required=True, help="An admin of the organization, recorded as author."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(pk=options["organization"]).first()
        if organization is None:
            raise CommandError("No organization with this id.")
        actor = User.objects.filter(email__iexact=options["actor_email"], is_active=True).first()
        if actor is None:
            raise CommandError("No active user with this e-mail address.")
        try:
            with Path(options["path"]).open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read the file ({exc.strerror}).") from exc
        report = import_clients(
            data=data, organization=organization, actor=actor, dry_run=options["dry_run"]
        )
        for error in report.errors:
            where = f"Row {error.row}" if error.row else "File"
            column = f", column {error.column}" if error.column else ""
            self.stderr.write(f"{where}{column}: {error.message}")
        if not report.ok:
            raise CommandError(
                f"{report.rows} rows checked, {len(report.errors)} problems in "
                f"{report.rows_with_errors} rows. Nothing was written."
            )
        if report.dry_run:
            self.stdout.write(f"{report.rows} rows checked, no problems. Nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{report.rows} cases imported."))
