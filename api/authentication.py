"""How API requests prove who they are (R36): tokens that expire, and the second factor.

A token is issued only after the same checks as the web sign-in (api.sign_in), so a request
carrying one has passed the second factor; a session must have passed it itself. Loaded from
DRF's settings, so this module imports no views.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts import two_factor
from accounts.models import User
from api.access import request_viewer

if TYPE_CHECKING:
    from rest_framework.views import APIView


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.HARBOR.get("SESSION_MAX_HOURS", 12))


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once it is older than a session may last."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - token_lifetime():
            raise exceptions.AuthenticationFailed(_("The token has expired: sign in again."))
        return user, token


class SecondFactorForStaff(BasePermission):
    """Staff reach no data through a session that skipped the second factor."""

    message = _(
        "Two-factor sign-in is required for staff: finish it in the web app, or ask for a "
        "token with your code."
    )
    code = "second_factor_required"

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if not request.user or not request.user.is_authenticated:
            return True  # IsAuthenticated answers anonymous requests.
        if isinstance(request.auth, Token) or two_factor.session_is_verified(request._request):
            return True
        return not two_factor.must_use_second_factor(request.user, request_viewer(request).roles)
