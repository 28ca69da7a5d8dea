"""Documents at rest (R43, R45): encrypted with the field keys, judged by their content,
deleted with a record that stays, purged by retention, re-encrypted by rotate_keys."""

import hashlib
import os
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cases import document_store
from cases.document_store import document_storage
from cases.documents import CaseDocument, DocumentKind
from cases.models import Case
from cases.services.documents import delete_document, document_content, upload_document
from consent.models import Signature
from consent.services import record_signed_form
from tasks.retention import PLACEHOLDER, remove_stray_document_files, run_retention
from tests import factories as f
from tests.conftest import World
from tests.consents import pending_consent
from tests.documents import JPEG, PDF, PNG, pdf

pytestmark = pytest.mark.django_db

MARKER = "Quenby-custody-order-4471"


def _folder() -> Path:
    return Path(document_storage().location)


def _files() -> set[Path]:
    return set(_folder().iterdir())


def _stored_bytes() -> bytes:
    return b"".join(path.read_bytes() for path in _files())


@pytest.fixture(autouse=True)
def files_before() -> set[Path]:
    """The files other tests left in the run's documents folder."""
    return _files()


def _close(case: Case, closed_on: date) -> None:
    Case.objects.filter(pk=case.pk).update(
        opened_on=closed_on - timedelta(days=100),
        status=Case.Status.CLOSED,
        closed_on=closed_on,
        closed_reason=Case.ClosedReason.GOALS_MET,
    )


def _upload(world: World, content: bytes = PDF, **values: Any) -> CaseDocument:
    defaults = {"kind": DocumentKind.COURT_ORDER, "title": "Custody order"}
    return upload_document(
        case=world.case, actor=world.advocate, content=content, **{**defaults, **values}
    )


def test_r43_the_file_and_its_title_are_encrypted_at_rest(world: World) -> None:
    document = _upload(world, pdf(MARKER), title=f"Order naming {MARKER}")

    assert MARKER.encode() not in _stored_bytes()
    assert document_content(document) == pdf(MARKER)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM cases_casedocument WHERE id = %s", [document.pk])
        assert MARKER not in cursor.fetchone()[0]
    assert CaseDocument.objects.get(pk=document.pk).title == f"Order naming {MARKER}"
    assert document.sha256 == hashlib.sha256(pdf(MARKER)).hexdigest()


def test_r37_r43_an_altered_file_is_refused_not_served(world: World) -> None:
    document = _upload(world)
    path = _folder() / document.storage_name
    path.write_bytes(path.read_bytes()[:-4] + b"AAAA")

    with pytest.raises(Exception, match="could not be decrypted"):
        document_content(document)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_r43_the_type_is_read_from_the_content(
    world: World, content: bytes, content_type: str
) -> None:
    assert _upload(world, content).content_type == content_type


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00 an executable named court-order.pdf",
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4 cut short, never closed",
        PDF[:5] + b"\x00" * 10,
    ],
)
def test_r43_a_file_that_is_not_an_accepted_type_is_refused_whatever_its_name(
    world: World, content: bytes, files_before: set[Path]
) -> None:
    with pytest.raises(ValidationError) as refused:
        _upload(world, content)

    assert "judged by its content" in refused.value.message_dict["file"][0]
    assert not CaseDocument.objects.exists()
    assert _files() == files_before


def test_r43_size_is_limited_and_an_empty_file_refused(world: World, settings: Any) -> None:
    settings.HARBOR_DOCUMENT_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationError) as too_big:
        _upload(world, PDF)
    with pytest.raises(ValidationError) as empty:
        _upload(world, b"")
    # The upload handler keeps one byte past the limit and reports the real size.
    with pytest.raises(ValidationError) as cut_short:
        _upload(world, PDF[: len(PDF) - 1], size=5_000_000)

    assert "documents can be up to" in too_big.value.message_dict["file"][0]
    assert "4.8" in cut_short.value.message_dict["file"][0]
    assert empty.value.message_dict["file"] == ["The file is empty."]
    assert not CaseDocument.objects.exists()


