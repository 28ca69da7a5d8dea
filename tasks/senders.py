"""Provider connections a delivery task sends through, several messages at once.

A provider's API takes about as long per message whatever else is going on, so throughput is
messages in flight at once: a delivery task holds up to ``HARBOR["DELIVERY_SENDERS"]``
connections, each used by one thread at a time and reused for every message the task sends
(SMTP keeps a connection open between messages). The threads only talk to the provider: every
database read and write stays on the task's own thread (tasks/delivery.py), which records the
attempts before handing a chunk over and marks what was accepted after.
"""

import logging
import queue
import smtplib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from types import TracebackType

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from tasks.messages import Message
from tasks.models import Notification
from tasks.sms import SmsBackend, SmsPermanentError, SmsTransientError, get_sms_backend, send_sms

logger = logging.getLogger(__name__)

Channel = Notification.Channel
# Errors that will not go away by trying again: a refused recipient, a number that is not one.
PERMANENT_ERRORS = (SmsPermanentError, smtplib.SMTPRecipientsRefused)
TRANSIENT_ERRORS = (SmsTransientError, smtplib.SMTPException, OSError)


class MissingAddress(Exception):
    """The recipient has no address on this channel."""


# What one hand-over may end in besides acceptance; anything else is a bug and propagates.
SENDING_ERRORS = (MissingAddress, *PERMANENT_ERRORS, *TRANSIENT_ERRORS)


def error_name(error: BaseException) -> str:
    # The class name only: provider messages may quote the address.
    return type(error).__name__


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the provider: its row, where it goes and what it says."""

    pk: int
    channel: str
    address: str
    message: Message
    message_id: str


@dataclass
class Providers:
    """One e-mail connection (SMTP keeps it open between messages) and one SMS backend."""

    email: BaseEmailBackend
    sms: SmsBackend

    @classmethod
    def open(cls) -> "Providers":
        email = get_connection()
        try:
            email.open()
        except TRANSIENT_ERRORS as error:
            # Each message then tries on its own and meets the error in its own row.
            logger.warning("E-mail connection not opened (%s)", error_name(error))
        return cls(email=email, sms=get_sms_backend())

    def close(self) -> None:
        self.email.close()

    def send(self, outgoing: Outgoing) -> str:
        """Hand one message over; the provider's answer, to keep with the row."""
        if outgoing.channel == Channel.EMAIL:
            EmailMessage(
                subject=outgoing.message.subject,
                body=outgoing.message.body,
                to=[outgoing.address],
                headers={"Message-ID": outgoing.message_id},
                connection=self.email,
            ).send()
            return f"email {outgoing.message_id}"
        if outgoing.channel == Channel.SMS:
            sent = send_sms(
                to=outgoing.address,
                body=outgoing.message.body,
                idempotency_key=outgoing.message_id,
                backend=self.sms,
            )
            return f"sms {sent}"
        raise MissingAddress(outgoing.channel)


class Senders:
    """Up to ``count`` provider connections, opened as needed and reused, and as many threads
    sending through them; with a count of one, messages go from the caller's own thread."""

    def __init__(self, count: int | None = None) -> None:
        self.count = max(1, count or settings.HARBOR["DELIVERY_SENDERS"])
        self._idle: queue.SimpleQueue[Providers] = queue.SimpleQueue()
        self._opened: list[Providers] = []
        self._lock = threading.Lock()
        self._pool = (
            ThreadPoolExecutor(max_workers=self.count, thread_name_prefix="harbor-sender")
            if self.count > 1
            else None
        )

    def __enter__(self) -> "Senders":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, outgoing: list[Outgoing]) -> Iterator[tuple[Outgoing, str | Exception]]:
        """Hand each message over, up to ``count`` at once; as each is done, the message and
        the provider's answer or the sending error it met."""
        if self._pool is None or len(outgoing) == 1:
            for item in outgoing:
                yield item, self._send_one(item)
            return
        futures = {self._pool.submit(self._send_one, item): item for item in outgoing}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()  # the caller stopped: nothing more goes out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for providers in self._opened:
            providers.close()

    def _send_one(self, outgoing: Outgoing) -> str | Exception:
        providers = self._take()
        try:
            return providers.send(outgoing)
        except SENDING_ERRORS as error:
            return error
        finally:
            self._idle.put(providers)

    def _take(self) -> Providers:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            providers = Providers.open()
            with self._lock:
                self._opened.append(providers)
            return providers
