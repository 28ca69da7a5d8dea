"""Giving a young person their portal login (R42): codes made, redeemed and ended.

The doors decide who may call these (the care team, through the access policy) and record the
access events; these functions keep the code's rules: shown once, expiring, usable once,
locked after five wrong tries, and a new code ending the old one, the password and every
session.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.sessions import end_every_session
from cases.models import Person
from cases.portal_access import (
    CODE_ALPHABET,
    LOOKUP_LENGTH,
    SECRET_LENGTH,
    PortalActivation,
)

SIGN_IN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
WRONG_CODE = gettext_lazy("That code did not work. Check it, or ask your advocate for a new one.")


@dataclass(frozen=True)
class IssuedCode:
    """A new code as the advocate reads it out once; only its hash is kept."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PortalStatus:
    """What the care team may know of a young person's portal access: not what they did."""

    has_login: bool
    last_sign_in: datetime | None
    open_code_expires_at: datetime | None


def _digest(code: str) -> str:
    return salted_hmac("cases.PortalActivation.code", code, algorithm="sha256").hexdigest()


def normalize_code(typed: str) -> str:
    """What the young person typed, without spaces or dashes, in capitals."""
    return re.sub(r"[^A-Z0-9]", "", typed.upper())


def _new_code() -> str:
    length = LOOKUP_LENGTH + SECRET_LENGTH
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not PortalActivation.objects.live().filter(lookup=code[:LOOKUP_LENGTH]).exists():
            return code


def display_code(code: str) -> str:
    """``ABCD-EFGH-JKMN``: short groups to read aloud."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _end_login(user: User) -> None:
    user.set_unusable_password()
    user.save(update_fields=["password"])
    end_every_session(user)


@transaction.atomic
def issue_portal_code(*, person: Person, actor: User) -> IssuedCode:
    """A new code for the young person; their old code, password and sessions end."""
    now = timezone.now()
    PortalActivation.objects.select_for_update().filter(
        person=person, used_at__isnull=True, ended_at__isnull=True
    ).update(ended_at=now)
    if person.user_id is not None:
        _end_login(person.user)
    code = _new_code()
    expires_at = now + timedelta(hours=settings.HARBOR["PORTAL_CODE_HOURS"])
    PortalActivation.objects.create(
        person=person,
        lookup=code[:LOOKUP_LENGTH],
        code_hash=_digest(code),
        issued_by=actor,
        issued_at=now,
        expires_at=expires_at,
    )
    return IssuedCode(code=display_code(code), expires_at=expires_at)


@transaction.atomic
def end_portal_access(*, person: Person) -> None:
    """No code works, the password is gone, every session ends, the login cannot sign in."""
    PortalActivation.objects.select_for_update().filter(
        person=person, used_at__isnull=True, ended_at__isnull=True
    ).update(ended_at=timezone.now())
    if person.user_id is not None:
        user = person.user
        user.is_active = False
        user.save(update_fields=["is_active"])
        _end_login(user)


@dataclass(frozen=True)
class CodeMatch:
    """The live code typed (``found``), or the person whose live code was guessed wrongly."""

    found: PortalActivation | None = None
    wrong_try_for: int | None = None


def find_code(typed: str) -> CodeMatch:
    """Look up a typed code. A wrong secret for a live code's first group counts as a wrong
    try against that code, committed at once whatever the caller does next; five lock it."""
    code = normalize_code(typed)
    if len(code) != LOOKUP_LENGTH + SECRET_LENGTH:
        return CodeMatch()
    with transaction.atomic():
        activation = (
            PortalActivation.objects.live()
            .select_for_update()
            .filter(lookup=code[:LOOKUP_LENGTH])
            .first()
        )
        if activation is None:
            return CodeMatch()
        if not constant_time_compare(activation.code_hash, _digest(code)):
            activation.wrong_tries += 1
            activation.save(update_fields=["wrong_tries"])
            return CodeMatch(wrong_try_for=activation.person_id)
    return CodeMatch(found=activation)


def _check_sign_in_name(name: str, *, person: Person) -> str:
    name = name.strip()
    if not SIGN_IN_NAME.match(name):
        raise ValidationError(
            {
                "sign_in_name": [
                    _(
                        "Use 3 to 40 letters or digits; dots, dashes and underscores may go "
                        "between them. No spaces and no @."
                    )
                ]
            }
        )
    taken = User.objects.with_sign_in_name(name)
    if person.user_id is not None:
        taken = taken.exclude(pk=person.user_id)
    if taken.exists():
        raise ValidationError({"sign_in_name": [_("This sign-in name is taken. Try another.")]})
    return name


@transaction.atomic
def redeem_portal_code(*, activation: PortalActivation, sign_in_name: str, password: str) -> User:
    """The young person's own login, with the sign-in name and password they chose."""
    locked = PortalActivation.objects.live().select_for_update().filter(pk=activation.pk).first()
    if locked is None:  # used, ended or expired since it was found
        raise ValidationError({"code": [WRONG_CODE]})
    person = Person.objects.select_for_update().get(pk=locked.person_id)
    name = _check_sign_in_name(sign_in_name, person=person)
    user = person.user
    if user is None:
        user = User(email=None, sign_in_name=name)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.sign_in_name, user.is_active = name, True
    user.set_password(password)
    user.save()
    if person.user_id is None:
        person.user = user
        person.save(update_fields=["user"])
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    return user


def portal_status(*, person: Person) -> PortalStatus:
    user = person.user if person.user_id is not None else None
    has_login = bool(user and user.is_active and user.has_usable_password())
    open_code = PortalActivation.objects.live().filter(person=person).order_by("-issued_at").first()
    return PortalStatus(
        has_login=has_login,
        last_sign_in=user.last_login if has_login and user else None,
        open_code_expires_at=open_code.expires_at if open_code else None,
    )
