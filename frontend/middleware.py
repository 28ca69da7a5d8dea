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


class ReaderTimeZoneMiddleware:
    """A young person reads their pages' dates in their own time zone (Person.time_zone).

    Staff read them in the installation's ``TIME_ZONE``. The viewer is built once per request
    anyway (the idle check reads it), so this costs no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        viewer = page_viewer(request) if request.user.is_authenticated else None
        if viewer is not None and is_portal_user(viewer) and viewer.time_zone:
            with timezone.override(zone_named(viewer.time_zone)):
                return self.get_response(request)
        return self.get_response(request)


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
