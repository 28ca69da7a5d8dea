"""API sign-in (R36): staff need a second factor for a token and for a session; tokens expire."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import two_factor
from accounts.models import User
from tests.conftest import World
from tests.two_factor import app_code, app_device, sign_in_with_password_only

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def ask_token(user_email: str, password: str = PASSWORD, code: str | None = None):
    data = {"username": user_email, "password": password}
    if code is not None:
        data["code"] = code
    return APIClient().post(reverse("auth-token"), data, format="json")


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_R36_staff_get_no_token_without_their_apps_code(world: World) -> None:
    app_device(world.advocate)

    response = ask_token(world.advocate.email)

    assert response.status_code == 400
    assert "code" in response.json()
    assert not Token.objects.filter(user=world.advocate).exists()


def test_R36_a_wrong_code_gets_no_token(world: World) -> None:
    app_device(world.advocate)

    response = ask_token(world.advocate.email, code="000000")

    assert response.status_code == 400
    assert "code" in response.json()


def test_staff_who_never_set_up_an_app_are_told_to_do_it_on_the_web(world: World) -> None:
    response = ask_token(world.advocate.email, code="123456")

    assert response.status_code == 400
    assert "web app" in response.json()["code"][0]


def test_the_apps_code_gets_a_token_that_reads_the_case_until_it_expires(world: World) -> None:
    issued = ask_token(world.advocate.email, code=app_code(app_device(world.advocate)))
    assert issued.status_code == 200
    case = reverse("case-detail", args=[world.case.pk])

    assert with_token(issued.json()["token"]).get(case).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=1)):
        expired = with_token(issued.json()["token"]).get(case)
    assert expired.status_code in (401, 403)
    assert "expired" in expired.json()["detail"]


def test_a_backup_code_also_gets_a_token(world: World) -> None:
    app_device(world.advocate)
    code = two_factor.replace_backup_codes(world.advocate)[0]

    assert ask_token(world.advocate.email, code=code).status_code == 200


def test_signing_in_again_replaces_the_earlier_token(world: World) -> None:
    device = app_device(world.advocate)
    first = ask_token(world.advocate.email, code=app_code(device)).json()["token"]
    second = ask_token(world.advocate.email, code=app_code(device)).json()["token"]

    assert first != second
    assert with_token(first).get(reverse("me")).status_code in (401, 403)


def test_R36_young_people_without_an_app_get_a_token_with_their_password(world: World) -> None:
    response = ask_token(world.young_person.email)

    assert response.status_code == 200


def test_young_people_who_added_an_app_need_its_code(world: World) -> None:
    device = app_device(world.young_person)

    assert ask_token(world.young_person.email).status_code == 400
    assert ask_token(world.young_person.email, code=app_code(device)).status_code == 200


def test_no_user_enumeration_unknown_address_and_wrong_password_answer_alike(
    world: World,
) -> None:
    unknown = ask_token("nobody@example.org", password="wrong password here")
    wrong = ask_token(world.advocate.email, password="wrong password here")

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_R36_a_staff_session_without_the_second_factor_reads_nothing(world: World) -> None:
    client = APIClient()
    sign_in_with_password_only(client, world.advocate)

    response = client.get(reverse("case-detail", args=[world.case.pk]))

    assert response.status_code == 403
    assert "Two-factor sign-in is required" in response.json()["detail"]
    assert world.case.person.alias not in response.content.decode()


def test_a_staff_session_that_passed_the_second_factor_reads_the_case(world: World) -> None:
    client = APIClient()
    client.force_login(world.advocate)

    assert client.get(reverse("case-detail", args=[world.case.pk])).status_code == 200


def test_a_young_persons_session_needs_no_second_factor(world: World) -> None:
    client = APIClient()
    sign_in_with_password_only(client, world.young_person)

    assert client.get(reverse("me")).status_code == 200


def test_the_token_endpoint_rejects_missing_fields_with_field_messages(db: None) -> None:
    response = APIClient().post(reverse("auth-token"), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) >= {"username", "password"}


def test_a_suspended_account_gets_no_token(world: World) -> None:
    User.objects.filter(pk=world.young_person.pk).update(is_active=False)

    assert ask_token(world.young_person.email).status_code == 400


# -- Setting up the authenticator app through the API (issue 17) -------------------------------


def ask_set_up(user_email: str, password: str = PASSWORD):
    data = {"username": user_email, "password": password}
    return APIClient().post(reverse("auth-two-factor"), data, format="json")


def test_a_person_without_an_app_gets_the_key_to_add_and_the_same_key_again(
    world: World,
) -> None:
    first = ask_set_up(world.advocate.email)
    second = ask_set_up(world.advocate.email)

    assert first.status_code == 200, first.content
    assert first.json() == second.json()
    assert first.json()["otpauth_uri"].startswith("otpauth://totp/")
    assert first.json()["secret"] in first.json()["otpauth_uri"]
    assert not two_factor.has_confirmed_device(world.advocate)


def test_the_apps_first_code_confirms_it_and_the_token_carries_the_backup_codes_once(
    world: World,
) -> None:
    ask_set_up(world.advocate.email)
    device = TOTPDevice.objects.get(user=world.advocate)

    issued = ask_token(world.advocate.email, code=app_code(device))

    assert issued.status_code == 200, issued.content
    codes = issued.json()["backup_codes"]
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert two_factor.has_confirmed_device(world.advocate)
    again = ask_token(world.advocate.email, code=codes[0])
    assert again.status_code == 200 and "backup_codes" not in again.json()
    assert ask_token(world.advocate.email, code=codes[0]).status_code == 400  # used once


def test_a_wrong_first_code_confirms_nothing_and_gets_no_token(world: World) -> None:
    ask_set_up(world.advocate.email)

    response = ask_token(world.advocate.email, code="000000")

    assert response.status_code == 400
    assert "code" in response.json()
    assert not two_factor.has_confirmed_device(world.advocate)
    assert not Token.objects.filter(user=world.advocate).exists()


def test_staff_with_a_pending_app_and_no_code_get_no_token(world: World) -> None:
    ask_set_up(world.advocate.email)

    response = ask_token(world.advocate.email)

    assert response.status_code == 400
    assert "code" in response.json()


def test_setting_up_is_refused_once_an_app_is_confirmed(world: World) -> None:
    device = app_device(world.advocate)

    response = ask_set_up(world.advocate.email)

    assert response.status_code == 400
    assert "already set up" in response.json()["non_field_errors"][0]
    assert list(TOTPDevice.objects.filter(user=world.advocate)) == [device]


def test_setting_up_answers_an_unknown_address_and_a_wrong_password_alike(
    world: World,
) -> None:
    unknown = ask_set_up("nobody@example.org", "wrong password here")
    wrong = ask_set_up(world.advocate.email, "wrong password here")

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json() == ask_token("nobody@example.org", "x").json()
    assert not TOTPDevice.objects.filter(user=world.advocate).exists()


def test_setting_up_rejects_missing_fields_with_field_messages(db: None) -> None:
    response = APIClient().post(reverse("auth-two-factor"), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_a_young_person_may_add_an_app_and_then_needs_its_code(world: World) -> None:
    ask_set_up(world.young_person.email)
    device = TOTPDevice.objects.get(user=world.young_person)

    assert ask_token(world.young_person.email, code=app_code(device)).status_code == 200
    assert ask_token(world.young_person.email).status_code == 400


def test_failures_at_the_set_up_endpoint_count_towards_the_lockout(world: World, settings) -> None:
    for number in range(settings.AXES_FAILURE_LIMIT):
        APIClient(REMOTE_ADDR=f"10.6.0.{number + 1}").post(
            reverse("auth-two-factor"),
            {"username": world.advocate.email, "password": "wrong password"},
            format="json",
        )

    refused = APIClient(REMOTE_ADDR="10.6.9.9").post(
        reverse("auth-two-factor"),
        {"username": world.advocate.email, "password": PASSWORD},
        format="json",
    )

    assert refused.status_code == 429
    assert "secret" not in refused.json()


def test_setting_up_shares_the_token_endpoints_limit_per_address(world: World, settings) -> None:
    settings.HARBOR = {**settings.HARBOR, "API_TOKEN_RATE": "2/m"}
    settings.AXES_FAILURE_LIMIT = 100  # the address's limit, not the account's lockout
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        assert ask_token("someone@example.org", "wrong").status_code == 400
        assert ask_set_up("someone.else@example.org", "wrong").status_code == 400
        refused = ask_set_up(world.advocate.email)

    assert refused.status_code == 429
    assert "secret" not in refused.json()
