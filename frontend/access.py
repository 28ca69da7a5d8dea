"""Who is asking, for pages: the policy's viewer built once per request, and the page doors.

Every page view is wrapped in one of the decorators below; they only route people to the right
door (sign-in, staff or portal). What a page may show is still decided by ``consent.policy``.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode

from accounts.two_factor import must_use_second_factor, session_is_verified
from consent.policy import Viewer, can_operate_site, viewer_for
from tasks.rules import organization_time_zone

View = Callable[..., HttpResponse]


def page_viewer(request: HttpRequest) -> Viewer:
    """The policy's view of the signed-in user, computed on first use in a request, with the
    time zones of the staff member's organizations (read in the same query) for their dates."""
    cached = getattr(request, "harbor_viewer", None)
    if cached is None:
        cached = viewer_for(request.user, organization_time_zone=organization_time_zone())
        request.harbor_viewer = cached  # type: ignore[attr-defined]
    return cached


def is_portal_user(viewer: Viewer) -> bool:
    """A young person with a portal account and no staff role anywhere."""
    return viewer.person_id is not None and not viewer.roles


def second_factor_missing(request: HttpRequest, viewer: Viewer) -> bool:
    """Staff see no case data until this session has passed the second factor (R36)."""
    return must_use_second_factor(request.user, viewer.roles) and not session_is_verified(request)


def to_second_factor(request: HttpRequest) -> HttpResponse:
    """Off to enter a code (or, on a first sign-in, to set up the app), then back here."""
    target = reverse("frontend:two-factor-verify")
    return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


def no_store(response: HttpResponse) -> HttpResponse:
    # Case data must not stay in the browser's or a proxy's cache (R32 for the portal).
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


def staff_page(view: View) -> View:
    """Signed-in staff of at least one organization; everyone else is sent to their own door."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        viewer = page_viewer(request)
        if not viewer.roles:
            return no_store(HttpResponse(status=404))
        if second_factor_missing(request, viewer):
            return to_second_factor(request)
        request.harbor_area = "staff"  # type: ignore[attr-defined]
        return no_store(view(request, *args, **kwargs))

    return wrapped


def operator_page(view: View) -> View:
    """The site operator's pages (issue 17): organizations and their first admins, never case
    data. Everyone else gets the 404 a missing page gets."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        viewer = page_viewer(request)
        if not can_operate_site(viewer=viewer, user=request.user):
            return no_store(HttpResponse(status=404))
        if not session_is_verified(request):
            return to_second_factor(request)
        request.harbor_area = "operator"  # type: ignore[attr-defined]
        return no_store(view(request, *args, **kwargs))

    return wrapped


def portal_page(view: View) -> View:
    """A young person's own pages: no-store, neutral titles, quick exit in the base template."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if page_viewer(request).person_id is None:
            return no_store(HttpResponse(status=404))
        request.harbor_area = "portal"  # type: ignore[attr-defined]
        return no_store(view(request, *args, **kwargs))

    return wrapped
