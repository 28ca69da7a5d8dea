"""The signed-in user's choice of how staff e-mail reaches them; the in-app inbox always works."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks.models import NotificationSettings


class NotificationSettingsSerializer(serializers.ModelSerializer):
    """Immediate e-mail for each notification, one daily digest, or none."""

    class Meta:
        model = NotificationSettings
        fields = ["email_mode", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "email_mode": {"required": True},  # PUT replaces: say it
            "updated_at": {"allow_null": True},  # null until the user first chooses
        }


class MyNotificationSettingsView(APIView):
    """Your own notification settings: read them, or replace them."""

    serializer_class = NotificationSettingsSerializer

    def _current(self, request: Request) -> NotificationSettings:
        # Unsaved defaults until the user first chooses: a read writes nothing.
        found = NotificationSettings.objects.filter(user_id=request.user.pk).first()
        return found or NotificationSettings(user_id=request.user.pk)

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(NotificationSettingsSerializer(self._current(request)).data)

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    def put(self, request: Request) -> Response:
        serializer = NotificationSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # One row per user; update_or_create also settles two first choices at once.
        chosen, _ = NotificationSettings.objects.update_or_create(
            user_id=request.user.pk, defaults=serializer.validated_data
        )
        return Response(NotificationSettingsSerializer(chosen).data)
