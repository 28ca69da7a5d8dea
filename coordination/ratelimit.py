"""Per-address rate limits on the doors a guesser would use, on top of django-axes' lockout.

Axes locks an account (or an address) after a few failures; this caps how fast one address may
post to sign-in, password reset, the two-factor code, the API token and an invitation's link
at all, so spraying many accounts, or flooding reset e-mails, is slow too. Counters live in
Django's cache (Redis in production, files in embedded mode) so every process on the machine
shares them.
"""

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from coordination.lockout import too_many_attempts_response

KEY_PREFIX = "ratelimit"
# Bumped by reset_rate_limits(): every counter of the previous generation is forgotten at once,
# on any cache backend, without clearing a cache that other data (the broker) may share.
GENERATION_KEY = f"{KEY_PREFIX}:generation"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Resolved URL name -> key of its limit in settings.HARBOR. Matched by name, so a route's path
# may change (and a route added later, such as the two-factor page, is limited once it exists).
# Routes under one limit share its counter.
LIMITED_ROUTES = {
    "frontend:sign-in": "SIGN_IN_RATE",
    "frontend:password-reset": "PASSWORD_RESET_RATE",
    "frontend:two-factor-verify": "TWO_FACTOR_RATE",
    "frontend:portal-activate": "PORTAL_ACTIVATION_RATE",
    "portal-activate": "PORTAL_ACTIVATION_RATE",
    "auth-token": "API_TOKEN_RATE",
    "api:auth-token": "API_TOKEN_RATE",
    # Setting up the app checks a password, as the token does: one counter for both.
    "auth-two-factor": "API_TOKEN_RATE",
    "frontend:invitation-accept": "INVITATION_ACCEPT_RATE",
    "invitation-accept": "INVITATION_ACCEPT_RATE",
}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/m" -> (10 requests, 60 seconds)."""
    count, _, unit = rate.partition("/")
    return int(count), _UNITS[unit.strip()[:1]]


def reset_rate_limits() -> None:
    """Forget every counter (tests; or an operator after an incident)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def hit(*, route: str, client: str, rate: str) -> int:
    """Count one request; return 0 when allowed, else seconds until the window ends."""
    limit, period = parse_rate(rate)
    now = int(time.time())
    window = now // period
    generation = cache.get(GENERATION_KEY, "0")
    key = f"{KEY_PREFIX}:{generation}:{route}:{client}:{window}"
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this is its first request
        cache.set(key, 1, timeout=period)
        count = 1
    if count <= limit:
        return 0
    return (window + 1) * period - now


class RateLimitMiddleware:
    """429 with Retry-After once an address posts to a limited route too often."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if request.method != "POST" or request.resolver_match is None:
            return None
        setting = LIMITED_ROUTES.get(request.resolver_match.view_name)
        if setting is None:
            return None
        client = get_client_ip_address(request) or "unknown"
        wait = hit(route=setting, client=client, rate=settings.HARBOR[setting])
        if not wait:
            return None
        return too_many_attempts_response(request, retry_after=timedelta(seconds=wait))
