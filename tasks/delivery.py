"""Sending the outbox: e-mails and texts leave here, at most one worker per row at a time.

The sweep reads rows waiting to go (``pending`` or ``held`` with ``deliver_after`` past; the
partial index ``notif_waiting``), claims a batch with ``select_for_update(skip_locked=True)``
and a conditional update to ``claimed``, then sends each claimed row once. A row is only ever
moved from the state this code last saw, so a second worker, a repeated task or a repeated
sweep finds nothing to do: ``sent`` is final.

A claim is a lease: a worker sending a batch renews it (``last_attempt_at``) every
``LEASE_RENEWAL`` while it works, so a slow provider never loses a live worker its rows, and a
worker that dies mid-batch leaves rows ``claimed`` that the next delivery sweep (every minute)
puts back to ``pending`` once ``CLAIM_LEASE`` has passed: sent again within two minutes. The
task that held them is acked late and requeued by the broker (Redis: after its
``visibility_timeout``, settings); it then finds its rows claimed at another time and skips them.

Throughput: a delivery task sends its batch over one provider connection, then keeps claiming
and sending while there is work, for up to ``HARBOR["DELIVERY_SECONDS"]`` (below the task's
soft time limit); with work left it hands over to a fresh task. The sweep keeps
``HARBOR["DELIVERY_CONCURRENCY"]`` such tasks going, batches of ``HARBOR["DELIVERY_BATCH_SIZE"]``.
Claims and their lease live in tasks/claims.py.

Before each hand-over to the provider the row records the attempt: ``attempts`` goes up and
``message_id`` is set, derived from the row's id and the installation's secret (no personal
data). A fault between the provider accepting a message and the row being marked ``sent`` (a
killed worker, a lost database connection) means one resend, a lost message being worse; the
resend carries the same Message-ID, and SMS backends that take one get it as their
idempotency key, so the provider or the reader's mail client can fold the two.

Transient failures go back to ``pending`` with exponential backoff and jitter, up to
``HARBOR["DELIVERY_MAX_ATTEMPTS"]`` tries, then ``failed``. Logs name rows by id, never an
address.
"""

import logging
import random
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Count, F, Q
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from accounts.models import User
from cases.models import Person
from tasks.claims import LEASE_RENEWAL, WAITING, claim_batch, release_stale_claims, renew_claim
from tasks.messages import Message, render
from tasks.models import Notification, NotificationSettings
from tasks.outbox import email_modes_of, notify
from tasks.safe_windows import route_for_young_person
from tasks.sms import SmsBackend, SmsPermanentError, SmsTransientError, get_sms_backend, send_sms

logger = logging.getLogger(__name__)

Status = Notification.Status
Channel = Notification.Channel
Reason = Notification.Reason
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
DIGEST_REASONS = (Reason.DAILY_DIGEST, Reason.WEEKLY_DIGEST)
# Errors that will not go away by trying again: a refused recipient, a number that is not one.
PERMANENT_ERRORS = (SmsPermanentError, smtplib.SMTPRecipientsRefused)
TRANSIENT_ERRORS = (SmsTransientError, smtplib.SMTPException, OSError)
_jitter = random.SystemRandom()


class MissingAddress(Exception):
    """The recipient has no address on this channel."""


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: half the step fixed, half random."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 minutes is long past the cap
    step = min(RETRY_CAP, RETRY_BASE * 2**doublings)
    return step / 2 + step * _jitter.uniform(0, 0.5)


def _finish(pk: int, **changes: object) -> bool:
    """Move a row this worker claimed; False when it was no longer ours."""
    return bool(Notification.objects.filter(pk=pk, status=Status.CLAIMED).update(**changes))


def message_id_for(pk: int) -> str:
    """The row's Message-ID, the same on every send: a keyed hash of its id (so ids are not
    guessable from outside) at the installation's domain."""
    domain = urlsplit(settings.HARBOR["SITE_URL"]).hostname or "harbor.invalid"
    digest = salted_hmac("tasks.delivery.message_id", str(pk), algorithm="sha256").hexdigest()
    return f"<{digest[:32]}@{domain}>"


def _record_attempt(row: Notification, claimed_at: datetime | None) -> bool:
    """Count the hand-over and fix the Message-ID, committed before the provider is called;
    False when the row is no longer held by this claim."""
    row.message_id = row.message_id or message_id_for(row.pk)
    ours = Notification.objects.filter(pk=row.pk, status=Status.CLAIMED)
    if claimed_at is not None:
        ours = ours.filter(last_attempt_at=claimed_at)
    if not ours.update(attempts=F("attempts") + 1, message_id=row.message_id):
        return False
    row.attempts += 1
    if row.attempts > 1:
        logger.info("Notification %s: attempt %s, same Message-ID", row.pk, row.attempts)
    return True


