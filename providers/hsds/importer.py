"""Imports Open Referral HSDS 3.0 into the directory, in one transaction.

Every organization, location, service and service_at_location is upserted by its HSDS id
(``hsds_id``), so importing the same file twice changes nothing the second time. An
organization becomes a DirectoryProvider linked to no member organization, unless the
operator names the member (then the file must hold exactly that one organization).

Service types: a service takes the Harbor service type its first mappable taxonomy term
names (providers/hsds/taxonomy.py: Harbor's own terms, the operator's term map, or a code or
name equal to a service type's). A service Harbor already holds keeps its type when no term
maps. A new service no term maps is skipped and counted with its terms in the report, unless
the operator chose a default type: a 211 data steward would rather see "these 40 services
use terms Harbor does not know" than find them filed under a guessed type in referral
matches. ``--dry-run`` shows the same report without keeping anything.

Bad input stops the import before anything is kept: ``HsdsImportError`` lists every problem
by record and field. Harbor never turns a confidential location into a public one, and never
keeps an address or coordinates for it (R40), whatever the file says.
"""

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Model

from providers.hsds.bundle import Bundle, HsdsImportError, Problem, bundle_from_json
from providers.hsds.export import CONFIDENTIAL_NAME
from providers.hsds.planning import ImportPlan
from providers.hsds.reading import ADDRESS_FIELDS, LocationRow
from providers.hsds.report import ImportReport
from providers.hsds.tabular import bundle_from_tables, read_tables
from providers.hsds.taxonomy import ServiceTypeMatcher
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceLanguage,
    Organization,
    ServiceType,
)


