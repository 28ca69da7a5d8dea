"""Finding an account by its e-mail address, as staff type it."""

import pytest

from accounts.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_address_typed_in_any_case_with_spaces_finds_the_account() -> None:
    user = f.UserFactory(email="ada.mensah@example.org")
    f.UserFactory(email="ada@example.org")

    assert list(User.objects.with_email("  Ada.Mensah@EXAMPLE.org ")) == [user]
    assert not User.objects.with_email("mensah@example.org").exists()