@dataclass
class Providers:
    """The connections one batch sends through: one e-mail connection (SMTP keeps it open
    between messages) and one SMS backend."""

    email: BaseEmailBackend
    sms: SmsBackend

    @classmethod
    def open(cls) -> "Providers":
        email = get_connection()
        try:
            email.open()
        except TRANSIENT_ERRORS as error:
            # Each message then tries on its own and meets the error in its own row.
            logger.warning("E-mail connection not opened (%s)", _name(error))
        return cls(email=email, sms=get_sms_backend())

    def close(self) -> None:
        self.email.close()


def _send(row: Notification, address: str, message: Message, providers: Providers) -> str:
    if row.channel == Channel.EMAIL:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[address],
            headers={"Message-ID": row.message_id},
            connection=providers.email,
        ).send()
        return f"email {row.message_id}"
    if row.channel == Channel.SMS:
        sent = send_sms(
            to=address, body=message.body, idempotency_key=row.message_id, backend=providers.sms
        )
        return f"sms {sent}"
    raise MissingAddress(row.channel)


def _staff_address(row: Notification, mode: str) -> str | None:
    """The staff member's e-mail, or None when their choice of e-mail mode holds this back."""
    if row.channel != Channel.EMAIL:
        raise MissingAddress(row.channel)  # Harbor has no phone numbers for staff
    if mode == NotificationSettings.Mode.OFF:
        return None
    if mode == NotificationSettings.Mode.DAILY and row.reason not in DIGEST_REASONS:
        return None  # the daily digest counts it instead
    return row.recipient.email


def deliver_one(
    pk: int,
    *,
    now: datetime | None = None,
    claimed_at: datetime | None = None,
    providers: Providers | None = None,
) -> str:
    """Send one claimed row; its new status (or ``skipped`` when it is not claimed).

    With ``claimed_at``, only the claim made then: a batch the broker hands back after the
    lease ran out and another worker claimed the row again finds it claimed at another time.
    """
    batch = Batch.load([pk], claimed_at=claimed_at)
    if not batch.rows:
        return "skipped"
    providers = providers or Providers(email=get_connection(), sms=get_sms_backend())
    return batch.deliver(batch.rows[0], now=now, claimed_at=claimed_at, providers=providers)


@dataclass
class Batch:
    """The rows of a batch still held by its claim, with what sending them needs, read in
    three queries for the whole batch: the rows and recipients, the young people among them,
    and the staff's e-mail choices."""

    rows: list[Notification]
    people: dict[int, Person]
    modes: dict[int, str]

    @classmethod
    def load(cls, ids: list[int], *, claimed_at: datetime | None) -> "Batch":
        held = Notification.objects.select_related("recipient").filter(
            pk__in=ids, status=Status.CLAIMED
        )
        if claimed_at is not None:
            held = held.filter(last_attempt_at=claimed_at)
        by_pk = held.in_bulk()
        rows = [by_pk[pk] for pk in ids if pk in by_pk]
        recipients = {row.recipient_id for row in rows}
        people = {p.user_id: p for p in Person.objects.filter(user_id__in=recipients)}
        modes = email_modes_of(recipients - set(people)) if recipients - set(people) else {}
        return cls(rows=rows, people=people, modes=modes)

    def deliver(
        self,
        row: Notification,
        *,
        now: datetime | None,
        claimed_at: datetime | None,
        providers: Providers,
    ) -> str:
        """Send one row of the batch; its new status, or ``skipped``."""
        return _deliver(
            row,
            person=self.people.get(row.recipient_id),
            mode=self.modes.get(row.recipient_id, NotificationSettings.Mode.IMMEDIATE),
            now=now or timezone.now(),
            claimed_at=claimed_at,
            providers=providers,
        )


