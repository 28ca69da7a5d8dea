"""Second-factor helpers for tests: codes as an authenticator app would show them.

``force_login`` in this suite stands for a complete sign-in, second factor included (the
autouse fixture in tests/conftest.py); ``sign_in_with_password_only`` is the half-done one.
"""

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

DJANGO_FORCE_LOGIN = Client.force_login


def app_device(user: User) -> TOTPDevice:
    """The person's confirmed authenticator app, added if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device


def app_code(device: TOTPDevice) -> str:
    """The code the app shows now, or the next one if this one was already used."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        # A code is accepted once; the app's next code is within the allowed drift.
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def force_login_with_second_factor(client: Client, user: User, backend: str | None = None) -> None:
    DJANGO_FORCE_LOGIN(client, user, backend)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = app_device(user).persistent_id
    session.save()


def sign_in_with_password_only(client: Client, user: User) -> None:
    """Signed in, but the session has not passed a second factor."""
    DJANGO_FORCE_LOGIN(client, user)
