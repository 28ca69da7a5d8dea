"""How django-axes names an account, and the one page shown when sign-in is refused for guessing.

A refused sign-in looks the same for an account that exists and one that does not, and the same
whether the account or the address was locked, so the page cannot be used to find accounts.
"""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

TOO_MANY_ATTEMPTS_TEMPLATE = "frontend/auth/too_many_attempts.html"


def normalized_sign_in_name(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address tried, lower-cased: "Ana@x.org" and "ana@x.org" are one account."""
    name = (credentials or {}).get("username")
    if name is None:
        data = getattr(request, "data", None) or request.POST
        name = data.get("username", "")
    return str(name).strip().lower()


def too_many_attempts_response(request: HttpRequest, *, retry_after: timedelta) -> HttpResponse:
    """429 with Retry-After: JSON for the API, otherwise a page in the site's layout."""
    seconds = max(1, int(retry_after.total_seconds()))
    message = _("Too many attempts. Wait a while, then try again.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        context = {"message": message, "retry_minutes": max(1, -(-seconds // 60))}
        response = render(request, TOO_MANY_ATTEMPTS_TEMPLATE, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the same refusal as the rate limit, naming no account."""
    from axes.helpers import get_cool_off  # axes reads settings on import: only once it runs

    return too_many_attempts_response(request, retry_after=get_cool_off(request) or timedelta())
