"""What an HSDS file holds, sorted by kind before anything is written.

Accepted: a JSON list of services, an HSDS API page (``{"contents": [...]}``), a single
service, organization (with its ``services`` and ``locations``), location,
service_at_location (with its ``service`` and ``location``), taxonomy or taxonomy_term, and
a tabular data package (a directory or a zip of the CSV files).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Key a tabular row carries to say where it came from ("services.csv line 3").
WHERE = "__where__"

ORGANIZATION_ONLY_KEYS = frozenset(
    {
        "services",
        "locations",
        "website",
        "email",
        "tax_status",
        "tax_id",
        "year_incorporated",
        "legal_status",
        "logo",
        "parent_organization_id",
        "alternate_name",
        "phones",
        "contacts",
        "funding",
        "programs",
        "organization_identifiers",
    }
)
TERM_KEYS = frozenset({"code", "taxonomy_detail", "taxonomy_id", "term_uri", "parent_id"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: which record, which field, what is wrong."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.record}, field {self.field}" if self.field else self.record
        return f"{where}: {self.message}"


class HsdsImportError(Exception):
    """The input cannot be imported; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


@dataclass
class Bundle:
    """The records of one file, by kind, as raw HSDS dictionaries."""

    organizations: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)
    # service_at_location records without a nested service: they link records by id.
    placements: list[dict[str, Any]] = field(default_factory=list)
    taxonomy_terms: list[dict[str, Any]] = field(default_factory=list)
    taxonomies: int = 0


def bundle_from_json(data: Any) -> Bundle:
    """Sorts a parsed JSON document into a bundle; a record of unknown shape is a problem."""
    bundle = Bundle()
    if isinstance(data, Mapping) and isinstance(data.get("contents"), list):
        data = data["contents"]
    items = data if isinstance(data, list) else [data]
    problems = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(Problem(f"item {index + 1}", "", "is not a JSON object"))
            continue
        _add(bundle, dict(item))
    if problems:
        raise HsdsImportError(problems)
    return bundle


def kind_of(record: Mapping[str, Any]) -> str:
    """Which HSDS object a record is, from the fields it has (HSDS JSON names no type).

    A bare ``{id, name, description}`` is read as an organization.
    """
    keys = set(record)
    if "status" in keys or "service_at_locations" in keys:
        return "service"
    if "location_type" in keys or "addresses" in keys:
        return "location"
    if keys & {"service", "location"} or {"service_id", "location_id"} <= keys:
        return "service_at_location"
    if keys & TERM_KEYS:
        return "taxonomy_term"
    if keys & ORGANIZATION_ONLY_KEYS:
        return "organization"
    if keys & {"uri", "version"}:
        return "taxonomy"
    return "organization"


def _add(bundle: Bundle, record: dict[str, Any]) -> None:
    kind = kind_of(record)
    if kind == "service":
        bundle.services.append(record)
    elif kind == "location":
        bundle.locations.append(record)
    elif kind == "taxonomy_term":
        bundle.taxonomy_terms.append(record)
    elif kind == "taxonomy":
        bundle.taxonomies += 1
    elif kind == "service_at_location":
        _add_placement(bundle, record)
    else:
        _add_organization(bundle, record)


def _add_organization(bundle: Bundle, record: dict[str, Any]) -> None:
    services = record.pop("services", None)
    locations = record.pop("locations", None)
    bundle.organizations.append(record)
    oid = record.get("id")
    for service in services if isinstance(services, list) else []:
        if isinstance(service, Mapping):
            bundle.services.append({"organization_id": oid, **service})
    for location in locations if isinstance(locations, list) else []:
        if isinstance(location, Mapping):
            bundle.locations.append({"organization_id": oid, **location})


def _add_placement(bundle: Bundle, record: dict[str, Any]) -> None:
    service = record.pop("service", None)
    if isinstance(service, Mapping):
        bundle.services.append({**service, "service_at_locations": [record]})
    else:
        bundle.placements.append(record)
