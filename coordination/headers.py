"""Response headers every Harbor response carries, besides Django's and django-csp's own.

- Permissions-Policy turns off browser features no page uses.
- Anything shown to a signed-in person is never stored (a shared or seized device keeps no copy
  of a case in its cache, and the back button after sign-out shows nothing).
- The API docs (drf-spectacular's Swagger UI and ReDoc) render one inline script and style;
  those views alone get their exact hashes added to the CSP, never 'unsafe-inline', and keep
  the same-origin opener policy drf-spectacular relaxes for OAuth2 pop-ups.
"""

import base64
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Views of drf-spectacular that render inline <script>/<style> blocks (URL names in api/urls.py).
DOCS_VIEWS = {"docs", "redoc", "api:docs", "api:redoc"}
# ReDoc builds its styles at run time (styled-components) and searches in a blob: worker; it
# shows no case data, only the schema. Its Google Fonts stay blocked (no third-party request).
REDOC_NEEDS = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}
_INLINE = {
    "script-src": re.compile(rb"<script>(.*?)</script>", re.DOTALL),
    "style-src": re.compile(rb"<style>(.*?)</style>", re.DOTALL),
}


def inline_hashes(content: bytes) -> dict[str, list[str]]:
    """CSP sources allowing exactly the inline blocks of ``content``, by directive."""
    sources: dict[str, list[str]] = {}
    for directive, pattern in _INLINE.items():
        for block in pattern.findall(content):
            digest = base64.b64encode(hashlib.sha256(block).digest()).decode()
            sources.setdefault(directive, []).append(f"'sha256-{digest}'")
    return sources


class SecurityHeadersMiddleware:
    """Permissions-Policy everywhere, no-store for signed-in people, hashes for the API docs.

    Sits inside django-csp's middleware, so the CSP update it leaves on a docs response is
    applied when the header is built.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.HARBOR_PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in DOCS_VIEWS and not response.streaming:
            update = inline_hashes(response.content)
            if match.url_name == "redoc":
                update.update(REDOC_NEEDS)
            response._csp_update = update  # type: ignore[attr-defined]
            # drf-spectacular opens COOP for an OAuth2 pop-up; Harbor's API has no OAuth2.
            response["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        return response
