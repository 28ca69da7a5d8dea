"""Documents on the pages (R43, R45): lead staff upload, download and delete; a partner reads
what a consent covering documents releases and was marked for partners; the young person
downloads their own, alone or in the zip of their information."""

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from cases.documents import CaseDocument, DocumentKind
from consent.models import AccessEvent, RevocationChannel
from consent.services import revoke_consent
from tests.conftest import World
from tests.consents import grant_consent, pending_consent
from tests.documents import PDF, PNG, pdf, scan_upload
from tests.frontend.clients import signed_in, url

pytestmark = pytest.mark.django_db

TITLE = "Custody order of Wrenna Quillfeather"


def upload(world: World, content: bytes = PDF, name: str = "order.pdf", **fields: Any) -> Any:
    data = {"kind": DocumentKind.COURT_ORDER, "title": TITLE, **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return signed_in(world.advocate).post(url("documents", world), data)


def shared(world: World, content: bytes = PDF) -> CaseDocument:
    assert upload(world, content, shared_with_partners="on").status_code == 302
    return CaseDocument.objects.latest("pk")


def lead_only(world: World) -> CaseDocument:
    assert upload(world, pdf("lead only"), title="Court report").status_code == 302
    return CaseDocument.objects.latest("pk")


def downloads(user: User, path: str) -> Any:
    return signed_in(user).get(path)


def partner_file(world: World, document: CaseDocument) -> str:
    return reverse(
        "frontend:partner-document-file",
        kwargs={"case_id": world.case.pk, "document_id": document.pk},
    )


def test_r43_lead_staff_upload_a_document_and_find_it_on_the_case(world: World) -> None:
    response = upload(world, PNG, name="scan.txt")

    assert response.status_code == 302
    document = CaseDocument.objects.get()
    assert (document.content_type, document.title) == ("image/png", TITLE)
    assert document.uploaded_by == world.advocate and not document.shared_with_partners
    page = signed_in(world.advocate).get(url("case", world)).content.decode()
    assert TITLE in page
    assert url("document-file", world, document_id=document.pk) in page


def test_r43_the_download_is_an_attachment_never_cached_and_logged(world: World) -> None:
    upload(world, pdf("content"))
    document = CaseDocument.objects.get()

    response = downloads(world.advocate, url("document-file", world, document_id=document.pk))

    assert response.status_code == 200 and response.content == pdf("content")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    event = AccessEvent.objects.filter(action="download_document").get()
    assert (event.case_id, event.categories) == (world.case.pk, ["documents"])
    assert (event.user_id, event.basis, event.outcome) == (
        world.advocate.pk,
        "primary_advocate",
        "allowed",
    )


def test_r43_a_file_that_is_not_a_document_type_is_a_form_error(world: World) -> None:
    response = upload(world, b"#!/bin/sh\nrm -rf /\n", name="looks-like.pdf")

    assert response.status_code == 400
    assert "judged by its content" in response.context["form"].errors["file"][0]
    assert not CaseDocument.objects.exists()


def test_r43_a_file_over_the_limit_is_a_form_error(world: World, settings: Any) -> None:
    settings.HARBOR_DOCUMENT_MAX_BYTES = 1024
    response = upload(world, PDF + b"0" * 4096)

    assert response.status_code == 400
    assert "documents can be up to 1.0" in response.context["form"].errors["file"][0]
    assert not CaseDocument.objects.exists()


def test_r43_a_partner_sees_only_marked_documents_under_a_consent_covering_documents(
    world: World,
) -> None:
    document, kept = shared(world, pdf("shared")), lead_only(world)
    consent = grant_consent(world.case, world.partner, ["documents"], by=world.advocate)
    case_page = reverse("frontend:partner-case", kwargs={"case_id": world.case.pk})

    page = downloads(world.partner_staff, case_page).content.decode()
    response = downloads(world.partner_staff, partner_file(world, document))

    assert TITLE in page and "Court report" not in page
    assert response.status_code == 200 and response.content == pdf("shared")
    assert downloads(world.partner_staff, partner_file(world, kept)).status_code == 404
    # The lead's own door is not the partner's.
    lead_door = url("document-file", world, document_id=document.pk)
    assert downloads(world.partner_staff, lead_door).status_code == 404
    event = AccessEvent.objects.filter(action="download_document").get()
    assert (event.basis, event.organization_id) == (f"consent:{consent.pk}", world.partner.pk)

    revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)
    assert downloads(world.partner_staff, partner_file(world, document)).status_code == 404


