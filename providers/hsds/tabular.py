"""HSDS 3.0 tabular data packages: CSV files plus ``datapackage.json``.

Export flattens the JSON export (providers/hsds/export.py), so what the JSON withholds for a
confidential location (R40) is withheld here too. Import reads the CSV files by their HSDS
names from a directory or a zip (``datapackage.json`` is not needed) and nests the rows back
into service objects for the importer.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers.hsds import taxonomy as tx
from providers.hsds.bundle import WHERE, Bundle
from providers.models import ServiceType

NUMBER_FIELDS = frozenset(
    {
        "latitude",
        "longitude",
        "minimum_age",
        "maximum_age",
        "amount",
        "year_incorporated",
        "extension",
        "timezone",
        "count",
        "interval",
    }
)


# The fields HSDS 3.0 requires of each object (its schema's ``required`` and, for the tables,
# ``tabular_required`` lists), declared in datapackage.json so that a Frictionless validation
# refuses a row that lacks one.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description"),
    "service": ("id", "organization_id", "name", "status"),
    "location": ("id", "location_type"),
    "service_at_location": ("id", "service_id", "location_id"),
    "address": (
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "accessibility": ("id",),
    "phone": ("id", "number"),
    "schedule": ("id",),
    "service_area": ("id",),
    "language": ("id",),
    "cost_option": ("id", "service_id"),
    "attribute": ("id", "link_id", "taxonomy_term_id", "link_entity"),
    "taxonomy": ("id", "name", "description"),
    "taxonomy_term": ("id", "name", "description"),
}
# Columns that hold the id of a row of another table of the package. Links to objects Harbor
# never exports (program, contact) and the attribute's link_id, whose table its link_entity
# names, are not declared: Frictionless could not resolve them.
REFERENCES: dict[str, str] = {
    "organization_id": "organization",
    "parent_organization_id": "organization",
    "service_id": "service",
    "location_id": "location",
    "service_at_location_id": "service_at_location",
    "phone_id": "phone",
    "taxonomy_term_id": "taxonomy_term",
    "taxonomy_id": "taxonomy",
}
TERM_PARENT = "parent_id"


@dataclass(frozen=True)
class Table:
    """One CSV file of the package: the HSDS object it holds and its columns, in order."""

    resource: str
    path: str
    columns: tuple[str, ...]

    def field(self, column: str) -> dict[str, Any]:
        """The Table Schema field of one column, with ``required`` where HSDS 3.0 says so."""
        field = self._field_type(column)
        if column in REQUIRED_FIELDS[self.resource]:
            field["constraints"] = {"required": True}
        return field

    def foreign_keys(self) -> list[dict[str, Any]]:
        """Each column that names a row of another table, as a Table Schema foreign key."""
        keys = [
            {"fields": column, "reference": {"resource": REFERENCES[column], "fields": "id"}}
            for column in self.columns
            if column in REFERENCES
        ]
        if self.resource == "taxonomy_term" and TERM_PARENT in self.columns:
            # A term's parent is a term of the same table: an empty resource means this one.
            keys.append({"fields": TERM_PARENT, "reference": {"resource": "", "fields": "id"}})
        return keys

    def _field_type(self, column: str) -> dict[str, Any]:
        if column in NUMBER_FIELDS:
            return {"name": column, "type": "number"}
        if column == "id" or column.endswith("_id"):
            return {"name": column, "type": "string", "format": "uuid"}
        if column == "last_modified":
            return {"name": column, "type": "datetime"}
        return {"name": column, "type": "string"}


def _table(resource: str, path: str, columns: str) -> Table:
    return Table(resource, path, tuple(columns.split(",")))


TABLES: tuple[Table, ...] = (
    _table(
        "organization",
        "organizations.csv",
        "id,name,alternate_name,description,email,website,tax_status,tax_id,year_incorporated,"
        "legal_status,logo,uri,parent_organization_id",
    ),
    _table(
        "service",
        "services.csv",
        "id,organization_id,program_id,name,alternate_name,description,url,email,status,"
        "interpretation_services,application_process,fees_description,wait_time,fees,"
        "accreditations,eligibility_description,minimum_age,maximum_age,assured_date,"
        "assurer_email,licenses,alert,last_modified",
    ),
    _table(
        "location",
        "locations.csv",
        "id,location_type,url,organization_id,name,alternate_name,description,transportation,"
        "latitude,longitude,external_identifier,external_identifier_type",
    ),
    _table(
        "service_at_location", "service_at_location.csv", "id,service_id,location_id,description"
    ),
    _table(
        "address",
        "addresses.csv",
        "id,location_id,attention,address_1,address_2,city,region,state_province,postal_code,"
        "country,address_type",
    ),
    _table("accessibility", "accessibility.csv", "id,location_id,description,details,url"),
    _table(
        "phone",
        "phones.csv",
        "id,location_id,service_id,organization_id,contact_id,service_at_location_id,number,"
        "extension,type,description",
    ),
    _table(
        "schedule",
        "schedules.csv",
        "id,service_id,location_id,service_at_location_id,valid_from,valid_to,dtstart,timezone,"
        "until,count,wkst,freq,interval,byday,byweekno,bymonthday,byyearday,description,"
        "opens_at,closes_at,schedule_link,attending_type,notes",
    ),
    _table(
        "service_area", "service_areas.csv", "id,service_id,name,description,extent,extent_type,uri"
    ),
    _table("language", "languages.csv", "id,service_id,location_id,phone_id,name,code,note"),
    _table(
        "cost_option",
        "cost_options.csv",
        "id,service_id,valid_from,valid_to,option,currency,amount,amount_description",
    ),
    _table(
        "attribute", "attributes.csv", "id,link_id,taxonomy_term_id,link_type,link_entity,value"
    ),
    _table("taxonomy", "taxonomies.csv", "id,name,description,uri,version"),
    _table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        "id,code,name,description,parent_id,taxonomy,language,taxonomy_id,term_uri",
    ),
)
TABLES_BY_PATH = {table.path: table for table in TABLES}
Rows = dict[str, list[dict[str, Any]]]
# The lists nested in a service object and the file each is kept in.
SERVICE_CHILDREN = (
    ("phones", "phones.csv"),
    ("schedules", "schedules.csv"),
    ("service_areas", "service_areas.csv"),
    ("languages", "languages.csv"),
    ("cost_options", "cost_options.csv"),
)


# -- export ---------------------------------------------------------------------------------


def flatten(services: list[dict[str, Any]]) -> Rows:
    """The tables of the package, from the JSON export's service objects."""
    rows: dict[str, dict[str, dict[str, Any]]] = {table.path: {} for table in TABLES}

    def add(path: str, record: dict[str, Any], **links: str) -> None:
        rows[path].setdefault(record["id"], {**record, **links})

    for service in services:
        organization = service["organization"]
        add("organizations.csv", organization)
        for phone in organization.get("phones", []):
            add("phones.csv", phone)
        add("services.csv", service)
        for key, path in SERVICE_CHILDREN:
            for child in service.get(key, []):
                add(path, child)
        _add_attributes(add, service.get("attributes", []))
        for placement in service.get("service_at_locations", []):
            add("service_at_location.csv", placement)
            location = placement["location"]
            add("locations.csv", location)
            for child in location.get("addresses", []):
                add("addresses.csv", child)
            for child in location.get("accessibility", []):
                add("accessibility.csv", child)
            _add_attributes(add, location.get("attributes", []))
    for taxonomy in (tx.service_types_taxonomy(), tx.facts_taxonomy()):
        add("taxonomies.csv", taxonomy)
    for service_type in ServiceType.objects.filter(is_active=True).order_by("code"):
        add("taxonomy_terms.csv", _term_row(tx.service_type_term(service_type)))
    for fact in tx.FACTS:
        add("taxonomy_terms.csv", _term_row(tx.fact_term(fact)))
    return {
        table.path: [_cells(table, record) for record in rows[table.path].values()]
        for table in TABLES
    }


