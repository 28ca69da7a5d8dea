"""The one way a document's file leaves Harbor (R43): recorded in the access log, decrypted,
and sent as an attachment that no browser or proxy keeps; and the log's record of a deletion.

The pages (staff, partner, portal) and the API all answer with ``document_response`` once the
policy has let the viewer see the document (``consent.policy.access_document``).
"""

from django.http import HttpResponse

from cases.categories import DataCategory
from cases.document_types import EXTENSIONS
from cases.documents import CaseDocument
from cases.services.documents import document_content
from consent.access_log import note_case_access, note_page_access
from consent.policy import CaseAccess, Viewer

DOWNLOAD = "download_document"
DELETE = "delete_document"


def download_name(document: CaseDocument) -> str:
    """A file name with no title in it: titles can name people, and a download's name stays
    in the device's downloads list."""
    return f"document-{document.pk}.{EXTENSIONS.get(document.content_type, 'bin')}"


def document_response(viewer: Viewer, document: CaseDocument) -> HttpResponse:
    """The document's file for ``viewer``, whom the policy has already let see it."""
    content = document_content(document)
    note_page_access(
        viewer=viewer,
        case_ids=[document.case_id],
        action=DOWNLOAD,
        categories=(DataCategory.DOCUMENTS,),
    )
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download_name(document)}"'
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened by mistake in the browser, the file runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def note_document_deleted(viewer: Viewer, access: CaseAccess) -> None:
    """The case's access log keeps who deleted a document of it, and on which basis."""
    note_case_access(viewer, access, DELETE, categories=(DataCategory.DOCUMENTS,))
