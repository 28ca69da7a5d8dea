"""Signing in and out, the idle sign-out (R36), the start page per person, and the language."""

from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from providers.models import Membership
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signing_in_with_the_form_lands_staff_on_their_start_page(world: World) -> None:
    world.advocate.set_password("a long enough password")
    world.advocate.save()
    client = Client()
    response = client.post(
        reverse("frontend:sign-in"),
        {"username": world.advocate.email, "password": "a long enough password"},
    )
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("frontend:caseload")


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("advocate", "frontend:caseload"),
        ("supervisor", "frontend:supervisor-dashboard"),
        ("young_person", "frontend:portal-home"),
        ("org_admin", "frontend:organization"),
    ],
)
def test_home_sends_each_person_to_their_own_start_page(
    world: World, persona: str, start: str
) -> None:
    response = signed_in(getattr(world, persona)).get(reverse("frontend:home"))
    assert response["Location"] == reverse(start)


def test_a_supervisor_who_also_carries_a_caseload_lands_on_the_continuity_dashboard(
    world: World,
) -> None:
    f.MembershipFactory(
        user=world.supervisor, organization=world.lead, role=Membership.Role.ADVOCATE
    )
    response = signed_in(world.supervisor).get(reverse("frontend:home"))
    assert response["Location"] == reverse("frontend:supervisor-dashboard")


def test_an_account_without_a_role_is_told_so_and_shown_no_case_data(world: World) -> None:
    response = signed_in(f.UserFactory()).get(reverse("frontend:home"))
    assert response.status_code == 200
    assert b"no role at an organization" in response.content


def test_wrong_password_gives_the_same_answer_for_unknown_and_known_accounts(
    world: World,
) -> None:
    client = Client()
    known = client.post(
        reverse("frontend:sign-in"), {"username": world.advocate.email, "password": "nope" * 4}
    )
    unknown = client.post(
        reverse("frontend:sign-in"), {"username": "nobody@example.org", "password": "nope" * 4}
    )
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


def test_password_reset_says_the_same_for_unknown_addresses_and_sends_no_personal_data(
    world: World,
) -> None:
    client = Client()
    known = client.post(reverse("frontend:password-reset"), {"email": world.advocate.email})
    unknown = client.post(reverse("frontend:password-reset"), {"email": "nobody@example.org"})
    assert known["Location"] == unknown["Location"] == reverse("frontend:password-reset-sent")
    assert len(mail.outbox) == 1
    assert world.advocate.full_name not in mail.outbox[0].body
    assert "/password-reset/" in mail.outbox[0].body


def test_r36_staff_are_signed_out_after_the_idle_limit(world: World, settings: Any) -> None:
    settings.HARBOR = {**settings.HARBOR, "STAFF_IDLE_MINUTES": 15}
    client = signed_in(world.advocate)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.get(reverse("frontend:caseload")).status_code == 200
        clock.shift(14 * 60)
        assert client.get(reverse("frontend:caseload")).status_code == 200
        clock.shift(16 * 60)
        response = client.get(reverse("frontend:caseload"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('frontend:sign-in')}?timeout=1"
    assert "_auth_user_id" not in client.session


def test_r36_the_portal_signs_out_sooner_than_staff_pages(world: World, settings: Any) -> None:
    settings.HARBOR = {**settings.HARBOR, "STAFF_IDLE_MINUTES": 15, "PORTAL_IDLE_MINUTES": 10}
    client = signed_in(world.young_person)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.get(reverse("frontend:home"))
        clock.shift(11 * 60)
        response = client.get(reverse("frontend:portal-home"))
    assert response["Location"].endswith("?timeout=1")


def test_r36_an_idle_api_session_is_signed_out_too(world: World, settings: Any) -> None:
    client = signed_in(world.advocate)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.get("/api/v1/cases/").status_code == 200
        clock.shift(settings.HARBOR["STAFF_IDLE_MINUTES"] * 60 + 1)
        assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_asking_for_the_time_left_does_not_keep_the_session_alive(
    world: World, settings: Any
) -> None:
    client = signed_in(world.advocate)
    limit = settings.HARBOR["STAFF_IDLE_MINUTES"] * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.get(reverse("frontend:caseload"))
        clock.shift(limit - 100)
        status = client.get(reverse("frontend:session-status")).json()
        assert status == {"signed_in": True, "seconds_left": 100}
        clock.shift(101)
        assert client.get(reverse("frontend:caseload")).status_code == 302


def test_R36_the_time_left_counts_down_to_the_12_hour_end_when_that_comes_first(
    world: World, settings: Any
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Signed in on the frozen clock: the 12 hours count from that very moment, however
        # slowly the machine gets from signing in to the first page.
        client = signed_in(world.advocate)
        client.get(reverse("frontend:caseload"))
        for _ in range(12 * 6 - 1):  # busy all day: a page every ten minutes
            clock.shift(600)
            client.get(reverse("frontend:caseload"))
        clock.shift(300)
        status = client.get(reverse("frontend:session-status")).json()
    assert status == {"signed_in": True, "seconds_left": 300}


def test_stay_signed_in_restarts_the_idle_clock(world: World, settings: Any) -> None:
    client = signed_in(world.advocate)
    limit = settings.HARBOR["STAFF_IDLE_MINUTES"] * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.get(reverse("frontend:caseload"))
        clock.shift(limit - 60)
        assert client.post(reverse("frontend:session-keep-alive")).json()["signed_in"]
        clock.shift(limit - 60)
        assert client.get(reverse("frontend:caseload")).status_code == 200


def test_the_quick_exit_beacon_ends_the_session(world: World) -> None:
    client = signed_in(world.young_person)
    assert client.post(reverse("frontend:session-end")).status_code == 204
    assert client.get(reverse("frontend:portal-home")).status_code == 302


def test_choosing_spanish_is_saved_on_the_account_and_used_on_the_next_sign_in(
    world: World,
) -> None:
    client = signed_in(world.advocate)
    response = client.post(
        reverse("frontend:language"), {"language": "es", "next": reverse("frontend:caseload")}
    )
    assert response["Location"] == reverse("frontend:caseload")
    world.advocate.refresh_from_db()
    assert world.advocate.preferred_language == "es"
    fresh = signed_in(world.advocate)  # another browser: no language cookie
    page = fresh.get(reverse("frontend:caseload"))
    assert page["Content-Language"] == "es"
    assert 'lang="es"' in page.content.decode()


def test_the_language_switch_does_not_redirect_to_another_site(world: World) -> None:
    response = signed_in(world.advocate).post(
        reverse("frontend:language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_an_unknown_language_changes_nothing(world: World) -> None:
    signed_in(world.advocate).post(reverse("frontend:language"), {"language": "xx"})
    world.advocate.refresh_from_db()
    assert world.advocate.preferred_language == "en"


def test_the_sign_in_page_follows_the_browser_language_before_anyone_signs_in() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("frontend:sign-in"))
    assert response["Content-Language"] == "es"
    assert "Iniciar sesión" in response.content.decode()


def test_not_found_pages_show_no_case_data_and_use_the_page_layout(world: World) -> None:
    response = signed_in(world.partner_staff).get("/cases/999999/")
    assert response.status_code == 404
    assert b"Not found" in response.content


def test_flash_messages_leave_no_words_in_the_browsers_cookies(world: World) -> None:
    client = signed_in(world.advocate)
    url = reverse("frontend:note-new", kwargs={"case_id": world.case.pk})
    response = client.post(url, {"body": "Met at the library", "category": "general"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "The note is saved." in page.content.decode()  # the message was there...
    assert "messages" not in client.cookies  # ...and held on the server, not in a cookie
