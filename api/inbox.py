"""The signed-in user's in-app inbox: their own notifications, newest first.

A notification holds a reason and a count, never text about a young person; the inbox shows
the same. Each user sees only their own.
"""

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.fields import ID_PATTERN
from api.filters import IdFilterSet
from tasks.models import Notification

_ID = ID_PATTERN


class InboxEntrySerializer(serializers.ModelSerializer):
    """One notification in the inbox: why, how many items, and the follow-up it is about."""

    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "reason",
            "reason_label",
            "item_count",
            "follow_up",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class InboxFilter(IdFilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only notifications not yet read"
    )

    class Meta:
        model = Notification
        fields = ["unread"]


class InboxViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your in-app notifications, newest first; mark one read."""

    serializer_class = InboxEntrySerializer
    filterset_class = InboxFilter
    lookup_value_regex = _ID

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(
            recipient_id=self.request.user.pk, channel=Notification.Channel.IN_APP
        )

    @extend_schema(request=None, responses=InboxEntrySerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Mark the notification read (reading it again changes nothing)."""
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(InboxEntrySerializer(notification).data)
