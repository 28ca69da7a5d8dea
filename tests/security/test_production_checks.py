"""With DEBUG off, the transport and header settings are checked: Secure cookies, a strict
CSP and lockout are required; an HTTPS redirect and a year of HSTS are expected."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from coordination.checks import production_transport_and_headers_are_safe

SAFE = {
    "DEBUG": False,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "AXES_ENABLED": True,
}


def ids(**overrides: Any) -> set[str]:
    with override_settings(**{**SAFE, **overrides}):
        return {message.id for message in production_transport_and_headers_are_safe(None)}


def test_safe_production_settings_pass() -> None:
    assert ids() == set()


def test_development_is_not_checked() -> None:
    assert ids(DEBUG=True, SESSION_COOKIE_SECURE=False, SECURE_HSTS_SECONDS=0) == set()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SESSION_COOKIE_SECURE": False}, "harbor.E010"),
        ({"CSRF_COOKIE_SECURE": False}, "harbor.E010"),
        (
            {"CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"script-src": ["'unsafe-inline'"]}}},
            "harbor.E011",
        ),
        ({"CONTENT_SECURITY_POLICY": {}}, "harbor.E011"),
        ({"AXES_ENABLED": False}, "harbor.E012"),
        ({"SECURE_SSL_REDIRECT": False}, "harbor.W010"),
        ({"SECURE_HSTS_SECONDS": 3600}, "harbor.W011"),
        ({"SECURE_HSTS_INCLUDE_SUBDOMAINS": False}, "harbor.W011"),
    ],
)
def test_each_unsafe_value_is_reported(overrides: dict[str, Any], expected: str) -> None:
    assert ids(**overrides) == {expected}


def test_the_shipped_defaults_for_production_are_safe(tmp_path: Path) -> None:
    """Settings read with DEBUG=false and nothing else set: HTTPS redirect, a year of HSTS."""
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_PROXY_SSL_HEADER",
    ]
    script = (
        "import json, coordination.settings as s; "
        f"print(json.dumps([getattr(s, n) for n in {names!r}]))"
    )
    environment = {**os.environ, "DEBUG": "false", "HARBOR_DATA_DIR": str(tmp_path)}
    environment.pop("SECURE_SSL_REDIRECT", None)
    environment.pop("SECURE_HSTS_SECONDS", None)
    output = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    ).stdout
    assert json.loads(output) == [True, 31536000, True, True, True, True, True, None]
