"""The first half of an import: read a bundle's records and resolve what they refer to.

Services, locations and organizations are matched by HSDS id, against the file first and
the directory second. A location belongs to the organization it names; else to the
organization of the first service delivered there; else stays with its provider; else goes
to the member organization the operator named. See providers/hsds/importer.py for the
service-type rule.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid4

from providers.hsds.bundle import Bundle, HsdsImportError, Problem
from providers.hsds.fields import Fields
from providers.hsds.reading import LocationRow, ProviderRow, Reader, ServiceRow
from providers.hsds.report import ImportReport
from providers.hsds.taxonomy import ServiceTypeMatcher, term_label
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    Organization,
    ServiceType,
)

NO_TERM = "(no taxonomy term)"


class ImportPlan:
    """Reads every record of a bundle and resolves its references against the file and the
    directory: which provider each service and location belongs to, which service type each
    service takes. Any problem stops the import here, before anything is written."""

    def __init__(
        self,
        *,
        report: ImportReport,
        member: Organization | None,
        default_type: ServiceType | None,
        matcher: ServiceTypeMatcher,
    ) -> None:
        self.report = report
        self.member = member
        self.default_type = default_type
        self.matcher = matcher
        self.reader = Reader()
        self.providers: dict[UUID, ProviderRow] = {}
        self.locations: dict[UUID, LocationRow] = {}
        self.services: dict[UUID, ServiceRow] = {}
        self.links: list[tuple[UUID, UUID, UUID]] = []  # standalone (id, service, location)
        self.provider_of: dict[UUID, UUID] = {}  # service or location id -> organization id
        self.types: dict[UUID, ServiceType] = {}
        self.member_entry: UUID | None = None
        self.known_providers: set[UUID] = set()
        self.existing_services: dict[UUID, int] = {}
        self.existing_locations: dict[UUID, DirectoryLocation] = {}

    # -- read ---------------------------------------------------------------------------------

    def read(self, bundle: Bundle) -> None:
        reader = self.reader
        raw_services = _merged_services(bundle.services)
        raw_organizations = list(bundle.organizations)
        raw_locations = list(bundle.locations)
        for service in raw_services:
            if isinstance(service.get("organization"), dict):
                raw_organizations.append(service["organization"])
            raw_locations += _nested_locations(service.get("service_at_locations"))
        raw_locations += _nested_locations(bundle.placements)
        _keep_first(self.providers, map(reader.organization, _first_by_id(raw_organizations)))
        _keep_first(self.locations, map(reader.location, _first_by_id(raw_locations)))
        _keep_first(self.services, map(reader.service, raw_services))
        for placement in bundle.placements:
            self._read_link(placement)
        self.report.taxonomies = bundle.taxonomies
        self._count_terms(bundle.taxonomy_terms)
        self._stop_on_problems()

    def _read_link(self, placement: dict[str, Any]) -> None:
        fields = Fields(placement, kind="service_at_location", problems=self.reader.problems)
        location = placement.get("location")
        link_id, service_id = fields.identifier(), fields.identifier("service_id")
        location_id = (
            Fields(location, kind="location", problems=self.reader.problems).identifier()
            if isinstance(location, dict)
            else fields.identifier("location_id")
        )
        if link_id and service_id and location_id:
            self.links.append((link_id, service_id, location_id))

    def _count_terms(self, terms: list[dict[str, Any]]) -> None:
        self.report.taxonomy_terms = len(terms)
        self.report.taxonomy_terms_mapped = sum(1 for t in terms if self.matcher.match(t))

    # -- resolve ------------------------------------------------------------------------------

    def resolve(self) -> None:
        ids = set(self.providers) | {
            row.organization_id
            for row in (*self.services.values(), *self.locations.values())
            if row.organization_id
        }
        self.known_providers = set(self.providers) | set(
            DirectoryProvider.objects.filter(hsds_id__in=ids).values_list("hsds_id", flat=True)
        )
        self._resolve_member()
        self.existing_services = dict(
            DirectoryService.objects.filter(hsds_id__in=self.services).values_list(
                "hsds_id", "service_type_id"
            )
        )
        for row in self.services.values():
            self._resolve_service(row)
        location_ids = set(self.locations) | {
            loc for row in self.services.values() for _, loc in row.placements or []
        }
        location_ids |= {location for _, _, location in self.links}
        existing = DirectoryLocation.objects.filter(hsds_id__in=location_ids).select_related(
            "provider"
        )
        self.existing_locations = {loc.hsds_id: loc for loc in existing}
        for row in self.locations.values():
            self._resolve_location(row)
        self._check_placements()
        self._stop_on_problems()

    def _provider_of_services_at(self, location: UUID) -> UUID | None:
        for service in self.services.values():
            placed = any(loc == location for _, loc in service.placements or [])
            if placed and service.hsds_id in self.provider_of:
                return self.provider_of[service.hsds_id]
        return None

    def _resolve_member(self) -> None:
        if self.member is None:
            return
        entry = DirectoryProvider.objects.filter(member=self.member).first()
        if len(self.providers) > 1:
            self._problem(
                "file",
                "organization",
                "names a member organization but holds several organizations",
            )
        elif self.providers:
            (row,) = self.providers.values()
            if entry is not None and entry.hsds_id != row.hsds_id:
                self._problem(
                    row.label,
                    "id",
                    "the member organization already has a directory entry with another id",
                )
            taken = DirectoryProvider.objects.filter(hsds_id=row.hsds_id, member__isnull=False)
            if taken.exclude(member=self.member).exists():
                self._problem(row.label, "id", "is another member organization's directory entry")
            self.member_entry = row.hsds_id
        elif entry is not None:
            self.member_entry = entry.hsds_id
            self.known_providers.add(entry.hsds_id)

    def _provider_for(self, row: ServiceRow) -> UUID | None:
        if row.organization_id in self.known_providers:
            return row.organization_id
        return self._member_fallback()

    def _member_fallback(self) -> UUID | None:
        """The member's directory entry for records that name no known organization; created
        for a file that holds no organization at all."""
        if self.member is None:
            return None
        if self.member_entry is not None:
            return self.member_entry
        entry = ProviderRow(
            hsds_id=uuid4(), values={"name": self.member.name}, label="member organization"
        )
        self.providers[entry.hsds_id] = entry
        self.known_providers.add(entry.hsds_id)
        self.member_entry = entry.hsds_id
        return entry.hsds_id

    def _resolve_service(self, row: ServiceRow) -> None:
        provider = self._provider_for(row)
        if provider is None:
            self._problem(
                row.label, "organization_id", "names no organization in the file or the directory"
            )
            return
        self.provider_of[row.hsds_id] = provider
        service_type = self.matcher.first_match(row.terms)
        if service_type is None and row.hsds_id in self.existing_services:
            return  # keeps the type it has
        service_type = service_type or self.default_type
        if service_type is None:
            self.report.skipped_services += 1
            for label in {term_label(t) for t in row.terms} or {NO_TERM}:
                self.report.unmapped_terms[label] += 1
            return
        self.types[row.hsds_id] = service_type

    def _resolve_location(self, row: LocationRow) -> None:
        """A location belongs to the organization it names; else to the organization of the
        first service delivered there; else stays where it is; else to the member's entry."""
        if row.organization_id in self.known_providers:
            provider = row.organization_id
        else:
            provider = self._provider_of_services_at(row.hsds_id)
            if provider is not None and row.organization_id:
                self.report.warnings[
                    "locations naming an unknown organization took their service's"
                ] += 1
            current = self.existing_locations.get(row.hsds_id)
            if provider is None and current is not None:
                provider = current.provider.hsds_id
                self.known_providers.add(provider)
            provider = provider or self._member_fallback()
        if provider is None:
            self._problem(
                row.label, "organization_id", "names no organization in the file or the directory"
            )
            return
        self.provider_of[row.hsds_id] = provider

    def _check_placements(self) -> None:
        for row in self.services.values():
            for _, location in row.placements or []:
                if location not in self.locations and location not in self.existing_locations:
                    self._problem(
                        row.label,
                        "service_at_locations",
                        "names a location that is neither in the file nor in the directory",
                    )
        known_services = set(self.services) | set(
            DirectoryService.objects.filter(
                hsds_id__in={service for _, service, _ in self.links}
            ).values_list("hsds_id", flat=True)
        )
        for link_id, service, location in self.links:
            label = f"service_at_location {link_id}"
            if service not in known_services:
                self._problem(
                    label,
                    "service_id",
                    "names a service that is neither in the file nor in the directory",
                )
            if location not in self.locations and location not in self.existing_locations:
                self._problem(
                    label,
                    "location_id",
                    "names a location that is neither in the file nor in the directory",
                )

    def _problem(self, record: str, field_name: str, message: str) -> None:
        self.reader.problems.append(Problem(record, field_name, message))

    def _stop_on_problems(self) -> None:
        self.report.warnings.update(self.reader.warnings)
        self.reader.warnings.clear()
        if self.reader.problems:
            raise HsdsImportError(list(dict.fromkeys(self.reader.problems)))


def _merged_services(services: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per service id; a service listed twice (once per location in a
    service_at_location list) keeps its first fields and every location."""
    merged: dict[str, dict[str, Any]] = {}
    anonymous = []
    for service in services:
        key = str(service.get("id") or "")
        if not key:
            anonymous.append(service)
        elif key not in merged:
            merged[key] = dict(service)
        else:
            more = service.get("service_at_locations")
            first = merged[key].get("service_at_locations")
            if isinstance(more, list) and isinstance(first, list):
                merged[key]["service_at_locations"] = first + more
    return [*merged.values(), *anonymous]


def _nested_locations(placements: Any) -> list[dict[str, Any]]:
    if not isinstance(placements, list):
        return []
    return [
        p["location"]
        for p in placements
        if isinstance(p, dict) and isinstance(p.get("location"), dict)
    ]


def _first_by_id(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A record repeated in a file (the same location under two services) is read once."""
    seen: set[str] = set()
    kept = []
    for record in records:
        key = str(record.get("id") or "")
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(record)
    return kept


def _keep_first(rows: dict[UUID, Any], parsed: Iterable[Any]) -> None:
    for row in parsed:
        if row is not None:
            rows.setdefault(row.hsds_id, row)
