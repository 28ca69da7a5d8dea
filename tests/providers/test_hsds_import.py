"""Importing Open Referral HSDS 3.0 into the directory: the specification's examples, Harbor's
own exports, idempotent re-imports, service-type mapping, bad input and R40."""

import json
import shutil
import zipfile
from typing import Any

import pytest

from providers.hsds.bundle import HsdsImportError, bundle_from_json
from providers.hsds.export import export_services
from providers.hsds.importer import import_bundle, import_file
from providers.hsds.tabular import bundle_from_tables, package_files
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceLanguage,
)
from tests import directory_factories as d
from tests.factories import OrganizationFactory, service_type
from tests.providers.hsds_spec import (
    JSON_EXAMPLES,
    OPEN_STREET,
    SHELTER_NAME,
    example,
    hsds_dir,
    seeded_directory,
)

pytestmark = pytest.mark.django_db

EXAMPLE_SERVICE = "ac148810-d857-441c-9679-408f346de14b"
EXAMPLE_LOCATION = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
DIRECTORY_MODELS = (
    DirectoryProvider,
    DirectoryService,
    DirectoryLocation,
    DirectoryServiceAtLocation,
    DirectoryServiceArea,
    DirectoryServiceLanguage,
)


def _rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DIRECTORY_MODELS}


def _import_example(name: str, **options: Any):
    options.setdefault("default_service_type", service_type("mental_health"))
    return import_file(hsds_dir() / "examples" / name, **options)


def _member_options(name: str) -> dict[str, Any]:
    # A bare location names no organization: the operator says whose it is.
    return {"member_organization": OrganizationFactory()} if name == "location.json" else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def location_view(location: dict[str, Any]) -> dict[str, Any]:
    """What Harbor keeps of an HSDS location: id, name, the first physical (else first)
    address's address_1, city, state_province, postal_code, country and type, coordinates on the
    globe, and the accessibility descriptions and details as one text."""
    addresses = location.get("addresses") or []
    physical = [a for a in addresses if a.get("address_type") == "physical"]
    address = (physical or addresses or [{}])[0]
    latitude, longitude = location.get("latitude"), location.get("longitude")
    on_globe = latitude is not None and -90 <= latitude <= 90 and -180 <= longitude <= 180
    return {
        "id": location["id"],
        "name": _text(location.get("name")),
        **{key: _text(address.get(key)) for key in ("address_1", "city", "postal_code")},
        "state_province": _text(address.get("state_province")),
        "country": _text(address.get("country")),
        "address_type": _text(address.get("address_type")) or ("physical" if address else ""),
        "coordinates": (round(latitude, 6), round(longitude, 6)) if on_globe else None,
        "accessibility": "\n".join(
            _text(item.get(key))
            for item in location.get("accessibility") or []
            for key in ("description", "details")
            if _text(item.get(key))
        ),
    }


def service_view(service: dict[str, Any], organization: dict[str, Any]) -> dict[str, Any]:
    """What Harbor keeps of an HSDS service, which a round trip must give back unchanged.

    Kept: id, name, description, status, url, email, eligibility_description,
    fees_description, minimum_age, maximum_age, the schedules' descriptions (as Harbor's
    opening hours), the first phone number, language codes, service area names of up to 60
    characters, each service_at_location id with its location (``location_view``), and the
    organization's id, name, description, email and website.

    Not kept (Harbor has no field for them): alternate names, interpretation_services,
    application_process, accreditations, licenses, alert, assured_date, program, funding,
    contacts, required_documents, metadata, schedule rules other than the description, phone
    extensions and types, language names and notes, service area descriptions and extents,
    cost option amounts (only the category: free, fee ...), a location's url, transportation
    and external identifiers, an address's attention, address_2 and region.
    """
    phones = service.get("phones") or []
    return {
        "id": service["id"],
        **{
            key: _text(service.get(key))
            for key in (
                "name",
                "description",
                "status",
                "url",
                "email",
                "eligibility_description",
                "fees_description",
            )
        },
        "ages": (service.get("minimum_age"), service.get("maximum_age")),
        "hours": "; ".join(_text(s.get("description")) for s in service.get("schedules") or []),
        "phone": _text(phones[0]["number"]) if phones else "",
        "languages": sorted(_text(lang.get("code")) for lang in service.get("languages") or []),
        "areas": sorted(
            _text(a.get("name"))
            for a in service.get("service_areas") or []
            if len(_text(a.get("name"))) <= 60
        ),
        "locations": sorted(
            (sal["id"], tuple(sorted(location_view(sal["location"]).items())))
            for sal in service.get("service_at_locations") or []
        ),
        "organization": {
            key: _text(organization.get(key))
            for key in ("id", "name", "description", "email", "website")
        },
    }


