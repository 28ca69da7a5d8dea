"""``manage.py export_hsds --format json|tabular --output PATH [--provider HSDS_ID] [--strict]``.

Writes the published directory as Open Referral HSDS 3.0: a JSON list of services, or a
tabular data package (a zip of CSV files and ``datapackage.json``; a directory when PATH does
not end in ``.zip``). Confidential locations show no address or coordinates (R40). Prints
counts, and the records left out as incomplete by kind, id and missing fields (no values);
with ``--strict`` an incomplete record makes the command fail after writing the rest.
"""

import json
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from providers.hsds.export import export_directory
from providers.hsds.tabular import package_files, package_zip
from providers.models import DirectoryProvider


class Command(BaseCommand):
    help = "Export the published community directory as Open Referral HSDS 3.0."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("json", "tabular"), default="json")
        parser.add_argument("--output", required=True, help="File (or directory) to write.")
        parser.add_argument("--provider", help="HSDS id of one provider to export alone.")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit non-zero when a record was left out as incomplete.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provider = _provider(options["provider"])
        export = export_directory(provider=provider)
        services = export.services
        output = Path(options["output"])
        if options["format"] == "json":
            output.write_text(json.dumps(services, indent=2, ensure_ascii=False), encoding="utf-8")
        elif output.suffix == ".zip":
            output.write_bytes(package_zip(services))
        else:
            output.mkdir(parents=True, exist_ok=True)
            for name, text in package_files(services).items():
                (output / name).write_text(text, encoding="utf-8")
        organizations = {service["organization_id"] for service in services}
        self.stdout.write(
            f"Exported {len(services)} services of {len(organizations)} organizations.\n"
        )
        for entry in export.incomplete:
            self.stderr.write(
                f"Left out incomplete {entry['record']} {entry['id']}: "
                f"missing {', '.join(entry['missing'])}."
            )
        if export.incomplete and options["strict"]:
            raise CommandError(f"{len(export.incomplete)} incomplete records were left out.")


def _provider(raw: str | None) -> DirectoryProvider | None:
    if not raw:
        return None
    try:
        hsds_id = uuid.UUID(raw)
    except ValueError:
        raise CommandError("--provider must be a provider's HSDS id (a UUID).") from None
    provider = DirectoryProvider.objects.filter(hsds_id=hsds_id).first()
    if provider is None:
        raise CommandError("No directory provider has that HSDS id.")
    return provider
