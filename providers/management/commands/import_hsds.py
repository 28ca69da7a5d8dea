"""``manage.py import_hsds PATH [--member-organization ID] [--default-service-type CODE]
[--map-term TERM=CODE ...] [--dry-run]``.

Imports an Open Referral HSDS 3.0 file (a JSON list of services, one service, an
organization with its services, a location, a service_at_location, taxonomy records) or a
tabular data package (directory or zip) into the directory, in one transaction: on any
problem nothing is kept and every problem is listed by record and field. Importing the same
file twice changes nothing. New services whose taxonomy terms map to no Harbor service type
are skipped and their terms counted, unless ``--default-service-type`` names a type for them
or ``--map-term`` maps a term. Prints counts only.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from providers.hsds.bundle import HsdsImportError
from providers.hsds.importer import ImportReport, import_file
from providers.models import Organization, ServiceType


class Command(BaseCommand):
    help = "Import an Open Referral HSDS 3.0 file or tabular package into the directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--member-organization",
            type=int,
            help="Id of the Harbor member organization the file's one organization is.",
        )
        parser.add_argument(
            "--default-service-type",
            help="Service type code for new services whose terms map to none (else skipped).",
        )
        parser.add_argument(
            "--map-term",
            action="append",
            default=[],
            metavar="TERM=CODE",
            help="Map a taxonomy term code or name to a Harbor service type code.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report, keep nothing.")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            report = import_file(
                path,
                member_organization=_member(options["member_organization"]),
                default_service_type=_service_type(options["default_service_type"]),
                term_map=_term_map(options["map_term"]),
                dry_run=options["dry_run"],
            )
        except HsdsImportError as error:
            lines = [f"  {problem}" for problem in error.problems]
            raise CommandError("Nothing was imported. Problems:\n" + "\n".join(lines)) from None
        self.stdout.write(describe(report))


def describe(report: ImportReport) -> str:
    """The report as lines of counts."""
    lines = ["Dry run: nothing was kept." if report.dry_run else "Imported."]
    for kind in ("providers", "locations", "services", "service_at_locations"):
        lines.append(
            f"{kind}: {report.created[kind]} created, {report.updated[kind]} updated, "
            f"{report.unchanged[kind]} unchanged"
            + (f", {report.removed[kind]} removed" if report.removed[kind] else "")
        )
    if report.skipped_services:
        lines.append(
            f"services skipped, no Harbor service type: {report.skipped_services} "
            "(use --map-term or --default-service-type)"
        )
        lines += [f"  term {term}: {n}" for term, n in sorted(report.unmapped_terms.items())]
    if report.taxonomies or report.taxonomy_terms:
        lines.append(
            f"taxonomies: {report.taxonomies}; taxonomy terms: {report.taxonomy_terms}, "
            f"{report.taxonomy_terms_mapped} map to a Harbor service type"
        )
    lines += [f"warning: {text}: {n}" for text, n in sorted(report.warnings.items())]
    return "\n".join(lines) + "\n"


def _member(pk: int | None) -> Organization | None:
    if pk is None:
        return None
    member = Organization.objects.filter(pk=pk, is_active=True).first()
    if member is None:
        raise CommandError("--member-organization names no active member organization.")
    return member


def _service_type(code: str | None) -> ServiceType | None:
    if not code:
        return None
    found = ServiceType.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise CommandError("--default-service-type names no active service type code.")
    return found


def _term_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        term, sep, code = pair.partition("=")
        if not sep or not term.strip() or not code.strip():
            raise CommandError("--map-term takes TERM=CODE.")
        mapping[term.strip()] = code.strip()
    return mapping