def _original_services(name: str) -> list[tuple[dict, dict]]:
    data = example(name)
    if name == "organization_full.json":
        return [(service, data) for service in data["services"]]
    if name == "service_at_location_full.json":
        service = {**data["service"], "service_at_locations": [data]}
        return [(service, service["organization"])]
    if name == "service_full.json":
        return [(data, data["organization"])]
    return []


# -- the specification's examples ---------------------------------------------------------


def test_the_example_list_covers_every_json_example():
    found = {p.name for p in (hsds_dir() / "examples").glob("*.json")}

    assert found - {"base.json", "tabular.json"} == set(JSON_EXAMPLES)


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_every_json_example_imports(name):
    report = _import_example(name, **_member_options(name))

    kind = name.removesuffix(".json").removesuffix("_list").removesuffix("_full")
    if kind in ("service", "organization", "service_at_location"):
        assert report.created["providers"] == 1
    if kind in ("service", "service_at_location"):
        assert DirectoryService.objects.filter(hsds_id=EXAMPLE_SERVICE).exists()
    if kind == "location":
        assert DirectoryLocation.objects.filter(hsds_id=EXAMPLE_LOCATION).exists()
    if kind == "taxonomy":
        assert (report.taxonomies, _rows()["DirectoryService"]) == (1, 0)
    if kind == "taxonomy_term":
        assert (report.taxonomy_terms, report.taxonomy_terms_mapped) == (1, 0)


@pytest.mark.parametrize(
    "name", ["service_full.json", "organization_full.json", "service_at_location_full.json"]
)
def test_a_full_example_round_trips_the_fields_harbor_keeps(name):
    _import_example(name)

    exported = export_services()

    expected = [service_view(s, org) for s, org in _original_services(name)]
    assert [service_view(s, s["organization"]) for s in exported] == expected


def test_the_bare_location_example_round_trips_the_fields_harbor_keeps():
    member = OrganizationFactory()
    _import_example("location.json", member_organization=member)
    location = DirectoryLocation.objects.get(hsds_id=EXAMPLE_LOCATION)
    d.DirectoryServiceAtLocationFactory(service__provider=location.provider, location=location)
    # The bare location names no organization: the member's entry gets the description HSDS
    # requires of it before its services can be exported.
    DirectoryProvider.objects.filter(member=member).update(description="A member.")

    (service,) = export_services()

    assert location.provider.member == member
    exported = service["service_at_locations"][0]["location"]
    assert location_view(exported) == location_view(example("location.json"))


@pytest.mark.parametrize("form", ["directory", "zip"])
def test_the_example_tabular_package_imports(form, tmp_path):
    source = hsds_dir() / "examples" / "csv"
    path = source
    if form == "zip":
        path = tmp_path / "package.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for csv_file in source.glob("*.csv"):
                archive.write(csv_file, f"hsds/{csv_file.name}")

    report = _import_example(str(path))

    assert report.created["services"] == report.created["locations"] == 1
    service = DirectoryService.objects.get(hsds_id=EXAMPLE_SERVICE)
    # The example's location names an organization the package lacks: it joins its service's.
    assert DirectoryLocation.objects.get(hsds_id=EXAMPLE_LOCATION).provider == service.provider
    assert list(service.languages.values_list("code", flat=True)) == ["ur"]
    assert (service.minimum_age, service.maximum_age) == (12, 100)


