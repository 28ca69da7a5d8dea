"""Text messages through a pluggable provider, chosen by ``settings.HARBOR_SMS_BACKEND``.

A backend is a class with ``send(*, to, body) -> str`` returning the provider's id for the
message; a backend whose provider folds repeated requests also takes ``idempotency_key`` and
passes it on, so a text resent after a fault (tasks/delivery.py) reaches the phone once. It
raises ``SmsTransientError`` when trying again later may work (the provider is down, rate
limits) and ``SmsPermanentError`` when it never will (a number that does not exist).
The console backend, the default, writes to the log and sends nothing; it never logs the
number, which is the young person's personal data.
"""

import inspect
import logging
import uuid
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not take the message."""


class SmsTransientError(SmsError):
    """Trying again later may work."""


class SmsPermanentError(SmsError):
    """Trying again will not work."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Hand the message to the provider; the provider's id for it."""
        ...


class ConsoleSmsBackend:
    """Development: logs that a text would go out, with its body (rendered without personal
    data, tasks/messages.py) but never the number."""

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        result = f"console-{uuid.uuid4()}"
        logger.info("Text message %s (console, not sent): %s", result, body)
        return result


class LocmemSmsBackend:
    """Tests: keeps what was sent in ``LocmemSmsBackend.outbox``, like Django's mail outbox."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        result = f"locmem-{uuid.uuid4()}"
        self.outbox.append(
            {"to": to, "body": body, "id": result, "idempotency_key": idempotency_key}
        )
        return result


def get_sms_backend() -> SmsBackend:
    """A new instance of the configured backend."""
    return import_string(settings.HARBOR_SMS_BACKEND)()


def send_sms(
    *, to: str, body: str, idempotency_key: str = "", backend: SmsBackend | None = None
) -> str:
    """Send one text through ``backend`` (by default a new configured one); the provider's id
    for it. The key goes to backends that take one; others send without it."""
    backend = backend or get_sms_backend()
    if idempotency_key and "idempotency_key" in inspect.signature(backend.send).parameters:
        return backend.send(to=to, body=body, idempotency_key=idempotency_key)
    return backend.send(to=to, body=body)
