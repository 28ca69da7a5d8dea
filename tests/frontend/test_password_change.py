"""Changing one's own password while signed in (issue 17): the old password first, Django's
validators on the new one, and every other session and API token ends."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.conftest import World

pytestmark = pytest.mark.django_db

URL = "/account/password/"
OLD = "correct horse battery staple"  # the factories' password
NEW = "a brand new long passphrase 7"


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change(client: Client, old: str = OLD, new: str = NEW) -> object:
    return client.post(URL, {"old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.parametrize("persona", ["advocate", "young_person"])
def test_a_signed_in_person_changes_their_password(world: World, persona: str) -> None:
    user = getattr(world, persona)
    client = _signed_in(user)
    assert client.get(URL).status_code == 200
    response = _change(client)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(OLD)


def test_changing_the_password_ends_every_other_session_and_token_but_not_this_one(
    world: World,
) -> None:
    other_device = _signed_in(world.advocate)
    Token.objects.create(user=world.advocate)
    this_device = _signed_in(world.advocate)
    _change(this_device)
    assert this_device.get(reverse("frontend:caseload")).status_code == 200
    assert other_device.get(reverse("frontend:caseload")).status_code == 302
    assert not Token.objects.filter(user=world.advocate).exists()


def test_a_wrong_old_password_is_a_form_error_and_changes_nothing(world: World) -> None:
    response = _change(_signed_in(world.advocate), old="not my password at all")
    assert response.status_code == 400
    assert "old password was entered incorrectly" in response.content.decode()
    world.advocate.refresh_from_db()
    assert world.advocate.check_password(OLD)


def test_a_weak_new_password_is_refused(world: World) -> None:
    response = _change(_signed_in(world.advocate), new="password")
    assert response.status_code == 400
    world.advocate.refresh_from_db()
    assert world.advocate.check_password(OLD)


def test_signed_out_people_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_the_young_persons_password_page_keeps_the_portals_neutral_title(world: World) -> None:
    page = _signed_in(world.young_person).get(URL).content.decode()
    assert "<title>My account" in page and "quick-exit" in page