def test_the_tabular_example_in_json_imports_like_the_csv_package():
    bundle = bundle_from_tables(example("tabular.json"))

    report = import_bundle(bundle=bundle, default_service_type=service_type("mental_health"))

    assert report.created["services"] == 1
    assert DirectoryService.objects.get(hsds_id=EXAMPLE_SERVICE).name == "Community Counselling"


@pytest.mark.parametrize("name", ["service_full.json", "csv"])
def test_an_imported_postal_address_is_exported_as_postal(name):
    _import_example(name)

    stored = DirectoryLocation.objects.get(hsds_id=EXAMPLE_LOCATION)
    (service,) = export_services()
    (placement,) = service["service_at_locations"]
    tables = package_files(export_services())

    assert stored.address_type == "postal"
    assert [a["address_type"] for a in placement["location"]["addresses"]] == ["postal"]
    assert tables["addresses.csv"].splitlines()[1].endswith(",postal")


def test_a_physical_address_is_preferred_to_a_postal_one():
    changed = example("service_full.json")
    location = changed["service_at_locations"][0]["location"]
    postal = location["addresses"][0]
    location["addresses"] = [
        postal,
        {
            **postal,
            "id": "0b5d7e33-3f7a-4f0e-9d55-5c0a6d1f2e01",
            "address_1": "2 Visit Road",
            "address_type": "physical",
        },
    ]

    import_bundle(
        bundle=bundle_from_json(changed), default_service_type=service_type("mental_health")
    )

    stored = DirectoryLocation.objects.get(hsds_id=EXAMPLE_LOCATION)
    assert (stored.address_1, stored.address_type) == ("2 Visit Road", "physical")


def test_an_unknown_address_type_is_refused():
    changed = example("service_full.json")
    changed["service_at_locations"][0]["location"]["addresses"][0]["address_type"] = "home"

    with pytest.raises(HsdsImportError) as refused:
        import_bundle(
            bundle=bundle_from_json(changed), default_service_type=service_type("mental_health")
        )

    assert "address_type" in str(refused.value)
    assert not DirectoryLocation.objects.exists()


# -- Harbor's own exports ------------------------------------------------------------------


def _without_clock(services: list[dict]) -> list[dict]:
    return [{k: v for k, v in s.items() if k != "last_modified"} for s in services]


def test_harbors_json_export_imports_into_an_empty_directory_as_it_was():
    seeded_directory()
    before = export_services()
    DirectoryProvider.objects.all().delete()

    import_bundle(bundle=bundle_from_json(before))

    assert _without_clock(export_services()) == _without_clock(before)
    assert DirectoryLocation.objects.get(is_confidential=True).name == "Confidential location"


def test_harbors_tabular_export_imports_into_an_empty_directory_as_it_was(tmp_path):
    seeded_directory()
    before = export_services()
    for name, text in package_files(before).items():
        (tmp_path / name).write_text(text)
    DirectoryProvider.objects.all().delete()

    import_file(tmp_path)

    assert _without_clock(export_services()) == _without_clock(before)


def test_reimporting_harbors_export_changes_nothing():
    world = seeded_directory()
    exported = export_services()
    rows = _rows()

    report = import_bundle(bundle=bundle_from_json(exported))

    assert not report.created and not report.updated
    assert _rows() == rows
    world["shelter"].refresh_from_db()
    assert world["shelter"].name == SHELTER_NAME  # not the export's placeholder


@pytest.mark.parametrize("name", ["service_full.json", "organization_full.json", "csv"])
def test_importing_the_same_file_twice_changes_nothing_the_second_time(name):
    _import_example(name)
    rows = _rows()

    report = _import_example(name)

    assert not report.created and not report.updated and not report.removed
    assert _rows() == rows


