"""API sign-in (R36): a token for e-mail, password and, for staff, a second-factor code.

Tokens are issued only after the same checks as the web sign-in, so a request carrying one
has passed the second factor. A token lasts no longer than a session may (12 hours); signing
in again replaces it.
"""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from accounts.models import User
from api.authentication import token_lifetime
from consent.policy import viewer_for


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("E-mail address"), max_length=254)
    password = serializers.CharField(
        label=_("Password"),
        max_length=4096,
        style={"input_type": "password"},
        trim_whitespace=False,
    )
    code = serializers.CharField(
        label=_("Two-factor code"),
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("A code from the authenticator app, or a backup code."),
    )


class SignInTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = SignInSerializer

    @extend_schema(
        request=SignInSerializer,
        responses={
            200: inline_serializer(
                "IssuedToken",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            )
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(
            request._request, username=data["username"].strip().lower(), password=data["password"]
        )
        if user is None:
            # The same words for an unknown address and a wrong password.
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the details given.")]}
            )
        self._check_second_factor(user, data.get("code", ""))
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": token.created + token_lifetime()})

    def _check_second_factor(self, user: User, code: str) -> None:
        has_device = two_factor.has_confirmed_device(user)
        if not has_device and not two_factor.must_use_second_factor(user, viewer_for(user).roles):
            return
        if not has_device:
            raise exceptions.ValidationError(
                {"code": [_("Set up two-factor sign-in in the web app first.")]}
            )
        if not code or two_factor.verify_code(user, code) is None:
            raise exceptions.ValidationError(
                {"code": [_("Enter a current code from your authenticator app or a backup code.")]}
            )
