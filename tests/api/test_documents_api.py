"""Documents through the API (R43, R45): multipart upload, the file at content/, deletion with
a reason, and a scan as a signature's evidence."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.documents import CaseDocument
from consent.models import AccessEvent
from tests.conftest import World
from tests.consents import grant_consent, pending_consent
from tests.documents import PDF, pdf

pytestmark = pytest.mark.django_db

LIST = "/api/v1/documents/"


def _upload(api: Any, world: World, content: bytes = PDF, **fields: Any) -> Any:
    data = {"case": world.case.pk, "kind": "id_document", "title": "Birth certificate", **fields}
    data["file"] = SimpleUploadedFile("any-name.bin", content)
    return api.post(LIST, data, format="multipart")


def test_r43_upload_then_read_the_record_and_the_file(world: World, api_for: Any) -> None:
    api = api_for(world.advocate)

    created = _upload(api, world, pdf("api"), shared_with_partners="true")
    document_id = created.data["id"]
    record = api.get(f"{LIST}{document_id}/")
    content = api.get(f"{LIST}{document_id}/content/")

    assert created.status_code == 201, created.data
    assert created.data["content_type"] == "application/pdf"
    assert created.data["shared_with_partners"] is True
    assert record.data["title"] == "Birth certificate"
    assert content.status_code == 200 and content.content == pdf("api")
    assert content["Cache-Control"].startswith("no-store")
    assert "attachment" in content["Content-Disposition"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"format": "json"}, "file"),
        ({"content": b"GIF89a not accepted"}, "file"),
        ({"kind": "passport_photo"}, "kind"),
        ({"title": ""}, "title"),
    ],
)
def test_r43_a_bad_upload_is_a_400_naming_the_field_and_stores_nothing(
    world: World, api_for: Any, fields: dict, field: str
) -> None:
    api = api_for(world.advocate)
    if fields.get("format") == "json":
        response = api.post(
            LIST, {"case": world.case.pk, "kind": "other", "title": "x"}, format="json"
        )
    else:
        response = _upload(api, world, **fields)

    assert response.status_code == 400
    assert field in response.data
    assert not CaseDocument.objects.exists()


def test_r43_a_partner_lists_only_what_its_consent_and_the_lead_release(
    world: World, api_for: Any
) -> None:
    lead = api_for(world.advocate)
    shown = _upload(lead, world, shared_with_partners="true").data["id"]
    kept = _upload(lead, world, title="Court report").data["id"]
    grant_consent(world.case, world.partner, ["documents"], by=world.advocate)
    partner = api_for(world.partner_staff)

    listed = partner.get(LIST, {"case": world.case.pk})

    assert [row["id"] for row in listed.data["results"]] == [shown]
    [row] = listed.data["results"]
    assert "uploaded_by" not in row and "shared_with_partners" not in row
    assert row["redisclosure_notice"]
    assert partner.get(f"{LIST}{kept}/").status_code == 404
    assert partner.get(f"{LIST}{kept}/content/").status_code == 404
    assert partner.get(f"{LIST}{shown}/content/").status_code == 200
    assert partner.post(f"{LIST}{shown}/delete/", {"reason": "x"}).status_code == 403


def test_r43_deleting_through_the_api_needs_a_reason_and_keeps_the_record(
    world: World, api_for: Any
) -> None:
    api = api_for(world.advocate)
    document_id = _upload(api, world).data["id"]

    refused = api.post(f"{LIST}{document_id}/delete/", {"reason": ""}, format="json")
    deleted = api.post(f"{LIST}{document_id}/delete/", {"reason": "Wrong case"}, format="json")

    assert refused.status_code == 400 and "reason" in refused.data
    assert deleted.status_code == 200
    assert deleted.data["deletion_reason"] == "Wrong case" and deleted.data["deleted_at"]
    assert api.get(f"{LIST}{document_id}/content/").status_code == 404
    assert AccessEvent.objects.filter(action="delete_document", case_id=world.case.pk).exists()


def test_r45_a_signature_names_its_uploaded_scan(world: World, api_for: Any) -> None:
    api = api_for(world.advocate)
    consent = pending_consent(world)
    scan = _upload(api, world, pdf("form"), kind="signed_consent_form").data

    response = api.post(
        f"/api/v1/consents/{consent.pk}/sign/",
        {"document": scan["id"], "signed_at": "2026-12-01T10:00:00Z"},
        format="json",
    )

    assert response.status_code == 200, response.data
    signature = consent.signatures.get()
    assert signature.document_id == scan["id"]
    assert signature.evidence_sha256 == scan["sha256"]
    blocked = api.post(f"{LIST}{scan['id']}/delete/", {"reason": "tidy"}, format="json")
    assert blocked.status_code == 400
