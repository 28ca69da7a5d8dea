"""Error pages in the site's layout show the request's reference and nothing else: never the
exception, never case data; the 500 log line carries the same reference, masked."""

import io
import json
import logging
import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import World

pytestmark = pytest.mark.django_db

SECRET_WORDS = [b"Maria", b"Elm Street", b"555-0199", b"RuntimeError", b"Traceback"]


def reference_on_page(response: Any) -> str:
    match = re.search(rb"Reference: ([A-Za-z0-9-]+)", response.content)
    assert match, response.content
    return match.group(1).decode()


def test_a_server_error_shows_only_the_request_reference(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ROOT_URLCONF = "tests.security.urls_failing"
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post("/failing/", {"phone": "512-555-0199"})
    assert response.status_code == 500
    assert reference_on_page(response) == response["X-Request-ID"]
    assert b'class="site-header"' in response.content
    for word in SECRET_WORDS:
        assert word not in response.content
    assert response["Content-Security-Policy"]


def test_a_server_error_log_line_names_the_reference_and_masks_the_phone(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.security.urls_failing"
    (console,) = [h for h in logging.getLogger("django").handlers if h.name == "console"]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        response = Client(raise_request_exception=False).post(
            "/failing/", {"phone": "512-555-0199"}
        )
    finally:
        console.setStream(previous)
    entry = next(
        json.loads(line) for line in stream.getvalue().splitlines() if "Internal Server" in line
    )
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["logger"] == "django.request"
    assert "RuntimeError" in entry["exception"]
    assert "555-0199" not in stream.getvalue()


@pytest.mark.parametrize(
    ("url", "status"),
    [("/no-such-page/", 404), ("/cases/999999/", 404)],
)
def test_not_found_pages_show_the_reference_in_the_layout(
    world: World, url: str, status: int
) -> None:
    client = Client()
    client.force_login(world.advocate)
    response = client.get(url)
    assert response.status_code == status
    assert reference_on_page(response) == response["X-Request-ID"]
    assert b'class="site-header"' in response.content


def test_a_refused_page_shows_the_reference(world: World) -> None:
    client = Client()
    client.force_login(world.partner_staff)
    response = client.get("/supervisor/")
    assert response.status_code in (403, 404)
    assert reference_on_page(response) == response["X-Request-ID"]


def test_a_bad_request_page_shows_the_reference() -> None:
    too_many_fields = {f"field{number}": "x" for number in range(1100)}
    response = Client().post("/sign-in/", too_many_fields)
    assert response.status_code == 400
    assert reference_on_page(response) == response["X-Request-ID"]
    assert b'class="site-header"' in response.content