def test_a_reimport_updates_changed_fields_and_replaces_areas_and_locations():
    _import_example("service_full.json")
    changed = example("service_full.json")
    changed["name"] = "Community Counselling Plus"
    changed["service_areas"] = [{"id": "6e1f8d4e-3f0b-4ad6-9f07-4f3b6f1d3c11", "name": "MyCity"}]
    changed["service_at_locations"] = []

    report = import_bundle(
        bundle=bundle_from_json(changed), default_service_type=service_type("mental_health")
    )

    service = DirectoryService.objects.get(hsds_id=EXAMPLE_SERVICE)
    assert service.name == "Community Counselling Plus"
    assert list(service.areas.values_list("area", flat=True)) == ["MyCity"]
    assert report.removed["service_at_locations"] == 1
    assert not DirectoryServiceAtLocation.objects.exists()


def test_a_feed_without_harbor_facts_keeps_what_only_harbor_knows():
    _import_example("service_full.json")
    DirectoryService.objects.update(accepting_referrals=False, survivor_led=True)

    _import_example("service_full.json")

    service = DirectoryService.objects.get(hsds_id=EXAMPLE_SERVICE)
    assert (service.accepting_referrals, service.survivor_led) == (False, True)


# -- service types -------------------------------------------------------------------------


def _service_with_term(code: str, name: str = "") -> dict[str, Any]:
    service = example("service_full.json")
    service["attributes"][0]["taxonomy_term"].update(code=code, name=name or code)
    return service


def test_a_new_service_whose_terms_map_to_no_type_is_skipped_and_its_terms_counted():
    report = import_bundle(bundle=bundle_from_json(_service_with_term("BH-1800.8500")))

    assert not DirectoryService.objects.exists()
    assert report.skipped_services == 1
    assert report.unmapped_terms == {"BH-1800.8500": 1}
    assert report.created["providers"] == 1  # the organization itself is still listed


def test_a_term_maps_by_service_type_code_or_name():
    import_bundle(bundle=bundle_from_json(_service_with_term("legal_advocacy")))
    assert DirectoryService.objects.get().service_type.code == "legal_advocacy"

    import_bundle(bundle=bundle_from_json(_service_with_term("X1", name="Mentoring")))
    assert DirectoryService.objects.get().service_type.code == "mentoring"


def test_the_operators_term_map_names_the_type():
    report = import_bundle(
        bundle=bundle_from_json(_service_with_term("BH-1800")),
        term_map={"BH-1800": "mental_health"},
    )

    assert report.skipped_services == 0
    assert DirectoryService.objects.get().service_type.code == "mental_health"


def test_a_term_map_to_an_unknown_type_is_refused():
    with pytest.raises(HsdsImportError, match="names no active Harbor service type"):
        import_bundle(bundle=bundle_from_json(_service_with_term("X")), term_map={"X": "nope"})


def test_a_known_service_keeps_its_type_when_no_term_maps():
    _import_example("service_full.json", default_service_type=service_type("family_support"))

    report = import_bundle(bundle=bundle_from_json(_service_with_term("BH-1800")))

    assert report.skipped_services == 0
    assert DirectoryService.objects.get().service_type.code == "family_support"


# -- member organizations ------------------------------------------------------------------


def test_imported_organizations_are_linked_to_no_member_unless_the_operator_says_so():
    _import_example("service_full.json")
    assert DirectoryProvider.objects.get().member is None

    member = OrganizationFactory()
    _import_example("service_full.json", member_organization=member)
    assert DirectoryProvider.objects.get().member == member


def test_a_member_entry_with_another_id_is_not_overwritten():
    member = OrganizationFactory()
    d.DirectoryProviderFactory(member=member)

    with pytest.raises(HsdsImportError, match="already has a directory entry"):
        _import_example("service_full.json", member_organization=member)


