"""The organization admin's page for importing existing clients from CSV (issue 18, point 8):
admins only, a check that writes nothing, all or nothing, problems by row and column only."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Case
from cases.services.client_columns import COLUMNS
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(world: World) -> str:
    return reverse("frontend:organization-import", kwargs={"organization_id": world.lead.pk})


def _file(*rows: dict[str, str]) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("clients.csv", out.getvalue().encode(), content_type="text/csv")


def _row(world: World, **values: str) -> dict[str, str]:
    return {
        "alias": "Perrin",
        "opened_on": "2024-01-15",
        "primary_advocate_email": world.advocate.email,
        **values,
    }


def test_the_admin_checks_a_file_and_sees_every_problem_without_the_values(world: World) -> None:
    before = Case.objects.count()
    upload = _file(
        _row(world, legal_name="Perrin Halloway"),
        _row(world, alias="Ysolde", birth_date="2010-02-31", status="pending"),
    )

    response = _client(world.org_admin).post(_url(world), {"file": upload, "mode": "check"})

    body = response.content.decode()
    assert response.status_code == 400
    assert body.count('class="import-error"') == 2
    assert "birth_date" in body and "status" in body
    for value in ("Perrin", "Halloway", "Ysolde", "2010-02-31", "pending"):
        assert value not in body
    assert Case.objects.count() == before


def test_a_clean_check_writes_nothing_and_the_import_writes_every_row(world: World) -> None:
    before = Case.objects.count()
    client = _client(world.org_admin)
    rows = (_row(world), _row(world, alias="Ysolde", status="active"))

    response = client.post(_url(world), {"file": _file(*rows), "mode": "check"})
    assert response.status_code == 200
    assert "2 rows checked, no problems" in response.content.decode()
    assert Case.objects.count() == before

    response = client.post(_url(world), {"file": _file(*rows), "mode": "import"}, follow=True)
    assert "2 cases were imported" in response.content.decode()
    assert Case.objects.count() == before + 2
    assert Case.objects.get(person__alias="Ysolde").status == Case.Status.ACTIVE


def test_one_bad_row_imports_nothing(world: World) -> None:
    before = Case.objects.count()
    upload = _file(_row(world), _row(world, primary_advocate_email="stranger@example.org"))
    response = _client(world.org_admin).post(_url(world), {"file": upload, "mode": "import"})
    assert response.status_code == 400
    assert "primary_advocate_email" in response.content.decode()
    assert Case.objects.count() == before


def test_the_page_and_the_template_are_for_organization_admins_only(world: World) -> None:
    admin = _client(world.org_admin)
    page = admin.get(_url(world))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert reverse("frontend:organization-import-template") in page.content.decode()
    assert _url(world) in admin.get(reverse("frontend:organization")).content.decode()
    template = admin.get(reverse("frontend:organization-import-template"))
    assert template["Content-Type"].startswith("text/csv")
    assert template.content.decode().splitlines()[0] == ",".join(COLUMNS)

    for user in (world.advocate, world.supervisor, world.intake, world.partner_staff):
        client = _client(user)
        assert client.get(_url(world)).status_code == 404
        assert client.post(_url(world), {"mode": "check"}).status_code == 404
        assert client.get(reverse("frontend:organization-import-template")).status_code == 404
    other = reverse("frontend:organization-import", kwargs={"organization_id": world.partner.pk})
    assert admin.get(other).status_code == 404


def test_the_report_reads_in_spanish(world: World) -> None:
    world.org_admin.preferred_language = "es"
    world.org_admin.save(update_fields=["preferred_language"])
    client = _client(world.org_admin)

    body = client.post(
        _url(world), {"file": _file(_row(world), _row(world)), "mode": "check"}
    ).content.decode()
    assert "Se revisaron 2 filas, sin problemas" in body

    upload = _file(_row(world, opened_on="soon"))
    body = client.post(_url(world), {"file": upload, "mode": "check"}).content.decode()
    assert "Se encontró 1 problema" in body
    assert "Indique la fecha como AAAA-MM-DD" in body
