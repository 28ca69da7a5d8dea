"""A partner downloads a document a consent in force releases to its organization (R43)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from consent.document_access import document_response
from consent.errors import NotVisible
from consent.policy import access_document, lead_cases
from frontend.access import page_viewer, staff_page


@require_GET
@staff_page
def partner_document_file(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    """The file, if the policy shows it to the viewer through a consent; else 404."""
    viewer = page_viewer(request)
    if lead_cases(viewer=viewer).filter(pk=case_id).exists():
        # The lead organization downloads from its own case page.
        raise NotVisible("No such document.")
    document = access_document(viewer=viewer, document_id=document_id)
    if document.case_id != case_id or document.is_deleted:
        raise NotVisible("No such document.")
    return document_response(viewer, document)
