"""The directory exported as Open Referral HSDS 3.0 JSON and as a tabular data package (R40)."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import frictionless
import pytest
from django.core.management import CommandError, call_command

from providers.hsds import taxonomy as tx
from providers.hsds.export import CONFIDENTIAL_NAME, export_directory, export_services
from providers.hsds.tabular import TABLES, datapackage, package_files, package_zip
from providers.models import DirectoryLocation
from tests import directory_factories as d
from tests.providers.hsds_spec import (
    OPEN_LATITUDE,
    OPEN_LONGITUDE,
    OPEN_STREET,
    assert_shelter_hidden,
    hsds_dir,
    schema_errors,
    schema_of,
    seeded_directory,
)

pytestmark = pytest.mark.django_db


def _locations(service: dict) -> dict[str, dict]:
    return {sal["location_id"]: sal["location"] for sal in service["service_at_locations"]}


def _facts(record: dict) -> dict[str, str]:
    return {
        a["taxonomy_term"]["code"]: a.get("value")
        for a in record["attributes"]
        if a["taxonomy_term"].get("taxonomy_id") == str(tx.FACTS_TAXONOMY_ID)
    }


def test_r40_every_exported_service_validates_against_the_hsds_service_schema():
    seeded_directory()
    d.DirectoryServiceFactory()  # a service with only the required fields

    services = export_services()

    assert len(services) == 2
    for service in services:
        assert schema_errors("service", service) == []


def test_only_published_services_are_exported():
    world = seeded_directory()

    names = [service["name"] for service in export_services()]

    assert names == [world["service"].name]


def test_the_export_can_be_limited_to_one_provider():
    world = seeded_directory()
    other = d.DirectoryServiceFactory()

    assert [s["id"] for s in export_services(provider=other.provider)] == [str(other.hsds_id)]
    assert [s["id"] for s in export_services(provider=world["provider"])] == [
        str(world["service"].hsds_id)
    ]


def test_the_service_carries_its_organization_areas_languages_schedule_and_cost():
    world = seeded_directory()

    (service,) = export_services()

    assert service["organization"]["name"] == "Riverbend Youth Alliance"
    assert service["organization"]["phones"][0]["number"] == "+1 512 555 0100"
    assert sorted(area["name"] for area in service["service_areas"]) == ["78701", "Travis County"]
    assert [language["code"] for language in service["languages"]] == ["en", "es"]
    assert service["schedules"][0]["description"] == "Every day, all hours"
    assert service["cost_options"][0]["amount"] == 0
    assert service["fees_description"] == "No charge."
    assert service["wait_time"] == "Not accepting referrals at present."
    assert (service["minimum_age"], service["maximum_age"]) == (12, 24)
    assert service["id"] == str(world["service"].hsds_id)


def test_the_service_type_is_a_term_of_harbors_service_type_taxonomy():
    seeded_directory()

    (service,) = export_services()

    (term,) = [
        a["taxonomy_term"]
        for a in service["attributes"]
        if a["taxonomy_term"].get("taxonomy_id") == str(tx.SERVICE_TYPES_TAXONOMY_ID)
    ]
    assert term["code"] == "emergency_shelter"
    assert term["taxonomy_detail"]["name"] == "Harbor service types"
    assert schema_errors("taxonomy_term", term) == []
    assert schema_errors("taxonomy", term["taxonomy_detail"]) == []


def test_harbors_own_facts_travel_as_attributes_of_the_facts_taxonomy():
    seeded_directory()

    (service,) = export_services()

    assert _facts(service) == {
        "survivor_led": "true",
        "genders_served": "girls_women",
        "accepting_referrals": "false",
        "waitlist_weeks": "3",
        "cost": "free",
        "culturally_specific": "Latina young women",
        "service_accessibility": "Step-free entrance.",
    }


def test_r40_a_confidential_location_has_no_address_or_coordinates_in_the_json_export():
    world = seeded_directory()

    (service,) = export_services()
    locations = _locations(service)
    office = locations[str(world["office"].hsds_id)]
    shelter = locations[str(world["shelter"].hsds_id)]

    assert office["addresses"][0]["address_1"] == OPEN_STREET
    assert Decimal(str(office["latitude"])) == OPEN_LATITUDE
    assert Decimal(str(office["longitude"])) == OPEN_LONGITUDE
    assert shelter["name"] == CONFIDENTIAL_NAME
    assert not {"addresses", "latitude", "longitude", "accessibility"} & set(shelter)
    assert _facts(shelter) == {"confidential_location": "true"}
    assert_shelter_hidden(json.dumps(service), world["shelter"])


def test_r40_a_confidential_location_has_no_address_or_coordinates_in_the_tabular_package():
    world = seeded_directory()

    files = package_files(export_services())
    locations = {row["id"]: row for row in csv.DictReader(io.StringIO(files["locations.csv"]))}
    addresses = list(csv.DictReader(io.StringIO(files["addresses.csv"])))
    shelter_id, office_id = str(world["shelter"].hsds_id), str(world["office"].hsds_id)

    assert [a["location_id"] for a in addresses] == [office_id]
    assert addresses[0]["address_1"] == OPEN_STREET
    assert Decimal(locations[office_id]["latitude"]) == OPEN_LATITUDE
    assert locations[shelter_id]["name"] == CONFIDENTIAL_NAME
    assert locations[shelter_id]["latitude"] == locations[shelter_id]["longitude"] == ""
    assert_shelter_hidden("".join(files.values()), world["shelter"])


def test_the_package_holds_every_table_with_the_columns_of_the_hsds_example():
    seeded_directory()

    files = package_files(export_services())
    descriptor = json.loads(files["datapackage.json"])

    assert {r["path"] for r in descriptor["resources"]} == {t.path for t in TABLES}
    for table in TABLES:
        example = hsds_dir() / "examples" / "csv" / table.path
        header = next(csv.reader(io.StringIO(files[table.path])))
        assert header == next(csv.reader(example.open(encoding="utf-8"))), table.path


def test_every_row_of_the_package_validates_against_its_hsds_schema():
    seeded_directory()
    d.DirectoryServiceFactory()

    files = package_files(export_services())
    descriptor = json.loads(files["datapackage.json"])

    for resource in descriptor["resources"]:
        numbers = {f["name"] for f in resource["schema"]["fields"] if f["type"] == "number"}
        schema = schema_of(resource["name"])
        rows = list(csv.DictReader(io.StringIO(files[resource["path"]])))
        assert rows, resource["path"]
        for row in rows:
            record = {k: (float(v) if k in numbers else v) for k, v in row.items() if v != ""}
            assert schema_errors(resource["name"], record) == [], resource["path"]
            missing = [c for c in schema.get("tabular_required", []) if not row.get(c)]
            assert missing == [], resource["path"]


def test_the_datapackage_declares_the_fields_hsds_requires_its_keys_and_links():
    descriptor = datapackage()

    for resource in descriptor["resources"]:
        schema = schema_of(resource["name"])
        hsds_required = {*schema["required"], *schema.get("tabular_required", [])}
        declared = {
            f["name"]
            for f in resource["schema"]["fields"]
            if f.get("constraints", {}).get("required")
        }
        columns = {f["name"] for f in resource["schema"]["fields"]}
        assert declared == hsds_required & columns, resource["name"]
        assert resource["schema"]["primaryKey"] == "id"
    links = {
        (r["name"], k["fields"], k["reference"]["resource"] or r["name"])
        for r in descriptor["resources"]
        for k in r["schema"]["foreignKeys"]
    }
    assert {
        ("service", "organization_id", "organization"),
        ("location", "organization_id", "organization"),
        ("service_at_location", "service_id", "service"),
        ("service_at_location", "location_id", "location"),
        ("address", "location_id", "location"),
        ("phone", "service_id", "service"),
        ("attribute", "taxonomy_term_id", "taxonomy_term"),
        ("taxonomy_term", "taxonomy_id", "taxonomy"),
        ("taxonomy_term", "parent_id", "taxonomy_term"),
    } <= links


def _write_package(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "datapackage.json"


def test_the_exported_package_passes_a_frictionless_validation(tmp_path):
    seeded_directory()
    d.DirectoryServiceFactory()

    report = frictionless.validate(_write_package(tmp_path, package_files(export_services())))

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_frictionless_validation_of_the_package_catches_a_broken_link(tmp_path):
    seeded_directory()
    files = package_files(export_services())
    header, *_organizations = files["organizations.csv"].splitlines()
    files["organizations.csv"] = header + "\n"

    report = frictionless.validate(_write_package(tmp_path, files))

    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


def test_a_frictionless_validation_of_the_package_catches_a_missing_required_field(tmp_path):
    seeded_directory()
    files = package_files(export_services())
    files["addresses.csv"] = files["addresses.csv"].replace(",78701,", ",,")

    report = frictionless.validate(_write_package(tmp_path, files))

    assert [(e[0], e[1]) for e in report.flatten(["type", "fieldName"])] == [
        ("constraint-error", "postal_code")
    ]


def test_the_package_lists_the_whole_harbor_service_type_taxonomy():
    seeded_directory()

    files = package_files(export_services())
    terms = list(csv.DictReader(io.StringIO(files["taxonomy_terms.csv"])))

    codes = {t["code"] for t in terms if t["taxonomy_id"] == str(tx.SERVICE_TYPES_TAXONOMY_ID)}
    assert {"emergency_shelter", "mental_health", "legal_advocacy"} <= codes
    assert {t["code"] for t in terms if t["taxonomy_id"] == str(tx.FACTS_TAXONOMY_ID)} == {
        fact.code for fact in tx.FACTS
    }


def test_the_zip_holds_the_package():
    seeded_directory()

    archive = zipfile.ZipFile(io.BytesIO(package_zip(export_services())))

    assert set(archive.namelist()) == {t.path for t in TABLES} | {"datapackage.json"}


def test_the_export_costs_the_same_queries_at_any_size(django_assert_num_queries):
    seeded_directory()
    with django_assert_num_queries(4):
        export_services()
    for _ in range(3):
        seeded_directory()
    with django_assert_num_queries(4):
        assert len(export_services()) == 4


def test_export_command_writes_json_and_prints_counts_only(tmp_path, capsys):
    seeded_directory()
    output = tmp_path / "directory.json"

    call_command("export_hsds", "--format", "json", "--output", str(output))

    assert [s["name"] for s in json.loads(output.read_text())] == ["Safe Nights"]
    printed = capsys.readouterr().out
    assert printed == "Exported 1 services of 1 organizations.\n"


def test_export_command_writes_a_zip_or_a_directory_package(tmp_path):
    world = seeded_directory()

    call_command("export_hsds", "--format", "tabular", "--output", str(tmp_path / "d.zip"))
    call_command("export_hsds", "--format", "tabular", "--output", str(tmp_path / "pkg"))

    assert "datapackage.json" in zipfile.ZipFile(tmp_path / "d.zip").namelist()
    assert OPEN_STREET in (tmp_path / "pkg" / "addresses.csv").read_text()
    assert_shelter_hidden((tmp_path / "pkg" / "locations.csv").read_text(), world["shelter"])


def test_export_command_refuses_an_unknown_provider(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="UUID"):
        call_command("export_hsds", "--output", str(tmp_path / "x.json"), "--provider", "7")


# -- incomplete records ------------------------------------------------------------------------


def _incomplete_world() -> dict:
    """The seeded directory plus a provider without a description and an office address
    without a postal code."""
    world = seeded_directory()
    bare = d.DirectoryProviderFactory(description="")
    world["bare_service"] = d.DirectoryServiceFactory(provider=bare, name="Bare listing")
    world["bare"] = bare
    DirectoryLocation.objects.filter(pk=world["office"].pk).update(postal_code="")
    return world


def test_an_organization_without_a_description_is_reported_and_its_services_left_out():
    world = _incomplete_world()

    export = export_directory()

    assert [s["name"] for s in export.services] == ["Safe Nights"]
    assert {
        "record": "organization",
        "id": str(world["bare"].hsds_id),
        "missing": ["description"],
    } in (export.incomplete)
    assert {
        "record": "service",
        "id": str(world["bare_service"].hsds_id),
        "missing": ["organization.description"],
    } in export.incomplete


def test_an_address_without_a_postal_code_is_left_out_and_reported_and_its_location_stays():
    world = _incomplete_world()

    export = export_directory()

    (service,) = export.services
    office = _locations(service)[str(world["office"].hsds_id)]
    assert office["addresses"] == []
    assert schema_errors("service", service) == []
    (address,) = [e for e in export.incomplete if e["record"] == "address"]
    assert address["missing"] == ["postal_code"]
    assert OPEN_STREET not in json.dumps(export.incomplete)


def test_every_exported_record_is_complete_once_incomplete_ones_are_left_out(tmp_path):
    _incomplete_world()
    files = package_files(export_services())

    report = frictionless.validate(_write_package(tmp_path, files))

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_export_command_prints_incomplete_records_and_succeeds_unless_strict(tmp_path, capsys):
    world = _incomplete_world()
    output = tmp_path / "directory.json"

    call_command("export_hsds", "--format", "json", "--output", str(output))

    printed = capsys.readouterr()
    assert printed.out == "Exported 1 services of 1 organizations.\n"
    assert f"Left out incomplete organization {world['bare'].hsds_id}: missing description." in (
        printed.err
    )
    assert "postal_code" in printed.err and OPEN_STREET not in printed.err
    with pytest.raises(CommandError, match="3 incomplete records were left out"):
        call_command("export_hsds", "--strict", "--format", "json", "--output", str(output))
    assert [s["name"] for s in json.loads(output.read_text())] == ["Safe Nights"]


def test_export_command_strict_succeeds_when_every_record_is_complete(tmp_path):
    seeded_directory()

    call_command("export_hsds", "--strict", "--output", str(tmp_path / "d.json"))
