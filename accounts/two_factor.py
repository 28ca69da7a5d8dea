"""The second factor (R36): devices, backup codes, and whether this session has passed it.

Staff must pass a second factor before any case data is shown; young people may add one. A
session passes when the person enters a code from a confirmed authenticator app (TOTP) or a
single-use backup code; the device's persistent id is then kept in the session, under the key
django-otp uses. Sessions live on the server, so trusting that key costs no query per request.
"""

from base64 import b32encode

from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.sessions import end_every_session

BACKUP_CODE_COUNT = 10
APP_CODE_LENGTH = 6
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def must_use_second_factor(user: User, roles: object) -> bool:
    """Staff of any organization (``roles``: their roles in the access policy) and admin-site
    users must; young people may choose to (R36)."""
    return bool(roles) or user.is_staff


def session_is_verified(request: HttpRequest) -> bool:
    """True when this session's sign-in included a second factor."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(DEVICE_ID_SESSION_KEY))


def mark_session_verified(request: HttpRequest, device: Device) -> None:
    """Record that the signed-in person just passed the second factor with ``device``."""
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user: User) -> TOTPDevice:
    """The authenticator app being set up: the unconfirmed device, made on first ask.

    Asking again shows the same secret, so a reload does not break a half-done scan.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def has_pending_app_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=False).exists()


def app_secret(device: TOTPDevice) -> str:
    """The device's key in base32, as authenticator apps take it when typed by hand."""
    return b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def confirm_app_device(user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending app with a code it shows; return it and fresh backup codes.

    Any earlier app is removed: one person keeps one authenticator app.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(code)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, replace_backup_codes(user)


def verify_code(user: User, code: str) -> Device | None:
    """The confirmed device that accepts ``code`` (app code or backup code), else None.

    Each device counts its own failures and slows down after repeated wrong codes.
    A backup code works once.
    """
    digits = _digits(code)
    if len(digits) == APP_CODE_LENGTH and len(_backup(code)) == APP_CODE_LENGTH:
        app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        return app if app is not None and app.verify_token(digits) else None
    # Anything else is read as a backup code, so a mistyped one does not slow down the app.
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return backup if backup is not None and backup.verify_token(_backup(code)) else None


@transaction.atomic
def replace_backup_codes(user: User) -> list[str]:
    """A new set of single-use backup codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def remove_second_factor(user: User) -> None:
    """Turn the second factor off (young people only: staff may not; the view checks)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def reset_second_factor(user: User) -> None:
    """For a person who lost their app and their backup codes: every session ends, and the
    next sign-in sets up a new app (staff) or asks for the password alone (young people)."""
    remove_second_factor(user)
    end_every_session(user)


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


def _backup(code: str) -> str:
    return "".join(code.split()).lower()
