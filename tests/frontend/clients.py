"""What page tests share: a signed-in client, and the address of a page of the world's case."""

from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import World


def signed_in(user: User) -> Client:
    """A browser session signed in as ``user``, second factor included."""
    client = Client()
    client.force_login(user)
    return client


def url(name: str, world: World, **kwargs: int) -> str:
    """The page ``name`` of the world's case."""
    return reverse(f"frontend:{name}", kwargs={"case_id": world.case.pk, **kwargs})
