"""Documents on a case (R43): the lead staff upload, download and delete them.

The file's type and size are the service's to judge (on its content); the policy decides who
reads a document; every download is recorded in the access log by ``document_response``.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.documents import CaseDocument, DocumentKind
from cases.models import Case
from cases.services.documents import delete_document, upload_document
from cases.uploads import read_upload
from consent.document_access import document_response, note_document_deleted
from consent.errors import NotVisible
from consent.policy import Action, access_document, visible_documents
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import access_lead_case, add_service_errors, writable_lead_case


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(
        label=_("What it is"),
        max_length=200,
        help_text=_("For example: birth certificate, custody order of March 2026."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("A PDF, PNG or JPEG scan or photo."),
        error_messages={"required": _("Choose the file to upload.")},
    )
    shared_with_partners = forms.BooleanField(
        label=_("Partners may see it under a consent covering documents"),
        required=False,
    )


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is deleted"),
        max_length=300,
        error_messages={"required": _("Say why the document is deleted.")},
    )


def _case_documents(request: HttpRequest, case: Case) -> list[CaseDocument]:
    return list(
        visible_documents(viewer=page_viewer(request))
        .filter(case_id=case.pk)
        .select_related("uploaded_by", "deleted_by")
        .order_by("-uploaded_at", "-pk")
    )


@staff_page
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's documents, and a form to upload one."""
    case = writable_lead_case(request, case_id).case
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        content, size = read_upload(form.cleaned_data["file"])
        try:
            upload_document(
                case=case,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                content=content,
                size=size,
                shared_with_partners=form.cleaned_data["shared_with_partners"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The document is uploaded."))
            return redirect("frontend:documents", case_id=case.pk)
    context = {
        "case": case,
        "form": form,
        "documents": _case_documents(request, case),
        "max_bytes": settings.HARBOR_DOCUMENT_MAX_BYTES,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/documents.html", context, status=status)


def _lead_document(request: HttpRequest, case_id: int, document_id: int) -> CaseDocument:
    """A stored document of this case, which the viewer leads; 404 for any other id."""
    try:
        document = access_document(viewer=page_viewer(request), document_id=document_id)
    except NotVisible as exc:
        raise Http404 from exc
    if document.case_id != case_id or document.is_deleted:
        raise Http404
    return document


@staff_page
@require_GET
def document_file(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    # The lead staff's door: a partner downloads from its own case view.
    access_lead_case(request, case_id, Action.VIEW)
    document = _lead_document(request, case_id, document_id)
    return document_response(page_viewer(request), document)


@staff_page
@require_http_methods(["GET", "POST"])
def document_delete(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    """Delete a document's file after saying why; its record stays on the list."""
    access = writable_lead_case(request, case_id)
    document = _lead_document(request, case_id, document_id)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delete_document(
                document=document, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            note_document_deleted(page_viewer(request), access)
            messages.success(request, gettext("The document is deleted; its record stays."))
            return redirect("frontend:documents", case_id=case_id)
    context = {"case": access.case, "document": document, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/document_delete.html", context, status=status)
