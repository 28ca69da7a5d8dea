"""Documents on a case (R43): list, upload (multipart), download and delete.

Reading follows ``consent.policy.visible_documents``: the lead organization and the young
person see the case's documents; a partner sees those marked for partners while a consent in
force releases documents to it. Every download and deletion goes into the access log.
"""

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.release import ReleasedFieldsMixin, ReleasesMixin
from api.serializers_cases import StaffSerializer
from api.staff_names import ORGANIZATION, StaffNamesMixin
from cases.categories import DataCategory
from cases.document_types import DOCUMENT_TYPES
from cases.documents import CaseDocument, DocumentKind
from cases.models import Case
from cases.services.documents import delete_document, upload_document
from cases.uploads import read_upload
from consent.access_log import note_page_access
from consent.document_access import document_response, note_document_deleted
from consent.policy import Action, access_case, access_document, visible_cases, visible_documents

DOCUMENTS = (DataCategory.DOCUMENTS,)


class DocumentSerializer(StaffNamesMixin, ReleasedFieldsMixin, serializers.ModelSerializer):
    """A document's record; its file is at ``content/``. A partner reads what it is and when it
    came, not who uploaded it or the lead's marks."""

    staff_details = {"uploaded_by_detail": ("uploaded_by", (ORGANIZATION, "organization_id"))}
    field_categories = {
        "title": DataCategory.DOCUMENTS,
        "kind": DataCategory.DOCUMENTS,
        "content_type": DataCategory.DOCUMENTS,
        "size": DataCategory.DOCUMENTS,
    }
    lead_only_fields = (
        "uploaded_by",
        "uploaded_by_detail",
        "shared_with_partners",
        "deleted_at",
        "deletion_reason",
    )

    uploaded_by_detail = StaffSerializer(source="uploaded_by", read_only=True, allow_null=True)

    class Meta:
        model = CaseDocument
        fields = [
            "id",
            "case",
            "organization",
            "kind",
            "title",
            "content_type",
            "size",
            "sha256",
            "shared_with_partners",
            "uploaded_by",
            "uploaded_by_detail",
            "uploaded_at",
            "deleted_at",
            "deletion_reason",
        ]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(max_length=200)
    file = serializers.FileField(help_text="A PDF, PNG or JPEG file, judged by its content.")
    shared_with_partners = serializers.BooleanField(default=False)


class DocumentDeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the document is deleted.")


class DocumentFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = CaseDocument
        fields = ["case", "kind"]


FILE_RESPONSES = {
    (200, kind.content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
    for kind in DOCUMENT_TYPES
}


class DocumentViewSet(
    ReleasesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Documents of visible cases. Lead staff upload (multipart/form-data) and delete them."""

    access_log_case_field = "case_id"
    access_log_categories = DOCUMENTS

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    lookup_value_regex = ID_PATTERN
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[CaseDocument]:
        return visible_documents(viewer=self.viewer).select_related("uploaded_by")

    def retrieve(self, request: Request, pk: str) -> Response:
        document = access_document(viewer=self.viewer, document_id=int(pk))
        note_page_access(
            viewer=self.viewer, case_ids=[document.case_id], action="view", categories=DOCUMENTS
        )
        return Response(self.get_serializer(document).data)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def create(self, request: Request) -> Response:
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_case(viewer=self.viewer, case_id=data["case"].pk, action=Action.EDIT)
        content, size = read_upload(data["file"])
        document = upload_document(
            case=access.case,
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            content=content,
            size=size,
            shared_with_partners=data["shared_with_partners"],
        )
        body = self.get_serializer(document).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FILE_RESPONSES)
    @action(detail=True, methods=["get"])
    def content(self, request: Request, pk: str) -> Response:
        """The file itself, as an attachment that is never cached; the read is logged."""
        document = access_document(viewer=self.viewer, document_id=int(pk))
        if document.is_deleted:
            raise NotFound("This document was deleted; its file is gone.")
        return document_response(self.viewer, document)  # type: ignore[return-value]

    @extend_schema(request=DocumentDeleteSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"], url_path="delete", url_name="delete")
    def delete_file(self, request: Request, pk: str) -> Response:
        """Delete the file, saying why; the record stays with who deleted it and when."""
        document = access_document(viewer=self.viewer, document_id=int(pk))
        access = access_case(viewer=self.viewer, case_id=document.case_id, action=Action.EDIT)
        serializer = DocumentDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = delete_document(
            document=document, actor=request.user, reason=serializer.validated_data["reason"]
        )
        note_document_deleted(self.viewer, access)
        return Response(self.get_serializer(document).data)
