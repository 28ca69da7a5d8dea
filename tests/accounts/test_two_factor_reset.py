"""Resetting a lost second factor (R36): the person sets it up again; old sessions end."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts import two_factor
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_reset_two_factor_removes_the_app_and_ends_every_session(world: World) -> None:
    client = Client()
    client.force_login(world.advocate)  # with the app
    Token.objects.create(user=world.advocate)
    out = StringIO()

    call_command("reset_two_factor", world.advocate.email.upper(), stdout=out)

    assert not two_factor.has_confirmed_device(world.advocate)
    assert two_factor.backup_codes_left(world.advocate) == 0
    assert not Token.objects.filter(user=world.advocate).exists()
    assert client.get(reverse("frontend:caseload"))["Location"].startswith(
        reverse("frontend:sign-in")
    )
    assert world.advocate.email not in out.getvalue()


def test_reset_two_factor_names_an_unknown_address_as_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="No account"):
        call_command("reset_two_factor", "nobody@example.org", stdout=StringIO())