def load_path(path: Path) -> Bundle:
    """The bundle of a JSON file, a tabular package directory or a zipped package."""
    if not path.exists():
        raise HsdsImportError([Problem(path.name, "", "no such file or directory")])
    if path.is_dir() or zipfile.is_zipfile(path):
        return bundle_from_tables(read_tables(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HsdsImportError([Problem(path.name, "", f"is not JSON ({error})")]) from None
    return bundle_from_json(data)


def import_file(path: Path, **options: Any) -> ImportReport:
    """Import a JSON file, a tabular package directory or a zipped package."""
    return import_bundle(bundle=load_path(path), **options)


def import_bundle(
    *,
    bundle: Bundle,
    member_organization: Organization | None = None,
    default_service_type: ServiceType | None = None,
    term_map: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Upsert the bundle's records into the directory; nothing is kept on any problem."""
    with transaction.atomic():
        report = ImportReport(dry_run=dry_run)
        plan = ImportPlan(
            report=report,
            member=member_organization,
            default_type=default_service_type,
            matcher=_matcher(term_map),
        )
        plan.read(bundle)
        plan.resolve()
        _Writer(plan).write()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _matcher(term_map: Mapping[str, str] | None) -> ServiceTypeMatcher:
    matcher = ServiceTypeMatcher(term_map=term_map)
    unknown = sorted({code for code in (term_map or {}).values() if matcher.type_for(code) is None})
    if unknown:
        raise HsdsImportError(
            [Problem("term map", code, "names no active Harbor service type") for code in unknown]
        )
    return matcher


class _Writer:
    """Writes a resolved plan: upserts by HSDS id and counts what changed."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.report = plan.report

    def write(self) -> None:
        providers = self._write_providers()
        locations = self._write_locations(providers)
        services = self._write_services(providers)
        self._write_placements(services, locations)

    def _write_providers(self) -> dict[UUID, DirectoryProvider]:
        existing = {
            p.hsds_id: p
            for p in DirectoryProvider.objects.filter(hsds_id__in=self.plan.known_providers)
        }
        for row in self.plan.providers.values():
            values = dict(row.values)
            if row.hsds_id == self.plan.member_entry:
                values["member"] = self.plan.member
            existing[row.hsds_id] = self._upsert(
                DirectoryProvider, existing.get(row.hsds_id), row.hsds_id, values, "providers"
            )
        return existing

    def _write_locations(
        self, providers: dict[UUID, DirectoryProvider]
    ) -> dict[UUID, DirectoryLocation]:
        locations = dict(self.plan.existing_locations)
        for row in self.plan.locations.values():
            current = locations.get(row.hsds_id)
            values = {**row.values, "provider": providers[self.plan.provider_of[row.hsds_id]]}
            if row.confidential or (current is not None and current.is_confidential):
                values = self._confidential(row, values, current)
            locations[row.hsds_id] = self._upsert(
                DirectoryLocation, current, row.hsds_id, values, "locations"
            )
        return locations

    def _confidential(
        self, row: LocationRow, values: dict[str, Any], current: DirectoryLocation | None
    ) -> dict[str, Any]:
        """R40: a confidential location keeps no address or coordinates and stays
        confidential. What the export withholds for it (state, country, accessibility, the
        name staff gave it) is left as Harbor holds it."""
        if row.placeable:
            self.report.warnings["addresses of confidential locations were not kept"] += 1
        withheld = {*ADDRESS_FIELDS, "latitude", "longitude", "accessibility"}
        values = {key: value for key, value in values.items() if key not in withheld}
        values.update(address_1="", city="", postal_code="", latitude=None, longitude=None)
        values["is_confidential"] = True
        if current is not None and values["name"] == CONFIDENTIAL_NAME:
            values["name"] = current.name
        return values

    def _write_services(
        self, providers: dict[UUID, DirectoryProvider]
    ) -> dict[UUID, DirectoryService]:
        existing = {
            s.hsds_id: s for s in DirectoryService.objects.filter(hsds_id__in=self.plan.services)
        }
        written = {}
        for row in self.plan.services.values():
            current = existing.get(row.hsds_id)
            if current is None and row.hsds_id not in self.plan.types:
                continue  # skipped: no service type
            values = {**row.values, "provider": providers[self.plan.provider_of[row.hsds_id]]}
            if row.hsds_id in self.plan.types:
                values["service_type"] = self.plan.types[row.hsds_id]
            service = self._upsert(DirectoryService, current, row.hsds_id, values, "services")
            self._replace_areas(service, row.areas)
            self._replace_languages(service, row.languages)
            written[row.hsds_id] = service
        return written

    def _replace_areas(self, service: DirectoryService, areas: list[str] | None) -> None:
        if areas is None:
            return
        service.areas.exclude(area__in=areas).delete()
        have = set(service.areas.values_list("area", flat=True))
        DirectoryServiceArea.objects.bulk_create(
            DirectoryServiceArea(service=service, area=area) for area in areas if area not in have
        )

    def _replace_languages(self, service: DirectoryService, codes: list[str] | None) -> None:
        if codes is None:
            return
        service.languages.exclude(code__in=codes).delete()
        have = set(service.languages.values_list("code", flat=True))
        DirectoryServiceLanguage.objects.bulk_create(
            DirectoryServiceLanguage(service=service, code=code)
            for code in codes
            if code not in have
        )

    def _write_placements(
        self, services: dict[UUID, DirectoryService], locations: dict[UUID, DirectoryLocation]
    ) -> None:
        for row in self.plan.services.values():
            service = services.get(row.hsds_id)
            if service is None or row.placements is None:
                continue
            pairs = _one_per_location(row.placements)
            stale = DirectoryServiceAtLocation.objects.filter(service=service).exclude(
                hsds_id__in=[sal for sal, _ in pairs]
            )
            removed = stale.delete()[0]
            if removed:
                self.report.removed["service_at_locations"] += removed
            for sal, location in pairs:
                self._place(sal, service, locations[location])
        by_id = {
            **services,
            **{
                s.hsds_id: s
                for s in DirectoryService.objects.filter(
                    hsds_id__in={s for _, s, _ in self.plan.links} - set(services)
                )
            },
        }
        for sal, service_id, location in self.plan.links:
            if service_id in by_id:
                self._place(sal, by_id[service_id], locations[location])
            else:
                self.report.warnings["links to skipped services were not kept"] += 1

    def _place(self, sal: UUID, service: DirectoryService, location: DirectoryLocation) -> None:
        current = DirectoryServiceAtLocation.objects.filter(hsds_id=sal).first()
        if current is None:
            # The same pair under another id (a file that renamed the link): keep one row.
            DirectoryServiceAtLocation.objects.filter(service=service, location=location).delete()
        self._upsert(
            DirectoryServiceAtLocation,
            current,
            sal,
            {"service": service, "location": location},
            "service_at_locations",
        )

    def _upsert(
        self, model: type[Model], current: Any, hsds_id: UUID, values: dict[str, Any], counter: str
    ) -> Any:
        if current is None:
            self.report.created[counter] += 1
            return model.objects.create(hsds_id=hsds_id, **values)
        changed = [key for key, value in values.items() if _differs(current, key, value)]
        if not changed:
            self.report.unchanged[counter] += 1
            return current
        for key in changed:
            setattr(current, key, values[key])
        current.save()
        self.report.updated[counter] += 1
        return current


def _differs(current: Model, key: str, value: Any) -> bool:
    if isinstance(value, Model) or (value is None and f"{key}_id" in current.__dict__):
        return getattr(current, f"{key}_id") != (value.pk if value is not None else None)
    return getattr(current, key) != value


def _one_per_location(pairs: list[tuple[UUID, UUID]]) -> list[tuple[UUID, UUID]]:
    seen: set[UUID] = set()
    kept = []
    for sal, location in pairs:
        if location not in seen:
            seen.add(location)
            kept.append((sal, location))
    return kept
