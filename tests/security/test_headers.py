"""Every kind of response carries the security headers: a strict CSP without inline script,
Permissions-Policy, no framing, no sniffing, a same-origin referrer, and no-store for anything
shown to a signed-in person (a shared device keeps no copy of a case)."""

import base64
import hashlib
import re
from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import World

pytestmark = pytest.mark.django_db

STRICT_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_common_headers(response: HttpResponse) -> None:
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert re.fullmatch(r"[A-Za-z0-9-]{8,64}", response["X-Request-ID"])


PAGES: dict[str, Callable[[World], HttpResponse]] = {
    "sign-in": lambda world: Client().get(reverse("frontend:sign-in")),
    "staff caseload": lambda world: signed_in(world.advocate).get(reverse("frontend:caseload")),
    "staff case page": lambda world: signed_in(world.advocate).get(
        reverse("frontend:case", args=[world.case.pk])
    ),
    "portal": lambda world: signed_in(world.young_person).get(reverse("frontend:portal-home")),
    "admin": lambda world: signed_in(world.superuser).get("/admin/"),
    "not found": lambda world: signed_in(world.advocate).get("/no-such-page/"),
}


@pytest.mark.parametrize("kind", PAGES)
def test_every_page_kind_carries_the_strict_csp_and_the_other_headers(
    world: World, kind: str
) -> None:
    response = PAGES[kind](world)
    assert response.status_code in (200, 404), kind
    assert csp_directives(response) == STRICT_CSP
    assert_common_headers(response)


@pytest.mark.parametrize("kind", ["staff caseload", "staff case page", "portal", "admin"])
def test_pages_shown_to_a_signed_in_person_are_never_stored(world: World, kind: str) -> None:
    assert "no-store" in PAGES[kind](world)["Cache-Control"]


def test_an_api_json_response_carries_the_headers_and_is_not_stored(world: World) -> None:
    client = APIClient()
    client.force_login(world.advocate)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert csp_directives(response) == STRICT_CSP
    assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_the_api_docs_allow_exactly_their_own_inline_code_and_nothing_more(
    world: World,
) -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    directives = csp_directives(response)
    inline_script = re.search(rb"<script>(.*?)</script>", response.content, re.DOTALL)
    assert inline_script is not None
    digest = base64.b64encode(hashlib.sha256(inline_script.group(1)).digest()).decode()
    assert directives["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert directives["style-src"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in directives["style-src"][1:])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert {k: v for k, v in directives.items() if k not in ("script-src", "style-src")} == {
        k: v for k, v in STRICT_CSP.items() if k not in ("script-src", "style-src")
    }
    assert_common_headers(response)


def test_the_web_app_has_no_inline_script_to_allow(world: World) -> None:
    for kind in ("sign-in", "staff case page", "portal"):
        content = PAGES[kind](world).content
        assert re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", content) is None, kind
        assert b" onclick=" not in content and b"javascript:" not in content, kind