def test_a_member_organization_takes_one_organization_only():
    second = {**example("organization_list.json")["contents"][0]}
    second["id"] = "0d5c8f27-59d9-4a9e-8d3f-1b1a7f5cf0aa"
    bundle = bundle_from_json([example("organization_list.json")["contents"][0], second])

    with pytest.raises(HsdsImportError, match="holds several organizations"):
        import_bundle(bundle=bundle, member_organization=OrganizationFactory())


# -- bad input: a clear problem, nothing half-written --------------------------------------


def _two_services(second_changes: dict[str, Any]) -> list[dict[str, Any]]:
    good = example("service_full.json")
    bad = {**example("service_full.json"), "id": "9b7a2c1e-7d3f-4c55-8f0e-6a2b1c3d4e5f"}
    bad.update(second_changes)
    return [good, bad]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"status": "open"}, "status", "must be one of"),
        ({"name": ""}, "name", "is required"),
        ({"minimum_age": 30, "maximum_age": 20}, "maximum_age", "is below minimum_age"),
        ({"minimum_age": "twelve"}, "minimum_age", "must be a number"),
        ({"email": "not-an-address"}, "email", "must be an e-mail address"),
        ({"url": "x" * 300}, "url", "is longer than 200 characters"),
        ({"id": "svc-2"}, "id", "must be a UUID"),
        ({"languages": "es"}, "languages", "must be a list of objects"),
    ],
)
def test_bad_input_names_the_record_and_field_and_writes_nothing(changes, field, message):
    bundle = bundle_from_json(_two_services(changes))

    with pytest.raises(HsdsImportError) as raised:
        import_bundle(bundle=bundle, default_service_type=service_type("mental_health"))

    (problem,) = raised.value.problems
    assert problem.record.startswith("service ")
    assert EXAMPLE_SERVICE not in problem.record
    assert (problem.field, message in problem.message) == (field, True)
    assert _rows() == dict.fromkeys(_rows(), 0)


def test_a_bad_row_of_a_package_is_named_by_file_and_line(tmp_path):
    shutil.copytree(hsds_dir() / "examples" / "csv", tmp_path / "pkg")
    services = tmp_path / "pkg" / "services.csv"
    services.write_text(services.read_text().replace(",active,", ",closed,"))

    with pytest.raises(HsdsImportError, match=r"services\.csv line 2\), field status"):
        _import_example(str(tmp_path / "pkg"))

    assert _rows() == dict.fromkeys(_rows(), 0)


def test_a_service_at_an_unknown_location_is_refused():
    service = example("service_list.json")["contents"][0]
    service["service_at_locations"] = [
        {"id": "1b2c3d4e-0000-4000-8000-000000000001", "location_id": EXAMPLE_LOCATION}
    ]

    with pytest.raises(HsdsImportError, match="names a location"):
        import_bundle(bundle=bundle_from_json(service), default_service_type=service_type())


def test_a_service_of_an_unknown_organization_is_refused():
    service = {"id": EXAMPLE_SERVICE, "name": "Lone", "status": "active"}

    with pytest.raises(HsdsImportError, match="organization_id"):
        import_bundle(bundle=bundle_from_json(service), default_service_type=service_type())


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text("{not json")

    with pytest.raises(HsdsImportError, match="is not JSON"):
        import_file(path)


def test_a_database_failure_midway_keeps_nothing(monkeypatch):
    """Validation stops bad files before writing; this proves the writes are one transaction
    by failing the last write step, which no file can make fail."""
    from providers.hsds import importer

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer._Writer, "_write_placements", fail)

    with pytest.raises(RuntimeError):
        _import_example("service_full.json")

    assert _rows() == dict.fromkeys(_rows(), 0)


def test_a_dry_run_reports_what_it_would_do_and_keeps_nothing():
    report = _import_example("service_full.json", dry_run=True)

    assert report.dry_run
    assert report.created["services"] == 1
    assert _rows() == dict.fromkeys(_rows(), 0)


