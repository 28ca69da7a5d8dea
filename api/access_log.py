"""The young person's own access log: who saw or changed their record, when, and on which
basis (R26). Nothing is filtered by age: every event is kept and listed."""

from django.db.models import QuerySet
from rest_framework import generics, serializers

from api.access import ViewerMixin
from api.pagination import NewestFirstCursorPagination
from cases.models import Case
from consent.models import AccessEvent


class AccessLogEntrySerializer(serializers.ModelSerializer):
    """One access, as the young person sees it. Staff names are left out for now: whether an
    organization lets them be shown is not recorded yet."""

    organization = serializers.SerializerMethodField()
    case = serializers.IntegerField(source="case_id", allow_null=True)
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
            "action",
            "categories",
            "basis",
            "consent",
            "purpose",
            "outcome",
        ]
        read_only_fields = fields

    def get_organization(self, event: AccessEvent) -> str | None:
        return event.organization.name if event.organization_id else None


class NewestEventFirstPagination(NewestFirstCursorPagination):
    ordering = "-sequence"


class MyAccessLogView(ViewerMixin, generics.ListAPIView):
    """Every access to your own record, newest first. Staff see an empty list."""

    serializer_class = AccessLogEntrySerializer
    pagination_class = NewestEventFirstPagination

    def get_queryset(self) -> QuerySet[AccessEvent]:
        person_id = self.viewer.person_id
        if person_id is None:
            return AccessEvent.objects.none()
        own_cases = Case.objects.filter(person_id=person_id).values("pk")
        return AccessEvent.objects.filter(case_id__in=own_cases).select_related("organization")
