"""Page middleware: idle and absolute sign-out, the user's own language and time zone, domain
errors as pages."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.time_zones import zone_named
from consent.policy import Viewer
from frontend.access import is_portal_user, page_viewer

LAST_SEEN_KEY = "harbor_last_seen"
SIGNED_IN_AT_KEY = "harbor_signed_in_at"
# Requests that must not count as activity: the page's own "am I still signed in?" check.
PASSIVE_PATHS = ("/session/status/",)


def idle_limit_seconds(request: HttpRequest) -> int:
    """Staff sign out sooner than nobody; the portal has its own, shorter limit (R36)."""
    minutes = settings.HARBOR["STAFF_IDLE_MINUTES"]
    if is_portal_user(page_viewer(request)):
        minutes = settings.HARBOR["PORTAL_IDLE_MINUTES"]
    return minutes * 60


@receiver(user_logged_in, dispatch_uid="harbor-signed-in-at")
def note_sign_in_time(sender: type, request: HttpRequest | None, **kwargs: object) -> None:
    """The absolute lifetime (R36) counts from here, however active the session is later."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT_KEY] = int(time.time())


def absolute_seconds_left(request: HttpRequest, now: int) -> int:
    """Seconds before the session reaches SESSION_MAX_HOURS (R36: 12 at most); negative after.

    A session from before this rule (or signed in while the receiver was not yet connected)
    starts its clock at its first request.
    """
    signed_in_at = request.session.setdefault(SIGNED_IN_AT_KEY, now)
    return signed_in_at + settings.HARBOR["SESSION_MAX_HOURS"] * 3600 - now


class IdleTimeoutMiddleware:
    """Sign out a session idle longer than its limit, or older than the absolute lifetime, for
    pages and the API alike. Each request rewrites the session, so Django's own expiry would
    roll forever; the sign-in time kept in the session is what bounds it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and "_auth_user_id" in request.session:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            idle = now - last_seen > idle_limit_seconds(request)
            if idle or absolute_seconds_left(request, now) < 0:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return HttpResponseRedirect(f"{reverse('frontend:sign-in')}?timeout=1")
            if request.path not in PASSIVE_PATHS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's (chosen once, remembered)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "preferred_language", None)
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def staff_time_zone(viewer: Viewer, named_organization_id: int | None) -> str:
    """The time zone a staff member reads dates in: their organization's (issue 19).

    One organization: its zone. Several: the organization the page names (``<organization_id>``
    in the path, ``?organization=``) when they hold a role there, otherwise the first of theirs
    by name. That is the organization the supervisor and organization pages open on when none
    is named (``access_supervised_organization``, ``organization_page``), so a page about an
    organization shows its dates in that organization's zone, and any other page always in the
    same one, whatever page came before. "" (the installation's ``TIME_ZONE``) when the
    organization set none in its continuity rules.
    """
    zones = viewer.organization_time_zones
    if named_organization_id in zones:
        return zones[named_organization_id]
    return next(iter(zones.values()), "")


def _named_organization(request: HttpRequest, view_kwargs: dict) -> int | None:
    named = view_kwargs.get("organization_id", request.GET.get("organization"))
    try:
        return int(named) if named is not None else None
    except (TypeError, ValueError):
        return None


class ReaderTimeZoneMiddleware:
    """Every date a person reads is in their time zone: a young person's own (Person.time_zone),
    a staff member's organization's (``staff_time_zone``); the installation's ``TIME_ZONE``
    when none is known. The viewer is built once per request anyway (the idle check reads it),
    with the organizations' zones in the same query, so this costs no query.

    It is chosen once the URL is resolved (the path may name the organization) and holds until
    the response is made, error pages included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            override = getattr(request, "harbor_time_zone", None)
            if override is not None:
                override.__exit__(None, None, None)

    def process_view(
        self, request: HttpRequest, view: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        if not request.user.is_authenticated:
            return
        viewer = page_viewer(request)
        if is_portal_user(viewer):
            name = viewer.time_zone
        else:
            name = staff_time_zone(viewer, _named_organization(request, view_kwargs))
        if name:
            override = timezone.override(zone_named(name))
            override.__enter__()
            request.harbor_time_zone = override  # type: ignore[attr-defined]


class PageErrorMiddleware:
    """A service's refusal that a page did not turn into a form error becomes a 400 page.

    Views catch ``ValidationError`` where they have a form to show it on; this is the net under
    them, so a stale button (a consent already revoked, say) never shows a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/") or not isinstance(exception, ValidationError):
            return None
        for message in exception.messages:
            messages.error(request, message)
        context = {"errors": exception.messages, "title": _("That could not be done")}
        return render(request, "400.html", context, status=400)