def test_r43_a_consent_without_documents_releases_none(world: World) -> None:
    document = shared(world)
    grant_consent(world.case, world.partner, ["plan", "notes"], by=world.advocate)

    page = downloads(
        world.partner_staff, reverse("frontend:partner-case", kwargs={"case_id": world.case.pk})
    ).content.decode()

    assert TITLE not in page
    assert downloads(world.partner_staff, partner_file(world, document)).status_code == 404
    refused = AccessEvent.objects.filter(outcome="denied", case_id=world.case.pk)
    assert refused.filter(categories=["documents"]).exists()


def test_r43_deleting_asks_why_removes_the_file_and_keeps_a_logged_record(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    document = shared(world)
    grant_consent(world.case, world.partner, ["documents"], by=world.advocate)
    delete_url = url("document-delete", world, document_id=document.pk)
    client = signed_in(world.advocate)

    refused = client.post(delete_url, {"reason": ""})
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(delete_url, {"reason": "Uploaded to the wrong case"})

    assert refused.status_code == 400 and "reason" in refused.context["form"].errors
    assert deleted.status_code == 302
    document.refresh_from_db()
    assert document.is_deleted and document.storage_name == ""
    listing = client.get(url("documents", world)).content.decode()
    assert "Uploaded to the wrong case" in listing and "Deleted" in listing
    assert client.get(url("document-file", world, document_id=document.pk)).status_code == 404
    assert downloads(world.partner_staff, partner_file(world, document)).status_code == 404
    event = AccessEvent.objects.get(action="delete_document")
    assert (event.user_id, event.categories) == (world.advocate.pk, ["documents"])


def test_r43_the_young_person_downloads_their_documents_alone_and_in_their_information(
    world: World,
) -> None:
    document = shared(world, pdf("mine"))
    me = signed_in(world.young_person)

    page = me.get(reverse("frontend:portal-export")).content.decode()
    single = me.get(reverse("frontend:portal-document", kwargs={"document_id": document.pk}))
    bundle = me.get(reverse("frontend:portal-export-zip"))

    assert TITLE in page
    assert single.status_code == 200 and single.content == pdf("mine")
    assert "attachment" in single["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        information = json.loads(archive.read("my-information.json"))
        [listed] = information["documents"]
        assert archive.read(listed["file"]) == pdf("mine")
    assert listed["title"] == TITLE
    other = signed_in(world.other_young_person)
    path = reverse("frontend:portal-document", kwargs={"document_id": document.pk})
    assert other.get(path).status_code == 404
    exports = AccessEvent.objects.filter(action="export", case_id=world.case.pk)
    assert any("documents" in event.categories for event in exports)


def test_r45_a_signed_form_scan_uploaded_on_the_signature_page_is_its_evidence(
    world: World,
) -> None:
    consent = pending_consent(world)
    client = signed_in(world.advocate)

    response = client.post(
        reverse(
            "frontend:consent-sign", kwargs={"case_id": world.case.pk, "consent_id": consent.pk}
        ),
        {
            "signer": "young_person",
            "method": "uploaded_form",
            "signed_on": "2026-12-01",
            "scan": scan_upload(content=pdf("signed by hand")),
        },
    )

    assert response.status_code == 302
    consent.refresh_from_db()
    signature = consent.signatures.get()
    assert signature.document.kind == DocumentKind.SIGNED_CONSENT_FORM
    assert signature.evidence == f"document:{signature.document.pk}"
    listing = client.get(url("documents", world)).content.decode()
    assert "Signed consent form" in listing
