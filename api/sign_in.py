"""API sign-in (R36): a token for e-mail, password and, for staff, a second-factor code.

Tokens are issued only after the same checks as the web sign-in, so a request carrying one
has passed the second factor. A token lasts no longer than a session may (12 hours); signing
in again replaces it.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
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


def _authenticated(request: Request, username: str, password: str) -> User:
    """The account for these details, through the same backends (and lockout) as the web
    sign-in; the same words for an unknown address and a wrong password."""
    user = authenticate(request._request, username=username.strip().lower(), password=password)
    if user is None:
        raise exceptions.ValidationError(
            {"non_field_errors": [_("Unable to sign in with the details given.")]}
        )
    return user


class SignInTokenView(APIView):
    """A token for an e-mail address, a password and, where a second factor is needed or set
    up, its code. A person setting up their authenticator app (``/api/v1/auth/two-factor/``)
    sends the app's first code here: that confirms the app, and the answer carries their
    backup codes, shown this once."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = SignInSerializer

    @extend_schema(
        request=SignInSerializer,
        responses={
            200: inline_serializer(
                "IssuedToken",
                {
                    "token": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                    "backup_codes": serializers.ListField(
                        child=serializers.CharField(),
                        required=False,
                        help_text=_(
                            "Only when this sign-in confirmed a new authenticator app: "
                            "single-use backup codes, shown this once."
                        ),
                    ),
                },
            )
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = _authenticated(request, data["username"], data["password"])
        backup_codes = self._check_second_factor(user, data.get("code", ""))
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        update_last_login(None, user)  # what the care team sees of a young person's portal (R42)
        body = {"token": token.key, "expires_at": token.created + token_lifetime()}
        if backup_codes is not None:
            body["backup_codes"] = backup_codes
        return Response(body)

    def _check_second_factor(self, user: User, code: str) -> list[str] | None:
        """Passes, or raises; returns fresh backup codes when ``code`` confirmed the app being
        set up (the same confirmation as the web set-up page)."""
        if two_factor.has_confirmed_device(user):
            if not code or two_factor.verify_code(user, code) is None:
                raise exceptions.ValidationError(
                    {
                        "code": [
                            _("Enter a current code from your authenticator app or a backup code.")
                        ]
                    }
                )
            return None
        if code and two_factor.has_pending_app_device(user):
            confirmed = two_factor.confirm_app_device(user, code)
            if confirmed is None:
                raise exceptions.ValidationError(
                    {"code": [_("That code did not work. Check the app's current code.")]}
                )
            return confirmed[1]
        if two_factor.must_use_second_factor(user, viewer_for(user).roles):
            raise exceptions.ValidationError(
                {
                    "code": [
                        _(
                            "Set up two-factor sign-in first: in the web app, or through "
                            "/api/v1/auth/two-factor/ and then the app's code here."
                        )
                    ]
                }
            )
        return None


class TwoFactorSetUpSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("E-mail address"), max_length=254)
    password = serializers.CharField(
        label=_("Password"),
        max_length=4096,
        style={"input_type": "password"},
        trim_whitespace=False,
    )


class TwoFactorSetUpView(APIView):
    """Start setting up an authenticator app, for a person who has none confirmed yet (a new
    member of staff after accepting their invitation): the key to add to the app. Asking again
    shows the same key. Then ask for a token (``/api/v1/auth/token/``) with the app's code,
    which confirms the app. Refused once an app is confirmed: changing it is done in the web
    app, from a session that passed the second factor."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TwoFactorSetUpSerializer

    @extend_schema(
        request=TwoFactorSetUpSerializer,
        responses={
            200: inline_serializer(
                "PendingAuthenticatorApp",
                {
                    "otpauth_uri": serializers.CharField(
                        help_text=_("The otpauth:// address a QR code of the app would hold.")
                    ),
                    "secret": serializers.CharField(
                        help_text=_("The key, in base32, for typing into the app by hand.")
                    ),
                },
            )
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TwoFactorSetUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = _authenticated(request, data["username"], data["password"])
        if two_factor.has_confirmed_device(user):
            raise exceptions.ValidationError(
                {
                    "non_field_errors": [
                        _(
                            "Two-factor sign-in is already set up. To change your app, sign in "
                            "to the web app with a code from it."
                        )
                    ]
                }
            )
        device = two_factor.pending_app_device(user)
        return Response({"otpauth_uri": device.config_url, "secret": two_factor.app_secret(device)})
