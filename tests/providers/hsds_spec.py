"""The Open Referral HSDS 3.0 specification files the tests check against, and a directory to
export from.

The files live outside the project (``../shared/hsds-3.0`` next to the repository, or
``HARBOR_HSDS_DIR``); the project itself never reads them. A missing folder fails the tests
that need it: it is never a reason to skip.
"""

import json
import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from providers.models import DirectoryLocation, DirectoryService
from tests import directory_factories as d
from tests.factories import service_type

SCHEMA_BASE = "https://hsds.test/schema/"
# JSON examples and what each holds (the rest of examples/ is base.json and tabular.json).
JSON_EXAMPLES = (
    "location.json",
    "organization_full.json",
    "organization_list.json",
    "service_at_location_full.json",
    "service_at_location_list.json",
    "service_full.json",
    "service_list.json",
    "taxonomy.json",
    "taxonomy_list.json",
    "taxonomy_term.json",
    "taxonomy_term_list.json",
)


@cache
def hsds_dir() -> Path:
    """HARBOR_HSDS_DIR, else ../shared/hsds-3.0 beside the repository, else /work/shared."""
    configured = os.environ.get("HARBOR_HSDS_DIR")
    candidates = (
        [Path(configured)]
        if configured
        else [
            Path(__file__).resolve().parents[2] / ".." / "shared" / "hsds-3.0",
            Path("/work/shared/hsds-3.0"),
        ]
    )
    for candidate in candidates:
        if (candidate / "schema" / "service.json").is_file():
            return candidate.resolve()
    pytest.fail(f"The HSDS 3.0 files are missing: looked in {[str(c) for c in candidates]}")


def example(name: str) -> Any:
    return json.loads((hsds_dir() / "examples" / name).read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted((hsds_dir() / "schema").glob("*.json")):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((SCHEMA_BASE + path.name, resource))
    return Registry().with_resources(resources)


def validator(kind: str) -> Draft202012Validator:
    """Validates one HSDS object (``service``, ``location`` ...) with $refs resolved locally."""
    return Draft202012Validator(
        {"$ref": f"{SCHEMA_BASE}{kind}.json"},
        registry=_registry(),
        format_checker=FormatChecker(),
    )


def schema_errors(kind: str, record: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator(kind).iter_errors(record)
    ]


def schema_of(kind: str) -> dict[str, Any]:
    return json.loads((hsds_dir() / "schema" / f"{kind}.json").read_text(encoding="utf-8"))


# Distinctive strings seeded on the directory, searched for in every export (R40).
OPEN_STREET = "4417 Quillmoor Avenue"
OPEN_LATITUDE = Decimal("30.271234")
OPEN_LONGITUDE = Decimal("-97.741234")
SHELTER_NAME = "Bramblegate safe house"
SHELTER_AREA = "Wrenholt County"


def seeded_directory() -> dict[str, Any]:
    """A provider with a published service at an open office and at a confidential shelter,
    with every field filled, plus an unpublished service."""
    provider = d.DirectoryProviderFactory(
        name="Riverbend Youth Alliance",
        email="hello@riverbend.example.org",
        website="https://riverbend.example.org",
        phone="+1 512 555 0100",
    )
    service = d.DirectoryServiceFactory(
        provider=provider,
        service_type=service_type("emergency_shelter"),
        name="Safe Nights",
        description="Emergency beds for young people.",
        minimum_age=12,
        maximum_age=24,
        genders=DirectoryService.Gender.GIRLS_WOMEN,
        eligibility_description="Young people in crisis.",
        accepting_referrals=False,
        waitlist_weeks=3,
        hours="Every day, all hours",
        cost=DirectoryService.Cost.FREE,
        fees_description="No charge.",
        accessibility="Step-free entrance.",
        survivor_led=True,
        culturally_specific="Latina young women",
        email="beds@riverbend.example.org",
        url="https://riverbend.example.org/beds",
        phone="+1 512 555 0101",
    )
    d.DirectoryServiceAreaFactory(service=service, area="Travis County")
    d.DirectoryServiceAreaFactory(service=service, area="78701")
    d.DirectoryServiceLanguageFactory(service=service, code="en")
    d.DirectoryServiceLanguageFactory(service=service, code="es")
    office = d.DirectoryLocationFactory(
        provider=provider,
        name="Riverbend drop-in office",
        address_1=OPEN_STREET,
        latitude=OPEN_LATITUDE,
        longitude=OPEN_LONGITUDE,
        accessibility="Lift to every floor.",
    )
    shelter = d.DirectoryLocationFactory(
        provider=provider, confidential=True, name=SHELTER_NAME, area=SHELTER_AREA
    )
    d.DirectoryServiceAtLocationFactory(service=service, location=office)
    d.DirectoryServiceAtLocationFactory(service=service, location=shelter)
    hidden = d.DirectoryServiceFactory(provider=provider, unpublished=True, name="Draft listing")
    return {
        "provider": provider,
        "service": service,
        "office": office,
        "shelter": shelter,
        "unpublished": hidden,
    }


def assert_shelter_hidden(text: str, shelter: DirectoryLocation) -> None:
    """R40: nothing that places the confidential location appears in an export's text."""
    assert SHELTER_NAME not in text
    assert SHELTER_AREA not in text
    assert shelter.is_confidential
