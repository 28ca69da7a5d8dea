"""Documents on a case (R43): upload, delete, and read back a document's file.

Who may do this is the access policy's answer (``consent.policy.access_document`` and the
case's EDIT action); these functions hold the rules of the records themselves: the file's
type and size judged on its content, encryption at rest, and a deletion that keeps its record.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import document_store
from cases.document_types import ACCEPTED_WORDS, detect_type
from cases.documents import CaseDocument, DocumentKind
from cases.models import Case
from cases.services.lifecycle import refuse_if_closed
from cases.services.records import require_lead_staff

TITLE_MAX = CaseDocument._meta.get_field("title").max_length


def document_errors(*, kind: str, title: str, content: bytes, size: int) -> dict[str, list[str]]:
    """What is wrong with an upload, by field, in words the uploader can act on."""
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(DocumentKind.values)}
        ]
    if not title.strip():
        errors["title"] = [_("Say in a few words what the document is.")]
    elif len(title.strip()) > TITLE_MAX:
        errors["title"] = [_("Keep it to %(max)d characters.") % {"max": TITLE_MAX}]
    limit = settings.HARBOR_DOCUMENT_MAX_BYTES
    if size == 0:
        errors["file"] = [_("The file is empty.")]
    elif size > limit:
        errors["file"] = [
            _("The file is %(size)s; documents can be up to %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        ]
    elif detect_type(content) is None:
        errors["file"] = [
            _("This file is not %(accepted)s (judged by its content, not its name).")
            % {"accepted": ACCEPTED_WORDS}
        ]
    return errors


def upload_document(
    *,
    case: Case,
    actor: User,
    kind: str,
    title: str,
    content: bytes,
    size: int | None = None,
    shared_with_partners: bool = False,
) -> CaseDocument:
    """Store a document of the case, encrypted, in the name of the case's lead organization.

    ``size`` is the upload's real length when ``content`` was cut short at the limit
    (cases.uploads). The file is written first and removed again if the row cannot be.
    """
    size = len(content) if size is None else size
    errors = document_errors(kind=kind, title=title, content=content, size=size)
    if errors:
        raise ValidationError(errors)
    require_lead_staff(case_id=case.pk, user=actor, field="uploaded_by")
    refuse_if_closed(case.pk, _("The case is closed; reopen it to add a document."))
    detected = detect_type(content)
    assert detected is not None  # document_errors refused anything else
    name = document_store.store(content)
    try:
        with transaction.atomic():
            return CaseDocument.objects.create(
                case=case,
                organization_id=case.lead_organization_id,
                kind=kind,
                title=title.strip(),
                shared_with_partners=shared_with_partners,
                content_type=detected.content_type,
                size=size,
                sha256=hashlib.sha256(content).hexdigest(),
                storage_name=name,
                uploaded_by=actor,
                uploaded_at=timezone.now(),
            )
    except BaseException:
        document_store.remove(name)
        raise


@transaction.atomic
def delete_document(*, document: CaseDocument, actor: User, reason: str) -> CaseDocument:
    """Remove a document's file; its row stays as the record of who deleted it, when and why.

    The scan that is the evidence of a written signature stays as long as the consent's
    record does (R16): it cannot be deleted by hand.
    """
    document = CaseDocument.objects.select_for_update().get(pk=document.pk)
    require_lead_staff(case_id=document.case_id, user=actor, field="deleted_by")
    if document.is_deleted:
        raise ValidationError({"document": [_("This document was already deleted.")]})
    if document.signatures.exists():
        raise ValidationError(
            {
                "document": [
                    _(
                        "This scan is the evidence of a signature on a consent and stays with "
                        "the consent's record."
                    )
                ]
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the document is deleted.")]})
    name = document.storage_name
    document.deleted_at = timezone.now()
    document.deleted_by = actor
    document.deletion_reason = reason.strip()[:300]
    document.storage_name = ""
    document.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "storage_name"])
    # The file goes once the deletion is committed: a rollback keeps both.
    transaction.on_commit(lambda: document_store.remove(name))
    return document


def document_content(document: CaseDocument) -> bytes:
    """The document's file, decrypted."""
    return document_store.read(document.storage_name)
