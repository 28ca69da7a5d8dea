"""Two-step sign-in on the web app (R36): staff need a second factor before any case data;
young people may add one; everyone can sign out everywhere."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts import two_factor
from accounts.models import User
from tests.conftest import World
from tests.two_factor import app_code, app_device, sign_in_with_password_only

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def case_url(world: World) -> str:
    return reverse("frontend:case", args=[world.case.pk])


def password_step(client: Client, user: User, next_url: str = "") -> object:
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("frontend:sign-in"), data)


def seeded_name(world: World) -> str:
    return world.case.person.alias or world.case.person.legal_name


# --- staff without a second factor yet -------------------------------------------------------


def test_R36_staff_signed_in_with_a_password_only_see_no_case_data(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.advocate)

    response = client.get(case_url(world))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:two-factor-verify"))
    assert seeded_name(world) not in response.content.decode()


def test_R36_staff_without_an_app_are_sent_to_set_one_up_then_back(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.advocate)

    to_code = client.get(case_url(world))
    to_set_up = client.get(to_code["Location"])

    assert to_set_up.status_code == 302
    assert to_set_up["Location"].startswith(reverse("frontend:two-factor-set-up"))
    page = client.get(to_set_up["Location"])
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_setting_up_the_app_shows_backup_codes_once_and_unlocks_case_pages(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.advocate)
    client.get(reverse("frontend:two-factor-set-up"))
    device = TOTPDevice.objects.get(user=world.advocate, confirmed=False)

    response = client.post(
        reverse("frontend:two-factor-set-up"), {"code": app_code(device), "next": case_url(world)}
    )

    assert response.status_code == 200
    codes = set(
        StaticToken.objects.filter(device__user=world.advocate).values_list("token", flat=True)
    )
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert all(code in response.content.decode() for code in codes)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(case_url(world)).status_code == 200


def test_a_wrong_set_up_code_is_a_form_error_and_turns_nothing_on(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.advocate)
    client.get(reverse("frontend:two-factor-set-up"))

    response = client.post(reverse("frontend:two-factor-set-up"), {"code": "000000"})

    assert response.status_code == 400
    assert "That code did not work" in response.content.decode()
    assert not two_factor.has_confirmed_device(world.advocate)
    assert client.get(case_url(world)).status_code == 302


def test_reloading_the_set_up_page_keeps_the_same_key(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.advocate)

    first = client.get(reverse("frontend:two-factor-set-up")).context["secret"]
    second = client.get(reverse("frontend:two-factor-set-up")).context["secret"]

    assert first == second
    assert TOTPDevice.objects.filter(user=world.advocate).count() == 1


# --- signing in with a second factor ---------------------------------------------------------


def test_R36_with_an_app_the_password_alone_signs_nobody_in(world: World) -> None:
    app_device(world.advocate)
    client = Client()

    response = password_step(client, world.advocate, next_url=case_url(world))

    assert response["Location"] == reverse("frontend:two-factor-verify")
    assert "_auth_user_id" not in client.session
    assert client.get(case_url(world))["Location"].startswith(reverse("frontend:sign-in"))


def test_the_apps_code_finishes_the_sign_in_and_goes_where_the_person_was_going(
    world: World,
) -> None:
    device = app_device(world.advocate)
    client = Client()
    password_step(client, world.advocate, next_url=case_url(world))

    response = client.post(reverse("frontend:two-factor-verify"), {"code": app_code(device)})

    assert response["Location"] == case_url(world)
    assert client.get(case_url(world)).status_code == 200


def test_a_code_is_accepted_once(world: World) -> None:
    device = app_device(world.advocate)
    code = app_code(device)
    first = Client()
    password_step(first, world.advocate)
    first.post(reverse("frontend:two-factor-verify"), {"code": code})
    second = Client()
    password_step(second, world.advocate)

    response = second.post(reverse("frontend:two-factor-verify"), {"code": code})

    assert response.status_code == 400
    assert "_auth_user_id" not in second.session


def test_five_wrong_codes_end_the_sign_in_and_the_password_is_asked_again(world: World) -> None:
    app_device(world.advocate)
    client = Client()
    password_step(client, world.advocate)

    for _ in range(4):
        wrong = client.post(reverse("frontend:two-factor-verify"), {"code": "123456"})
        assert wrong.status_code == 400
    last = client.post(reverse("frontend:two-factor-verify"), {"code": "123456"})

    assert last["Location"] == reverse("frontend:sign-in")
    assert client.get(reverse("frontend:two-factor-verify"))["Location"] == reverse(
        "frontend:sign-in"
    )


def test_a_half_done_sign_in_lapses_after_five_minutes(world: World) -> None:
    device = app_device(world.advocate)
    client = Client()
    password_step(client, world.advocate)

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(reverse("frontend:two-factor-verify"), {"code": app_code(device)})

    assert response["Location"] == reverse("frontend:sign-in")
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once_and_says_how_many_are_left(world: World) -> None:
    app_device(world.advocate)
    code = two_factor.replace_backup_codes(world.advocate)[0]
    client = Client()
    password_step(client, world.advocate)

    response = client.post(
        reverse("frontend:two-factor-verify"), {"code": code.upper()}, follow=True
    )

    assert "9 left" in response.content.decode()
    again = Client()
    password_step(again, world.advocate)
    assert again.post(reverse("frontend:two-factor-verify"), {"code": code}).status_code == 400


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(world: World) -> None:
    response = Client().get(reverse("frontend:two-factor-verify"))

    assert response["Location"] == reverse("frontend:sign-in")


def test_the_code_page_never_sends_people_to_another_site(world: World) -> None:
    device = app_device(world.advocate)
    client = Client()
    sign_in_with_password_only(client, world.advocate)

    response = client.post(
        reverse("frontend:two-factor-verify") + "?next=https://evil.example/",
        {"code": app_code(device)},
    )

    assert response["Location"] == "/"


# --- young people: optional ------------------------------------------------------------------


def test_R36_young_people_sign_in_with_a_password_alone_until_they_add_an_app(
    world: World,
) -> None:
    client = Client()

    response = password_step(client, world.young_person)

    assert response.status_code == 302
    assert client.get(reverse("frontend:portal-home")).status_code == 200


def test_a_young_person_who_added_an_app_is_asked_for_its_code(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.young_person)
    client.get(reverse("frontend:two-factor-set-up"))
    device = TOTPDevice.objects.get(user=world.young_person)
    client.post(reverse("frontend:two-factor-set-up"), {"code": app_code(device)})
    later = Client()

    response = password_step(later, world.young_person)

    assert response["Location"] == reverse("frontend:two-factor-verify")


def test_young_peoples_security_pages_keep_the_portals_neutral_title_and_quick_exit(
    world: World,
) -> None:
    client = Client()
    sign_in_with_password_only(client, world.young_person)

    page = client.get(reverse("frontend:account-security")).content.decode()

    assert "<title>My account</title>" in page
    assert 'class="quick-exit' in page


def test_a_young_person_may_turn_the_second_factor_off(world: World) -> None:
    client = Client()
    client.force_login(world.young_person)  # signed in with their app's code

    response = client.post(reverse("frontend:two-factor-turn-off"))

    assert response["Location"] == reverse("frontend:account-security")
    assert not two_factor.has_confirmed_device(world.young_person)


def test_R36_staff_may_not_turn_the_second_factor_off(world: World) -> None:
    client = Client()
    client.force_login(world.advocate)

    response = client.post(reverse("frontend:two-factor-turn-off"))

    assert response.status_code == 403
    assert two_factor.has_confirmed_device(world.advocate)


def test_changing_the_second_factor_needs_a_session_that_passed_it(world: World) -> None:
    app_device(world.young_person)
    client = Client()
    sign_in_with_password_only(client, world.young_person)

    response = client.post(reverse("frontend:two-factor-turn-off"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:two-factor-verify"))
    assert two_factor.has_confirmed_device(world.young_person)


def test_new_backup_codes_replace_the_old_ones(world: World) -> None:
    client = Client()
    client.force_login(world.advocate)
    old = two_factor.replace_backup_codes(world.advocate)

    response = client.post(reverse("frontend:two-factor-backup-codes"))

    assert response.status_code == 200
    new = response.context["codes"]
    assert two_factor.verify_code(world.advocate, new[0]) is not None
    kept = set(
        StaticToken.objects.filter(device__user=world.advocate).values_list("token", flat=True)
    )
    assert kept == set(new[1:])
    assert not kept & set(old)


# --- signing out everywhere ------------------------------------------------------------------


def test_R36_sign_out_everywhere_ends_every_session_and_token(world: World) -> None:
    laptop, phone = Client(), Client()
    laptop.force_login(world.advocate)
    phone.force_login(world.advocate)
    Token.objects.create(user=world.advocate)

    response = laptop.post(reverse("frontend:sign-out-everywhere"))

    assert response["Location"] == reverse("frontend:sign-in")
    assert phone.get(case_url(world))["Location"].startswith(reverse("frontend:sign-in"))
    assert laptop.get(case_url(world))["Location"].startswith(reverse("frontend:sign-in"))
    assert not Token.objects.filter(user=world.advocate).exists()


def test_signing_in_again_after_sign_out_everywhere_works(world: World) -> None:
    device = app_device(world.advocate)
    first = Client()
    first.force_login(world.advocate)
    first.post(reverse("frontend:sign-out-everywhere"))
    client = Client()
    password_step(client, world.advocate)

    client.post(reverse("frontend:two-factor-verify"), {"code": app_code(device)})

    assert client.get(case_url(world)).status_code == 200
