"""Downloading the directory as HSDS 3.0 through the API: who may, filters, and R40.

Which personas get the downloads at all is in the authorization matrix
(tests/api/test_authorization_matrix.py, ``test_staff_of_any_member_download_...``).
"""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from providers.models import Membership
from tests import directory_factories as d
from tests import factories as f
from tests.providers.hsds_spec import (
    OPEN_LATITUDE,
    OPEN_STREET,
    assert_shelter_hidden,
    schema_errors,
    seeded_directory,
)

pytestmark = pytest.mark.django_db


def _staff(role: str = Membership.Role.INTAKE, **membership) -> object:
    return f.MembershipFactory(role=role, **membership).user


def test_r40_the_json_download_shows_the_office_address_and_nothing_of_the_shelter(api_for):
    world = seeded_directory()

    response = api_for(_staff()).get(reverse("directory-hsds"))

    assert response.status_code == 200
    (service,) = response.json()
    assert schema_errors("service", service) == []
    locations = {sal["location_id"]: sal["location"] for sal in service["service_at_locations"]}
    office, shelter = (locations[str(world[k].hsds_id)] for k in ("office", "shelter"))
    assert office["addresses"][0]["address_1"] == OPEN_STREET
    assert Decimal(str(office["latitude"])) == OPEN_LATITUDE
    assert not {"addresses", "latitude", "longitude"} & set(shelter)
    assert_shelter_hidden(response.content.decode(), world["shelter"])
    assert response["Cache-Control"].startswith("max-age=0")


def test_r40_the_zip_download_shows_the_office_address_and_nothing_of_the_shelter(api_for):
    world = seeded_directory()

    response = api_for(_staff(Membership.Role.ORG_ADMIN)).get(reverse("directory-hsds-zip"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    addresses = list(csv.DictReader(io.StringIO(archive.read("addresses.csv").decode())))
    assert [a["location_id"] for a in addresses] == [str(world["office"].hsds_id)]
    assert addresses[0]["address_1"] == OPEN_STREET
    text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert_shelter_hidden(text, world["shelter"])


def test_the_download_can_be_limited_to_one_provider(api_for):
    world = seeded_directory()
    d.DirectoryServiceFactory()
    url = reverse("directory-hsds")

    response = api_for(_staff()).get(url, {"provider": str(world["provider"].hsds_id)})

    assert [s["name"] for s in response.json()] == ["Safe Nights"]


def test_a_provider_filter_that_is_not_a_uuid_is_a_field_error(api_for):
    response = api_for(_staff()).get(reverse("directory-hsds-zip"), {"provider": "12"})

    assert response.status_code == 400
    assert "provider" in response.json()


def test_an_unknown_provider_is_not_found(api_for):
    url = reverse("directory-hsds")

    response = api_for(_staff()).get(url, {"provider": "1b2c3d4e-0000-4000-8000-000000000001"})

    assert response.status_code == 404


def test_a_suspended_role_downloads_nothing(api_for):
    user = _staff(is_active=False)

    assert api_for(user).get(reverse("directory-hsds")).status_code == 403


def test_staff_of_an_inactive_organization_download_nothing(api_for):
    user = _staff(organization=f.OrganizationFactory(is_active=False))

    assert api_for(user).get(reverse("directory-hsds-zip")).status_code == 403


def test_the_download_costs_the_same_queries_at_any_size(api_for, constant_queries):
    client = api_for(_staff())
    for _ in range(2):
        seeded_directory()
        seeded_directory()
        with constant_queries(budget=8):
            assert client.get(reverse("directory-hsds")).status_code == 200


@pytest.mark.parametrize("accept", ["application/zip", "*/*", "application/*", None])
def test_the_zip_download_answers_whatever_zip_friendly_accept_header_the_client_sends(
    api_for, accept
):
    seeded_directory()
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}

    response = api_for(_staff()).get(reverse("directory-hsds-zip"), **headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_an_error_asked_for_as_a_zip_still_answers_json(api_for):
    response = api_for(_staff()).get(
        reverse("directory-hsds-zip"), {"provider": "12"}, HTTP_ACCEPT="application/zip"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "provider" in response.json()


def test_the_downloads_count_the_incomplete_records_they_leave_out_and_a_route_lists_them(api_for):
    world = seeded_directory()
    bare = d.DirectoryServiceFactory(provider__description="", name="Bare listing")
    client = api_for(_staff())

    listed = client.get(reverse("directory-hsds"))
    zipped = client.get(reverse("directory-hsds-zip"))
    incomplete = client.get(reverse("directory-hsds-incomplete"))

    assert [s["name"] for s in listed.json()] == ["Safe Nights"]
    assert listed["Harbor-Incomplete-Records"] == zipped["Harbor-Incomplete-Records"] == "2"
    assert incomplete.json() == [
        {"record": "organization", "id": str(bare.provider.hsds_id), "missing": ["description"]},
        {"record": "service", "id": str(bare.hsds_id), "missing": ["organization.description"]},
    ]
    assert str(world["service"].hsds_id) not in incomplete.content.decode()
