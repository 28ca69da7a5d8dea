"""Pages every signed-in person shares: where to start, the language switch, the session."""

import time

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from consent.policy import Role, can_operate_site
from frontend.access import is_portal_user, page_viewer
from frontend.middleware import LAST_SEEN_KEY, absolute_seconds_left, idle_limit_seconds


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page they start from: portal, caseload, dashboard or admin."""
    viewer = page_viewer(request)
    if is_portal_user(viewer):
        return redirect("frontend:portal-home")
    # A supervisor's job is continuity across the organization, even with a caseload of their own.
    if viewer.organizations_with(Role.SUPERVISOR):
        return redirect("frontend:supervisor-dashboard")
    if viewer.staff_organizations:
        return redirect("frontend:caseload")
    if viewer.organizations_with(Role.ORG_ADMIN):
        return redirect("frontend:organization")
    if can_operate_site(viewer=viewer, user=request.user):
        return redirect("frontend:operator-organizations")
    return render(request, "frontend/auth/no_access.html")


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Switch between English and Spanish; a signed-in user's choice is saved on their account."""
    language = request.POST.get("language", "")
    supported = dict(translation.trans_real.get_languages())
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in supported:
        return response
    if request.user.is_authenticated:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    response.set_cookie("django_language", language, samesite="Lax", httponly=True)
    return response


@require_POST
def end_session(request: HttpRequest) -> HttpResponse:
    """The quick exit's sign-out, sent as a beacon while the page leaves for the neutral site."""
    logout(request)
    return HttpResponse(status=204)


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds left before idle sign-out; polled by the page without counting as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    now = int(time.time())
    last_seen = request.session.get(LAST_SEEN_KEY, now)
    idle_left = idle_limit_seconds(request) - (now - last_seen)
    # The warning also comes before the 12-hour end, which no activity postpones (R36).
    left = max(0, min(idle_left, absolute_seconds_left(request, now)))
    return JsonResponse({"signed_in": True, "seconds_left": left})


@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": any request counts as activity; this one only answers."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "sign_in": reverse("frontend:sign-in")})
    return JsonResponse({"signed_in": True, "seconds_left": idle_limit_seconds(request)})
