"""The young person's own access log: who saw or changed their record, when, and on which
basis (R26). Nothing is filtered by age: every event is kept and listed."""

from django.db.models import QuerySet
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from api.access import ViewerMixin
from api.pagination import NewestFirstCursorPagination
from cases.models import Case
from consent.access_history import case_shown, events_of_cases
from consent.models import AccessEvent
from consent.staff_names import named_staff


class AccessLogEntrySerializer(serializers.ModelSerializer):
    """One access, as the young person sees it: the organization and role always, the staff
    member's name where their organization chose to show it."""

    organization = serializers.SerializerMethodField()
    staff_name = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()
    consent = serializers.IntegerField(source="consent_id", allow_null=True)
    categories = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = AccessEvent
        fields = [
            "id",
            "at",
            "case",
            "organization",
            "role",
            "staff_name",
            "action",
            "categories",
            "basis",
            "consent",
            "purpose",
            "outcome",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, event: AccessEvent) -> int | None:
        # A page event names other young people's cases too: only the reader's own is shown.
        return case_shown(event, self.context.get("own_case_ids", ()))

    def get_organization(self, event: AccessEvent) -> str | None:
        return event.organization.name if event.organization_id else None

    def get_staff_name(self, event: AccessEvent) -> str | None:
        if event.role == "young_person":
            return None
        organization = event.organization if event.organization_id else None
        staff = event.user if event.user_id else None
        return named_staff(user=staff, organization=organization) or None


class NewestEventFirstPagination(NewestFirstCursorPagination):
    ordering = "-id"


class MyAccessLogView(ViewerMixin, generics.ListAPIView):
    """Every access to your own record, newest first. Staff see an empty list."""

    serializer_class = AccessLogEntrySerializer
    pagination_class = NewestEventFirstPagination

    def get_queryset(self) -> QuerySet[AccessEvent]:
        person_id = self.viewer.person_id
        if person_id is None:
            return AccessEvent.objects.none()
        return events_of_cases(case_ids=self.own_case_ids)

    @cached_property
    def own_case_ids(self) -> list[int]:
        person_id = self.viewer.person_id
        return list(Case.objects.filter(person_id=person_id).values_list("pk", flat=True))

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.viewer.person_id is not None:
            context["own_case_ids"] = self.own_case_ids
        return context