def _add_attributes(add: Callable[..., None], attributes: Iterable[dict[str, Any]]) -> None:
    for attribute in attributes:
        add("attributes.csv", attribute)
        term = attribute["taxonomy_term"]
        add("taxonomy_terms.csv", _term_row(term))


def _term_row(term: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in term.items() if key != "taxonomy_detail"}


def _cells(table: Table, record: dict[str, Any]) -> dict[str, Any]:
    return {column: record.get(column, "") for column in table.columns}


def datapackage() -> dict[str, Any]:
    """The Frictionless data package descriptor of the export."""
    return {
        "name": "harbor-directory",
        "title": "Harbor community resource directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "resources": [
            {
                "name": table.resource,
                "path": table.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [table.field(column) for column in table.columns],
                    "primaryKey": "id",
                    "foreignKeys": table.foreign_keys(),
                },
            }
            for table in TABLES
        ],
    }


def csv_text(table: Table, records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=table.columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def package_files(services: list[dict[str, Any]]) -> dict[str, str]:
    """File name to file text: every CSV and ``datapackage.json``."""
    tables = flatten(services)
    files = {path: csv_text(TABLES_BY_PATH[path], records) for path, records in tables.items()}
    files["datapackage.json"] = json.dumps(datapackage(), indent=2)
    return files


def package_zip(services: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in package_files(services).items():
            archive.writestr(name, text)
    return buffer.getvalue()


# -- import ---------------------------------------------------------------------------------


def read_tables(path: Path) -> Rows:
    """The rows of every known CSV file of a package directory or zip, empty cells left out.

    Each row carries where it came from (file and line) for error messages.
    """
    texts: dict[str, str] = {}
    if path.is_dir():
        for table in TABLES:
            candidate = path / table.path
            if candidate.is_file():
                texts[table.path] = candidate.read_text(encoding="utf-8-sig")
    else:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                base = name.rsplit("/", 1)[-1]
                if base in TABLES_BY_PATH and base not in texts:
                    texts[base] = archive.read(name).decode("utf-8-sig")
    return {name: _rows(name, text) for name, text in texts.items()}


def _rows(name: str, text: str) -> list[dict[str, Any]]:
    rows = []
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        record: dict[str, Any] = {
            key: value for key, value in row.items() if key and value not in (None, "")
        }
        record[WHERE] = f"{name} line {line}"
        rows.append(record)
    return rows


def bundle_from_tables(tables: Rows) -> Bundle:
    """Nests the package's rows into service objects (with their organization, locations and
    attributes), plus organizations and locations no service uses."""

    def by(path: str, key: str) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in tables.get(path, []):
            if key in row:
                grouped.setdefault(row[key], []).append(row)
        return grouped

    terms = _terms(tables)
    attributes: dict[str, list[dict[str, Any]]] = {}
    for row in tables.get("attributes.csv", []):
        term = terms.get(row.get("taxonomy_term_id", ""))
        attribute = {**row, "taxonomy_term": term} if term else dict(row)
        attributes.setdefault(row.get("link_id", ""), []).append(attribute)
    organization_phones = by("phones.csv", "organization_id")
    organizations = {
        row["id"]: {**row, "phones": _own_phones(organization_phones.get(row["id"], []))}
        for row in tables.get("organizations.csv", [])
        if "id" in row
    }
    locations = {}
    addresses, accessibility = (
        by("addresses.csv", "location_id"),
        by("accessibility.csv", "location_id"),
    )
    for row in tables.get("locations.csv", []):
        lid = row.get("id", "")
        location = {**row, "attributes": attributes.get(lid, [])}
        if "addresses.csv" in tables:
            location["addresses"] = addresses.get(lid, [])
        if "accessibility.csv" in tables:
            location["accessibility"] = accessibility.get(lid, [])
        locations[lid] = location
    placements = by("service_at_location.csv", "service_id")
    # A service gets a list (maybe empty) for each child file the package has; a file that
    # is missing leaves what Harbor holds for that list unchanged.
    children = {key: by(path, "service_id") for key, path in SERVICE_CHILDREN if path in tables}
    services = []
    for row in tables.get("services.csv", []):
        sid = row.get("id", "")
        service = {**row, "attributes": attributes.get(sid, [])}
        for key, grouped in children.items():
            service[key] = grouped.get(sid, [])
        if "service_at_location.csv" in tables:
            service["service_at_locations"] = [
                {**placement, "location": locations[placement["location_id"]]}
                if placement.get("location_id") in locations
                else placement
                for placement in placements.get(sid, [])
            ]
        services.append(service)
    return Bundle(
        organizations=list(organizations.values()),
        services=services,
        locations=list(locations.values()),
        taxonomy_terms=list(terms.values()),
    )


def _own_phones(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The organization's own numbers: not those of its services, locations or contacts."""
    others = ("service_id", "location_id", "contact_id", "service_at_location_id")
    return [row for row in rows if not any(key in row for key in others)]


def _terms(tables: Rows) -> dict[str, dict[str, Any]]:
    taxonomies = {row["id"]: row for row in tables.get("taxonomies.csv", []) if "id" in row}
    terms = {}
    for row in tables.get("taxonomy_terms.csv", []):
        term = dict(row)
        detail = taxonomies.get(row.get("taxonomy_id", ""))
        if detail is not None:
            term["taxonomy_detail"] = detail
        terms[row.get("id", "")] = term
    return terms
