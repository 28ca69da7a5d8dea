"""Per-address rate limits on sign-in, password reset, the two-factor code and the API token:
429 with Retry-After after N posts, the same answer for everyone, per route, and reset."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from coordination.ratelimit import parse_rate, reset_rate_limits
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(settings: Any) -> Iterator[None]:
    settings.HARBOR = {
        **settings.HARBOR,
        "SIGN_IN_RATE": "3/m",
        "PASSWORD_RESET_RATE": "3/m",
        "TWO_FACTOR_RATE": "3/m",
        "API_TOKEN_RATE": "3/m",
    }
    # The per-account lockout stays out of the way: these tests are about the address.
    settings.AXES_FAILURE_LIMIT = 100
    # The limits count per clock minute: a slow run must not cross into the next one.
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        yield


def post_sign_in(client: Client, email: str) -> Any:
    return client.post(reverse("frontend:sign-in"), {"username": email, "password": "wrong"})


def test_rates_read_as_count_per_period() -> None:
    assert parse_rate("10/m") == (10, 60)
    assert parse_rate("5/h") == (5, 3600)
    assert parse_rate("1/s") == (1, 1)


def test_sign_in_posts_beyond_the_limit_get_429_with_retry_after(
    world: World, three_a_minute: None
) -> None:
    client = Client()
    for number in range(3):
        assert post_sign_in(client, f"someone{number}@example.org").status_code == 200
    refused = post_sign_in(client, world.advocate.email)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert b"Too many attempts" in refused.content
    assert b'class="site-header"' in refused.content  # the site's layout, not bare text


def test_the_refusal_is_the_same_for_a_known_and_an_unknown_account(
    world: World, three_a_minute: None
) -> None:
    client = Client()
    for _ in range(3):
        post_sign_in(client, "nobody@example.org")
    known = post_sign_in(client, world.advocate.email)
    unknown = post_sign_in(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 429
    strip = [world.advocate.email.encode(), b"nobody@example.org"]
    known_body, unknown_body = known.content, unknown.content
    for value in strip:
        assert value not in known_body and value not in unknown_body
    assert _without_tokens(known_body) == _without_tokens(unknown_body)


def _without_tokens(content: bytes) -> bytes:
    return re.sub(rb'value="[^"]*"', b"", content)


def test_reading_the_sign_in_page_is_not_limited(three_a_minute: None) -> None:
    client = Client()
    for _ in range(6):
        assert client.get(reverse("frontend:sign-in")).status_code == 200


def test_each_route_has_its_own_counter(world: World, three_a_minute: None) -> None:
    client = Client()
    for _ in range(3):
        post_sign_in(client, "nobody@example.org")
    assert post_sign_in(client, "nobody@example.org").status_code == 429
    reset = client.post(reverse("frontend:password-reset"), {"email": "nobody@example.org"})
    assert reset.status_code == 302


def test_password_reset_is_limited(three_a_minute: None) -> None:
    client = Client()
    url = reverse("frontend:password-reset")
    for _ in range(3):
        assert client.post(url, {"email": "nobody@example.org"}).status_code == 302
    assert client.post(url, {"email": "nobody@example.org"}).status_code == 429


def test_the_two_factor_code_page_is_limited(three_a_minute: None) -> None:
    client = Client()
    url = reverse("frontend:two-factor-verify")
    for _ in range(3):
        assert client.post(url, {"code": "000000"}).status_code != 429
    assert client.post(url, {"code": "000000"}).status_code == 429


def test_the_api_token_endpoint_is_limited_with_a_json_answer(three_a_minute: None) -> None:
    client = APIClient()
    url = reverse("auth-token")
    body = {"username": "nobody@example.org", "password": "wrong"}
    for _ in range(3):
        assert client.post(url, body, format="json").status_code == 400
    refused = client.post(url, body, format="json")
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many attempts. Wait a while, then try again."}
    assert int(refused["Retry-After"]) > 0


def test_other_addresses_are_not_held_back(three_a_minute: None) -> None:
    for _ in range(4):
        post_sign_in(Client(REMOTE_ADDR="10.0.0.1"), "nobody@example.org")
    assert post_sign_in(Client(REMOTE_ADDR="10.0.0.1"), "x@example.org").status_code == 429
    assert post_sign_in(Client(REMOTE_ADDR="10.0.0.2"), "x@example.org").status_code == 200


def test_resetting_the_limits_lets_the_address_in_again(three_a_minute: None) -> None:
    client = Client()
    for _ in range(4):
        post_sign_in(client, "nobody@example.org")
    assert post_sign_in(client, "nobody@example.org").status_code == 429
    reset_rate_limits()
    assert post_sign_in(client, "nobody@example.org").status_code == 200


def test_there_is_no_password_only_api_login_form(db: None) -> None:
    """DRF's own login form would skip the second factor (R36): it is not routed."""
    assert Client().get("/api-auth/login/").status_code == 404
