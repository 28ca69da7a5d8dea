"""The case's running record: notes, logged contacts and safety or care flags."""

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.conditional import IF_MATCH, VersionedRecordMixin
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.release import ReleasesMixin
from api.serializers_records import (
    ContactSerializer,
    FlagSerializer,
    NoteChangeSerializer,
    NoteRecordSerializer,
    NoteSerializer,
)
from cases.models import CaseNote, Contact, Flag, PlannedService
from cases.services.records import add_contact, add_note, clear_flag, edit_note, raise_flag
from consent.policy import (
    Action,
    access_case,
    access_note,
    visible_case_ids,
    visible_cases,
    visible_notes,
)

# Filters take plain ids: a choice filter would answer "no such case" and "not yours"
# differently, and cost a query.
_ID = ID_PATTERN


class NoteFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")
    category = django_filters.ChoiceFilter(choices=CaseNote.Category.choices)

    class Meta:
        model = CaseNote
        fields = ["case", "category"]


class NoteViewSet(
    VersionedRecordMixin,
    ReleasesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Notes of visible cases. The care team and supervisors write them; only the author edits
    one (with If-Match, R44); the young person reads the notes of their case that are not
    staff-only."""

    versioned_model = CaseNote
    access_log_case_field = "case_id"
    access_log_categories = ("notes",)

    serializer_class = NoteRecordSerializer
    filterset_class = NoteFilter
    lookup_value_regex = _ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[CaseNote]:
        return visible_notes(viewer=self.viewer).select_related("author")

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def create(self, request: Request) -> Response:
        serializer = NoteSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_case(viewer=self.viewer, case_id=data["case"].pk, action=Action.EDIT)
        note = add_note(
            case=access.case,
            author=request.user,
            body=data["body"],
            category=data.get("category", CaseNote.Category.GENERAL),
            staff_only=data.get("staff_only", False),
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteChangeSerializer, responses=NoteSerializer, parameters=[IF_MATCH])
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the text, category or staff-only flag of your own note."""
        note = access_note(viewer=self.viewer, note_id=int(pk), action=Action.EDIT)
        serializer = NoteChangeSerializer(note, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        note = edit_note(note=note, actor=request.user, changes=serializer.validated_data)
        return Response(NoteSerializer(note).data)


class ContactFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")
    planned_service = IdFilter(field_name="planned_service_id")

    class Meta:
        model = Contact
        fields = ["case", "planned_service"]


class ContactViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Contacts logged on visible cases. The care team and supervisors log them."""

    access_log_case_field = "case_id"

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    lookup_value_regex = _ID

    def get_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.filter(
            case_id__in=visible_case_ids(viewer=self.viewer)
        ).select_related("staff")

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer})
    def create(self, request: Request) -> Response:
        serializer = ContactSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.fields["planned_service"].queryset = PlannedService.objects.filter(
            goal__plan__case_id__in=visible_case_ids(viewer=self.viewer)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = access_case(viewer=self.viewer, case_id=data.pop("case").pk, action=Action.EDIT)
        contact = add_contact(case=access.case, actor=request.user, **data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class FlagFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")
    current = django_filters.BooleanFilter(
        field_name="cleared_at", lookup_expr="isnull", label="Only flags not yet cleared"
    )

    class Meta:
        model = Flag
        fields = ["case", "kind", "current"]


class FlagViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Safety and care alerts on visible cases. The care team and supervisors raise and clear
    them."""

    access_log_case_field = "case_id"

    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    lookup_value_regex = _ID

    def get_queryset(self) -> QuerySet[Flag]:
        return Flag.objects.filter(case_id__in=visible_case_ids(viewer=self.viewer)).select_related(
            "raised_by", "cleared_by"
        )

    @extend_schema(request=FlagSerializer, responses={201: FlagSerializer})
    def create(self, request: Request) -> Response:
        serializer = FlagSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_case(viewer=self.viewer, case_id=data["case"].pk, action=Action.EDIT)
        flag = raise_flag(
            case=access.case, actor=request.user, kind=data["kind"], text=data["text"]
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request: Request, pk: str) -> Response:
        """Clear this flag: it stays on the record with who cleared it and when."""
        flag = self.get_object()
        access_case(viewer=self.viewer, case_id=flag.case_id, action=Action.EDIT)
        flag = clear_flag(flag=flag, actor=request.user)
        return Response(FlagSerializer(flag).data)
