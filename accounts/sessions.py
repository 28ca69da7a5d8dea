"""Ending every session of a person at once ("sign out everywhere", R36)."""

from django.db.models import F
from rest_framework.authtoken.models import Token

from accounts.models import User


def end_every_session(user: User) -> None:
    """Every browser signed in as ``user`` is signed out on its next request; API tokens go."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    Token.objects.filter(user=user).delete()