def test_r43_only_lead_staff_upload_and_not_to_a_closed_case(
    world: World, files_before: set[Path]
) -> None:
    with pytest.raises(ValidationError) as outsider:
        upload_document(
            case=world.case,
            actor=world.partner_staff,
            kind=DocumentKind.OTHER,
            title="x",
            content=PDF,
        )
    _close(world.case, timezone.localdate())
    with pytest.raises(ValidationError) as closed:
        _upload(world)

    assert "uploaded_by" in outsider.value.message_dict
    assert "closed" in closed.value.message_dict["case"][0]
    assert not CaseDocument.objects.exists() and _files() == files_before


def test_r43_deleting_removes_the_file_and_keeps_its_record(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    document = _upload(world)
    name = document.storage_name
    with django_capture_on_commit_callbacks(execute=True):
        delete_document(document=document, actor=world.advocate, reason="Uploaded by mistake")

    document.refresh_from_db()
    assert not (_folder() / name).exists()
    assert document.deleted_by == world.advocate and document.deleted_at is not None
    assert document.deletion_reason == "Uploaded by mistake"
    with pytest.raises(ValidationError):
        delete_document(document=document, actor=world.advocate, reason="again")


def test_r45_the_scan_of_a_signed_form_is_the_signatures_evidence_and_stays(
    world: World,
) -> None:
    consent = pending_consent(world)

    signature = record_signed_form(
        consent=consent,
        recorded_by=world.advocate,
        content=pdf("signed"),
        size=len(pdf("signed")),
        signed_at=timezone.now(),
    )

    document = signature.document
    assert document.kind == DocumentKind.SIGNED_CONSENT_FORM
    assert not document.shared_with_partners
    assert signature.evidence == f"document:{document.pk}"
    assert signature.evidence_sha256 == hashlib.sha256(pdf("signed")).hexdigest()
    with pytest.raises(ValidationError) as refused:
        delete_document(document=document, actor=world.advocate, reason="tidy up")
    assert "evidence of a signature" in refused.value.message_dict["document"][0]


def test_r45_a_refused_signature_keeps_no_scan(world: World, files_before: set[Path]) -> None:
    consent = pending_consent(world)
    abuser = f.FamilyMemberFactory(person=world.case.person, harmed_young_person=True)

    with pytest.raises(ValidationError):
        record_signed_form(
            consent=consent,
            recorded_by=world.advocate,
            content=PDF,
            size=len(PDF),
            signed_at=timezone.now(),
            family_member=abuser,
        )

    assert not CaseDocument.objects.exists() and not Signature.objects.exists()
    assert _files() == files_before


def test_r35_r43_retention_purges_the_files_and_titles_of_an_expired_case(
    world: World, django_capture_on_commit_callbacks: Any, files_before: set[Path]
) -> None:
    document = _upload(world, pdf(MARKER), title=MARKER)
    closed_on = timezone.localdate() - timedelta(days=world.lead.closed_case_retention_days + 5)
    _close(world.case, closed_on)

    with django_capture_on_commit_callbacks(execute=True):
        run_retention()

    document.refresh_from_db()
    assert document.title == PLACEHOLDER and document.storage_name == ""
    assert document.deleted_at is not None
    assert _files() == files_before
    assert (document.kind, document.size) == (DocumentKind.COURT_ORDER, len(pdf(MARKER)))


def test_r37_r43_rotate_keys_re_encrypts_document_files(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.HARBOR_FIELD_KEYS = [old]
    document = _upload(world, pdf(MARKER))
    before = document.storage_name

    settings.HARBOR_FIELD_KEYS = [new, old]
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_keys", stdout=out)
    settings.HARBOR_FIELD_KEYS = [new]

    document.refresh_from_db()
    assert document.storage_name != before and not (_folder() / before).exists()
    assert document_content(document) == pdf(MARKER)
    assert "document files: 1 re-encrypted, 0 already current" in out.getvalue()
    again = StringIO()
    call_command("rotate_keys", stdout=again)
    assert "document files: 0 re-encrypted, 1 already current" in again.getvalue()


def test_r43_files_no_document_names_are_removed_once_a_day_old(world: World) -> None:
    kept = _upload(world)
    stray, fresh = document_store.store(PDF), document_store.store(PDF)
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    for name in (stray, kept.storage_name):
        os.utime(_folder() / name, (two_days_ago, two_days_ago))

    removed = remove_stray_document_files()

    assert removed == 1
    assert not (_folder() / stray).exists()
    assert (_folder() / fresh).exists() and (_folder() / kept.storage_name).exists()
    assert document_content(kept) == PDF