# -- R40 on import -------------------------------------------------------------------------


def test_r40_an_import_never_makes_a_confidential_location_public_or_keeps_its_address():
    world = seeded_directory()
    exported = export_services()
    shelter_id = str(world["shelter"].hsds_id)
    for sal in exported[0]["service_at_locations"]:
        if sal["location_id"] == shelter_id:
            sal["location"] = {
                **example("location.json"),
                "id": shelter_id,
                "addresses": [{**example("location.json")["addresses"][0]}],
                "latitude": 30.1,
                "longitude": -97.1,
            }

    report = import_bundle(bundle=bundle_from_json(exported))

    shelter = DirectoryLocation.objects.get(hsds_id=shelter_id)
    assert shelter.is_confidential
    assert (shelter.address_1, shelter.latitude, shelter.longitude) == ("", None, None)
    assert report.warnings["addresses of confidential locations were not kept"] == 1
    office = DirectoryLocation.objects.get(hsds_id=world["office"].hsds_id)
    assert office.address_1 == OPEN_STREET


def test_r40_a_location_marked_confidential_in_the_file_keeps_no_address():
    location = example("location.json")
    location["latitude"], location["longitude"] = 30.1, -97.1
    location["attributes"] = [
        {
            "id": "0f0e0d0c-0b0a-4909-8807-060504030201",
            "value": "true",
            "taxonomy_term": {
                "id": "00000000-0000-4000-8000-000000000000",
                "code": "confidential_location",
                "name": "Confidential location",
                "description": "-",
                "taxonomy_id": "2f1b6f8c-6fb8-5c8e-9d7e-000000000000",
            },
        }
    ]
    from providers.hsds import taxonomy as tx

    location["attributes"][0]["taxonomy_term"]["taxonomy_id"] = str(tx.FACTS_TAXONOMY_ID)

    import_bundle(bundle=bundle_from_json(location), member_organization=OrganizationFactory())

    stored = DirectoryLocation.objects.get(hsds_id=EXAMPLE_LOCATION)
    assert stored.is_confidential
    assert (stored.address_1, stored.postal_code, stored.latitude) == ("", "", None)


# -- the command ---------------------------------------------------------------------------


def test_import_command_prints_counts_only(capsys):
    from django.core.management import call_command

    path = hsds_dir() / "examples" / "service_full.json"
    call_command("import_hsds", str(path), "--map-term", "code=mental_health")

    printed = capsys.readouterr().out
    assert "services: 1 created, 0 updated, 0 unchanged" in printed
    assert "Community Counselling" not in printed
    assert "MyCity" not in printed
    assert DirectoryService.objects.get().service_type.code == "mental_health"


def test_import_command_dry_run_and_skipped_services(capsys):
    from django.core.management import call_command

    call_command("import_hsds", str(hsds_dir() / "examples" / "service_full.json"), "--dry-run")

    printed = capsys.readouterr().out
    assert printed.startswith("Dry run: nothing was kept.")
    assert "services skipped, no Harbor service type: 1" in printed
    assert "term code: 1" in printed
    assert not DirectoryProvider.objects.exists()


def test_import_command_lists_problems_and_keeps_nothing(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_two_services({"status": "open"})))

    with pytest.raises(CommandError, match="Nothing was imported") as raised:
        call_command("import_hsds", str(path), "--default-service-type", "mental_health")

    assert "field status" in str(raised.value)
    assert not DirectoryProvider.objects.exists()


def test_import_command_links_the_named_member(tmp_path):
    from django.core.management import call_command

    member = OrganizationFactory()
    call_command(
        "import_hsds",
        str(hsds_dir() / "examples" / "service_full.json"),
        "--member-organization",
        str(member.pk),
        "--default-service-type",
        "mental_health",
    )

    assert DirectoryProvider.objects.get().member == member
