"""A sign-in half done: the password was right, the second-factor code is still to come.

Nobody is signed in yet: the session only remembers whose code to ask for, for a few minutes
and a few tries, after which the password must be entered again.
"""

import time
from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import User

PENDING_KEY = "harbor_pending_sign_in"
PENDING_SECONDS = 5 * 60
MAX_WRONG_CODES = 5


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    backend: str
    next_url: str


def start(request: HttpRequest, user: User, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": int(time.time()),
        "wrong": 0,
    }


def current(request: HttpRequest) -> PendingSignIn | None:
    """The pending sign-in, if it is recent and its person may still sign in."""
    state = request.session.get(PENDING_KEY)
    if not state or time.time() - state["since"] > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=state["user"], is_active=True).first()
    if user is None:
        return None
    return PendingSignIn(user=user, backend=state["backend"], next_url=state["next"])


def wrong_code(request: HttpRequest) -> bool:
    """Count a wrong code; True when the tries are used up and the sign-in is abandoned."""
    state = request.session[PENDING_KEY]
    state["wrong"] += 1
    if state["wrong"] >= MAX_WRONG_CODES:
        clear(request)
        return True
    request.session[PENDING_KEY] = state
    return False


def clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
