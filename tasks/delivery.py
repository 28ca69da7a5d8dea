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

Throughput: a delivery task hands ``HARBOR["DELIVERY_SENDERS"]`` messages to the provider at
once, one connection per sender, kept for the whole task (tasks/senders.py). Per batch the
database sees one update counting every attempt before the first message goes, and one
update per ``DELIVERY_SENDERS`` accepted messages, written while the next ones are with the
provider. The task keeps claiming and sending while there is work, for up to
``HARBOR["DELIVERY_SECONDS"]`` (below the task's soft time limit); with work left it hands
over to a fresh task. The sweep keeps ``HARBOR["DELIVERY_CONCURRENCY"]`` such tasks going,
batches of ``HARBOR["DELIVERY_BATCH_SIZE"]``. Claims and their lease live in tasks/claims.py.

Before each hand-over to the provider the row records the attempt: ``attempts`` goes up and
``message_id`` is set, derived from the row's id and the installation's secret (no personal
data). A fault between the provider accepting a message and the row being marked ``sent`` (a
killed worker, a lost database connection) means a resend of the messages accepted and not
yet recorded (at most about two ``DELIVERY_SENDERS``' worth), a lost message being worse;
rows counted but not yet handed over when a worker dies show one attempt more than the
provider saw. The resend carries the same Message-ID, and SMS backends that take
one get it as their idempotency key, so the provider or the reader's mail client can fold
the two.

Transient failures go back to ``pending`` with exponential backoff and jitter, up to
``HARBOR["DELIVERY_MAX_ATTEMPTS"]`` tries, then ``failed``. Logs name rows by id, never an
address.
"""

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from cases.models import Person
from tasks.claims import LEASE_RENEWAL, WAITING, claim_batch, release_stale_claims, renew_claim
from tasks.messages import Message, render
from tasks.models import Notification, NotificationSettings
from tasks.outbox import email_modes_of
from tasks.safe_windows import route_for_young_person
from tasks.senders import (
    PERMANENT_ERRORS,
    MissingAddress,
    Outgoing,
    Senders,
    error_name,
)

logger = logging.getLogger(__name__)

Status = Notification.Status
Channel = Notification.Channel
Reason = Notification.Reason
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
DIGEST_REASONS = (Reason.DAILY_DIGEST, Reason.WEEKLY_DIGEST)
_jitter = random.SystemRandom()


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: half the step fixed, half random."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 minutes is long past the cap
    step = min(RETRY_CAP, RETRY_BASE * 2**doublings)
    return step / 2 + step * _jitter.uniform(0, 0.5)


def _finish(pk: int, **changes: object) -> bool:
    """Move a row this worker claimed; False when it was no longer ours."""
    return bool(Notification.objects.filter(pk=pk, status=Status.CLAIMED).update(**changes))


def _each(values: dict[int, str]) -> RawSQL:
    """A column's value per row, for one UPDATE of many rows: ``CASE id WHEN ... END``, as
    text with its parameters (the ORM's Case and When cost a worker more CPU than the rest of
    sending a message)."""
    pk = connection.ops.quote_name(Notification._meta.pk.column)
    whens = " ".join(["WHEN %s THEN %s"] * len(values))
    params = [each for pair in values.items() for each in pair]
    # Only placeholders and a quoted column name are written into the text; values are params.
    return RawSQL(f"CASE {pk} {whens} END", params, output_field=models.CharField())  # noqa: S611


def _mark_sent(accepted: dict[int, str]) -> list[str]:
    """Record what the provider accepted, in one update; ``sent`` for each row."""
    if not accepted:
        return []
    Notification.objects.filter(pk__in=accepted, status=Status.CLAIMED).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_result=_each({pk: result[:200] for pk, result in accepted.items()}),
    )
    logger.info("Notifications %s: sent", ", ".join(map(str, accepted)))
    return [Status.SENT] * len(accepted)


def _renewed(ids: list[int], claimed_at: datetime | None) -> datetime | None:
    """The claim a batch is held by from now: renewed when ``LEASE_RENEWAL`` has passed."""
    if claimed_at is None or timezone.now() - claimed_at <= LEASE_RENEWAL:
        return claimed_at
    return renew_claim(ids, claimed_at=claimed_at)


def message_id_for(pk: int) -> str:
    """The row's Message-ID, the same on every send: a keyed hash of its id (so ids are not
    guessable from outside) at the installation's domain."""
    domain = urlsplit(settings.HARBOR["SITE_URL"]).hostname or "harbor.invalid"
    digest = salted_hmac("tasks.delivery.message_id", str(pk), algorithm="sha256").hexdigest()
    return f"<{digest[:32]}@{domain}>"


def _record_attempts(rows: list[Notification], claimed_at: datetime | None) -> list[Notification]:
    """Count the hand-over of each row and fix its Message-ID, in one update committed before
    the provider is called; the rows still held by this claim."""
    if not rows:
        return []
    ours = Notification.objects.filter(pk__in=[row.pk for row in rows], status=Status.CLAIMED)
    if claimed_at is not None:
        ours = ours.filter(last_attempt_at=claimed_at)
    counted = ours.update(
        attempts=F("attempts") + 1,
        message_id=_each({row.pk: row.message_id for row in rows}),
    )
    if counted < len(rows):
        # Some rows were freed or claimed again meanwhile (this worker stalled past its
        # lease); those still carrying this claim are the ones just counted.
        held = set(ours.values_list("pk", flat=True))
        rows = [row for row in rows if row.pk in held]
    for row in rows:
        row.attempts += 1
        if row.attempts > 1:
            logger.info("Notification %s: attempt %s, same Message-ID", row.pk, row.attempts)
    return rows


def _staff_address(row: Notification, mode: str) -> str | None:
    """The staff member's e-mail, or None when their choice of e-mail mode holds this back."""
    if row.channel != Channel.EMAIL:
        raise MissingAddress(row.channel)  # Harbor has no phone numbers for staff
    if mode == NotificationSettings.Mode.OFF:
        return None
    if mode == NotificationSettings.Mode.DAILY and row.reason not in DIGEST_REASONS:
        return None  # the daily digest counts it instead
    return row.recipient.email


def deliver_one(pk: int, *, now: datetime | None = None, claimed_at: datetime | None = None) -> str:
    """Send one claimed row; its new status (or ``skipped`` when it is not claimed).

    With ``claimed_at``, only the claim made then: a batch the broker hands back after the
    lease ran out and another worker claimed the row again finds it claimed at another time.
    """
    batch = Batch.load([pk], claimed_at=claimed_at)
    if not batch.rows:
        return "skipped"
    with Senders(1) as senders:
        (outcome,) = batch.deliver(
            now=now or timezone.now(), claimed_at=claimed_at, senders=senders
        )
    return outcome


@dataclass
class Batch:
    """The rows of a batch still held by its claim, with what sending them needs, read in
    three queries for the whole batch: the rows and recipients, the young people among them,
    and the staff's e-mail choices."""

    rows: list[Notification]
    people: dict[int, Person]
    modes: dict[int, str]
    # Messages carry no personal data (R30), so rows alike in these share one rendering.
    rendered: dict[tuple[str, str, int, bool], Message] = field(default_factory=dict)

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

    def deliver(self, *, now: datetime, claimed_at: datetime | None, senders: Senders) -> list[str]:
        """Send the batch: decide each row's route, record every attempt in one update, hand
        the messages to the senders, ``senders.count`` at once, and record what they accept
        in one update per ``senders.count`` messages, renewing the claim as it goes; each
        row's new status, or ``skipped``."""
        outcomes: list[str] = []
        ready: list[Notification] = []
        outgoing: list[Outgoing] = []
        for row in self.rows:
            try:
                prepared = self._prepare(row, now=now)
            except MissingAddress as error:
                outcomes.append(_after_error(row, error, now=now))
                continue
            if isinstance(prepared, Outgoing):
                ready.append(row)
                outgoing.append(prepared)
            else:
                outcomes.append(prepared)
        held = {row.pk: row for row in _record_attempts(ready, claimed_at)}
        outcomes += ["skipped"] * (len(ready) - len(held))
        accepted: dict[int, str] = {}
        for item, answer in senders.send([item for item in outgoing if item.pk in held]):
            if isinstance(answer, Exception):
                outcomes.append(_after_error(held[item.pk], answer, now=now))
                continue
            accepted[item.pk] = answer
            if len(accepted) >= senders.count:
                outcomes += _mark_sent(accepted)
                accepted = {}
            claimed_at = _renewed(list(held), claimed_at)
        return outcomes + _mark_sent(accepted)

    def _prepare(self, row: Notification, *, now: datetime) -> Outgoing | str:
        """The message for one row, or the status it ends in unsent (suppressed, held)."""
        person = self.people.get(row.recipient_id)
        if person is not None:
            route = route_for_young_person(person=person, channel=row.channel, now=now)
            if route.suppress:
                _finish(row.pk, status=Status.SUPPRESSED)
                return Status.SUPPRESSED
            if route.hold_until is not None:
                _finish(row.pk, status=Status.HELD, deliver_after=route.hold_until)
                return Status.HELD
            address = route.address
        else:
            mode = self.modes.get(row.recipient_id, NotificationSettings.Mode.IMMEDIATE)
            address = _staff_address(row, mode)
            if address is None:
                _finish(row.pk, status=Status.SUPPRESSED)
                return Status.SUPPRESSED
        if not address:
            raise MissingAddress(row.channel)
        message = self._message(row, to_young_person=person is not None)
        # Recorded with the attempt, before the provider sees it (_record_attempts).
        row.message_id = row.message_id or message_id_for(row.pk)
        return Outgoing(
            pk=row.pk,
            channel=row.channel,
            address=address,
            message=message,
            message_id=row.message_id,
        )

    def _message(self, row: Notification, *, to_young_person: bool) -> Message:
        language = row.recipient.preferred_language or settings.LANGUAGE_CODE
        key = (language, row.reason, row.item_count, to_young_person)
        if key not in self.rendered:
            # In the recipient's own language, whatever the worker's thread last used.
            with translation.override(language):
                self.rendered[key] = render(
                    reason=row.reason, item_count=row.item_count, to_young_person=to_young_person
                )
        return self.rendered[key]


def _after_error(row: Notification, error: Exception, *, now: datetime) -> str:
    """A row whose hand-over failed: given up at once for an error that will not go away,
    otherwise back to ``pending`` with backoff until its tries run out."""
    permanent = isinstance(error, (MissingAddress, *PERMANENT_ERRORS))
    if permanent:
        logger.warning(
            "Notification %s: %s not sendable (%s)", row.pk, row.channel, error_name(error)
        )
        _finish(row.pk, status=Status.FAILED, provider_result=error_name(error))
        return Status.FAILED
    if row.attempts >= settings.HARBOR["DELIVERY_MAX_ATTEMPTS"]:
        status, deliver_after = Status.FAILED, row.deliver_after
    else:
        status, deliver_after = Status.PENDING, now + retry_delay(row.attempts)
    logger.warning(
        "Notification %s: %s attempt %s failed (%s); now %s",
        row.pk,
        row.channel,
        row.attempts,
        error_name(error),
        status,
    )
    _finish(row.pk, status=status, deliver_after=deliver_after, provider_result=error_name(error))
    return status


@contextmanager
def _senders(senders: Senders | None) -> Iterator[Senders]:
    """The caller's senders, or a set of this call's own, closed after it."""
    if senders is not None:
        yield senders
        return
    with Senders() as own:
        yield own


def deliver_batch(
    ids: list[int],
    *,
    claimed_at: datetime | None = None,
    outcomes: dict[str, int] | None = None,
    senders: Senders | None = None,
) -> dict[str, int]:
    """Send each row of a batch still held by the claim made at ``claimed_at``, as many at once
    as there are senders, renewing the claim as it goes; the counts by outcome."""
    outcomes = {} if outcomes is None else outcomes
    batch = Batch.load(ids, claimed_at=claimed_at)
    outcomes["skipped"] = len(ids) - len(batch.rows)
    if not outcomes["skipped"]:
        del outcomes["skipped"]
    if not batch.rows:
        return outcomes
    with _senders(senders) as senders:
        claimed_at = _renewed(ids, claimed_at)
        for outcome in batch.deliver(now=timezone.now(), claimed_at=claimed_at, senders=senders):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def keep_delivering(*, until: float, outcomes: dict[str, int], senders: Senders) -> bool:
    """Claim and send batch after batch until nothing is due or ``time.monotonic()`` passes
    ``until``; True when work is left. ``outcomes`` gathers the counts."""
    while time.monotonic() < until:
        claimed_at = timezone.now()
        ids = claim_batch(now=claimed_at)
        if not ids:
            return False
        deliver_batch(ids, claimed_at=claimed_at, outcomes=outcomes, senders=senders)
    return Notification.objects.filter(status__in=WAITING, deliver_after__lte=Now()).exists()


def deliver_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Claim and send everything due, in this process; the number of rows claimed.

    The Celery sweep (tasks.tasks.deliver_notifications) claims the same way but hands each
    batch to a task; this is for the shell and tests.
    """
    now = now or timezone.now()
    release_stale_claims(now=now)
    claimed = 0
    with Senders() as senders:
        while ids := claim_batch(now=now, limit=batch_size):
            claimed += len(ids)
            deliver_batch(ids, claimed_at=now, senders=senders)
    return claimed