def _deliver(
    row: Notification,
    *,
    person: Person | None,
    mode: str,
    now: datetime,
    claimed_at: datetime | None,
    providers: Providers,
) -> str:
    pk = row.pk
    try:
        if person is not None:
            route = route_for_young_person(person=person, channel=row.channel, now=now)
            if route.suppress:
                _finish(pk, status=Status.SUPPRESSED)
                return Status.SUPPRESSED
            if route.hold_until is not None:
                _finish(pk, status=Status.HELD, deliver_after=route.hold_until)
                return Status.HELD
            address = route.address
        else:
            address = _staff_address(row, mode)
            if address is None:
                _finish(pk, status=Status.SUPPRESSED)
                return Status.SUPPRESSED
        if not address:
            raise MissingAddress(row.channel)
        # In the recipient's own language, whatever the worker's thread last used.
        with translation.override(row.recipient.preferred_language or settings.LANGUAGE_CODE):
            message = render(
                reason=row.reason, item_count=row.item_count, to_young_person=person is not None
            )
        if not _record_attempt(row, claimed_at):
            return "skipped"
        result = _send(row, address, message, providers)
    except (MissingAddress, *PERMANENT_ERRORS) as error:
        logger.warning("Notification %s: %s not sendable (%s)", pk, row.channel, _name(error))
        _finish(pk, status=Status.FAILED, provider_result=_name(error))
        return Status.FAILED
    except TRANSIENT_ERRORS as error:
        return _after_transient_error(row, error, now=now)
    _finish(pk, status=Status.SENT, sent_at=timezone.now(), provider_result=result[:200])
    logger.info("Notification %s: sent by %s", pk, row.channel)
    return Status.SENT


def _name(error: BaseException) -> str:
    # The class name only: provider messages may quote the address.
    return type(error).__name__


def _after_transient_error(row: Notification, error: BaseException, *, now: datetime) -> str:
    if row.attempts >= settings.HARBOR["DELIVERY_MAX_ATTEMPTS"]:
        status, deliver_after = Status.FAILED, row.deliver_after
    else:
        status, deliver_after = Status.PENDING, now + retry_delay(row.attempts)
    logger.warning(
        "Notification %s: %s attempt %s failed (%s); now %s",
        row.pk,
        row.channel,
        row.attempts,
        _name(error),
        status,
    )
    _finish(row.pk, status=status, deliver_after=deliver_after, provider_result=_name(error))
    return status


def deliver_batch(
    ids: list[int], *, claimed_at: datetime | None = None, outcomes: dict[str, int] | None = None
) -> dict[str, int]:
    """Send each row of a batch still held by the claim made at ``claimed_at``, over one
    provider connection, renewing the claim as it goes; the counts by outcome."""
    outcomes = {} if outcomes is None else outcomes
    batch = Batch.load(ids, claimed_at=claimed_at)
    outcomes["skipped"] = len(ids) - len(batch.rows)
    if not outcomes["skipped"]:
        del outcomes["skipped"]
    if not batch.rows:
        return outcomes
    providers = Providers.open()
    try:
        for index, row in enumerate(batch.rows):
            if claimed_at is not None and timezone.now() - claimed_at > LEASE_RENEWAL:
                pending = [r.pk for r in batch.rows[index:]]
                claimed_at = renew_claim(pending, claimed_at=claimed_at)
            outcome = str(batch.deliver(row, now=None, claimed_at=claimed_at, providers=providers))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        providers.close()
    return outcomes


def keep_delivering(*, until: float, outcomes: dict[str, int]) -> bool:
    """Claim and send batch after batch until nothing is due or ``time.monotonic()`` passes
    ``until``; True when work is left. ``outcomes`` gathers the counts."""
    while time.monotonic() < until:
        claimed_at = timezone.now()
        ids = claim_batch(now=claimed_at)
        if not ids:
            return False
        deliver_batch(ids, claimed_at=claimed_at, outcomes=outcomes)
    return Notification.objects.filter(status__in=WAITING, deliver_after__lte=Now()).exists()


def deliver_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Claim and send everything due, in this process; the number of rows claimed.

    The Celery sweep (tasks.tasks.deliver_notifications) claims the same way but hands each
    batch to a task; this is for the shell and tests.
    """
    now = now or timezone.now()
    release_stale_claims(now=now)
    claimed = 0
    while ids := claim_batch(now=now, limit=batch_size):
        claimed += len(ids)
        deliver_batch(ids, claimed_at=now)
    return claimed


def queue_daily_digests(*, now: datetime | None = None) -> int:
    """One e-mail a day to each staff member on the daily digest with unread inbox items: the
    count only. Idempotent per user and day; the number of digests queued."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    unread = Count(
        "notifications",
        filter=Q(notifications__channel=Channel.IN_APP, notifications__read_at__isnull=True),
    )
    readers = (
        User.objects.filter(
            notification_settings__email_mode=NotificationSettings.Mode.DAILY,
            is_active=True,
            person__isnull=True,  # young people hear from Harbor through safe contact only
        )
        .annotate(unread=unread)
        .filter(unread__gt=0)
    )
    for user in readers:
        notify(
            recipient=user,
            reason=Reason.DAILY_DIGEST,
            window=day,
            item_count=user.unread,
            channels=(Channel.EMAIL,),
            deliver_after=now,
        )
    return len(readers)
