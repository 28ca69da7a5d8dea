"""Sending the outbox: once per row, retried with backoff, daily digests as users choose."""

import smtplib
import threading
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from coordination.celery import app as celery_app
from tasks.claims import CLAIM_LEASE, LEASE_RENEWAL, claim_batch, release_stale_claims
from tasks.delivery import (
    deliver_batch,
    deliver_due,
    deliver_one,
    message_id_for,
    retry_delay,
)
from tasks.models import Notification, NotificationSettings
from tasks.outbox import notify, queue_daily_digests
from tasks.safe_windows import notify_young_person
from tasks.sms import SmsPermanentError, SmsTransientError, send_sms
from tasks.tasks import deliver_notifications, send_daily_digests, send_notification_batch
from tests import factories as f
from tests.tasks.delivery_support import set_rule, sms_outbox, young_person_of

__all__ = ["sms_outbox"]  # a fixture, used by name

Status = Notification.Status
Channel = Notification.Channel
Reason = Notification.Reason
START = datetime(2026, 6, 10, 15, 0, tzinfo=timezone.get_fixed_timezone(0))


def _email_to(user, *, window: str = "2026-06-10", count: int = 3) -> Notification:
    rows = notify(recipient=user, reason=Reason.FOLLOW_UP_DUE, window=window, item_count=count)
    return next(row for row in rows if row.channel == Channel.EMAIL)


class FailingSms:
    """A provider that is down: every send is a transient error."""

    calls = 0

    def send(self, *, to: str, body: str) -> str:
        FailingSms.calls += 1
        raise SmsTransientError("provider unavailable")


class RefusingSms:
    def send(self, *, to: str, body: str) -> str:
        raise SmsPermanentError("not a mobile number")


class DisconnectedEmail(BaseEmailBackend):
    def send_messages(self, messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("connection lost")


@pytest.fixture
def eager_celery():
    """Tasks queued with .delay run at once, in this process."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = django_settings.CELERY_TASK_ALWAYS_EAGER


# Sending once


@pytest.mark.django_db
def test_a_due_email_is_sent_once_and_records_the_attempt(world):
    row = _email_to(world.advocate)

    assert deliver_due() == 1
    assert deliver_due() == 0

    row.refresh_from_db()
    assert [m.to for m in mail.outbox] == [[world.advocate.email]]
    assert mail.outbox[0].subject == "You have 3 follow-ups due in Harbor"
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert row.sent_at is not None and row.last_attempt_at is not None
    assert row.provider_result == f"email {row.message_id}"
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id


@pytest.mark.django_db
def test_a_batch_handed_back_after_its_lease_does_not_send_what_another_claim_holds(world):
    row = _email_to(world.advocate)
    first_claim = timezone.now()
    assert claim_batch(now=first_claim) == [row.pk]
    # The first worker died; after the lease a second sweep claims the row again.
    later = first_claim + CLAIM_LEASE + timedelta(seconds=1)
    assert release_stale_claims(now=later) == 1
    assert claim_batch(now=later) == [row.pk]

    # The broker hands the dead worker's batch back to someone: it must not send.
    assert send_notification_batch(ids=[row.pk], claimed_at=first_claim.isoformat()) == {
        "skipped": 1
    }
    assert send_notification_batch(ids=[row.pk], claimed_at=later.isoformat()) == {Status.SENT: 1}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_delivering_a_row_twice_sends_one_email(world):
    row = _email_to(world.advocate)
    (claimed,) = claim_batch(now=timezone.now())

    assert deliver_one(claimed) == Status.SENT
    assert deliver_one(claimed) == "skipped"
    assert len(mail.outbox) == 1
    assert claimed == row.pk


@pytest.mark.django_db
def test_a_rule_firing_twice_queues_one_email(world):
    _email_to(world.advocate)
    _email_to(world.advocate)

    deliver_due()

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_second_sweep_claims_nothing_already_claimed(world):
    _email_to(world.advocate)
    now = timezone.now()

    first, second = claim_batch(now=now), claim_batch(now=now)

    assert len(first) == 1 and second == []


@pytest.mark.django_db
def test_a_message_not_yet_due_waits(world):
    rows = notify(
        recipient=world.advocate,
        reason=Reason.ESCALATION,
        window="w",
        deliver_after=timezone.now() + timedelta(hours=1),
    )

    assert deliver_due() == 0
    assert deliver_due(now=timezone.now() + timedelta(hours=2)) == 1
    assert len(mail.outbox) == 1 and len(rows) == 2


@pytest.mark.django_db
def test_claims_of_a_dead_worker_are_released_after_the_lease(world):
    row = _email_to(world.advocate)
    claim_batch(now=timezone.now())  # the worker died before sending

    assert deliver_due() == 0
    assert deliver_due(now=timezone.now() + CLAIM_LEASE + timedelta(seconds=1)) == 1
    row.refresh_from_db()
    # The dead worker never reached the provider: one attempt, the one that sent.
    assert (row.status, row.attempts, len(mail.outbox)) == (Status.SENT, 1, 1)


@pytest.mark.django_db
def test_the_celery_sweep_hands_batches_to_tasks_after_commit(
    world, eager_celery, django_capture_on_commit_callbacks
):
    _email_to(world.advocate)
    _email_to(world.supervisor)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert deliver_notifications() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_notifications() == 0

    assert len(callbacks) == 1  # one task per batch
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.advocate.email, world.supervisor.email]
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_another_worker_holds_are_skipped_not_waited_for(world):
    held, free = _email_to(world.advocate), _email_to(world.supervisor)
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():
            Notification.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    locked.wait(10)
    try:
        claimed = claim_batch(now=timezone.now())
    finally:
        release.set()
        thread.join()

    assert claimed == [free.pk]


# Retries


@pytest.mark.django_db
def test_a_failing_sms_provider_is_retried_with_backoff_then_given_up(world, settings):
    settings.HARBOR_SMS_BACKEND = "tests.tasks.test_delivery.FailingSms"
    FailingSms.calls = 0
    set_rule(young_person_of(world), allowed_channels=["sms"])
    max_attempts = settings.HARBOR["DELIVERY_MAX_ATTEMPTS"]
    now = START
    with time_machine.travel(now, tick=False):
        notify_young_person(person=young_person_of(world), reason=Reason.PORTAL_NOTICE, window="w")
    row = Notification.objects.get(recipient=world.young_person, channel=Channel.SMS)

    delays = []
    for attempt in range(1, max_attempts + 1):
        with time_machine.travel(now, tick=False):
            deliver_due()
        row.refresh_from_db()
        assert row.attempts == attempt
        assert row.provider_result == "SmsTransientError"
        if attempt < max_attempts:
            assert row.status == Status.PENDING
            delays.append(row.deliver_after - now)
            # Not before its time: a sweep a second early sends nothing.
            with time_machine.travel(row.deliver_after - timedelta(seconds=1), tick=False):
                assert deliver_due() == 0
            now = row.deliver_after

    assert row.status == Status.FAILED
    assert FailingSms.calls == max_attempts
    for attempt, delay in enumerate(delays, start=1):
        step = timedelta(minutes=1) * 2 ** (attempt - 1)
        assert step / 2 <= delay <= step


def test_retry_delays_grow_and_are_jittered():
    delays = {retry_delay(3) for _ in range(20)}

    assert all(timedelta(minutes=2) <= d <= timedelta(minutes=4) for d in delays)
    assert len(delays) > 1
    assert retry_delay(50) <= timedelta(hours=6)


@pytest.mark.django_db
def test_a_provider_that_refuses_for_good_fails_at_once(world, settings):
    settings.HARBOR_SMS_BACKEND = "tests.tasks.test_delivery.RefusingSms"
    set_rule(young_person_of(world), allowed_channels=["sms"])
    notify_young_person(person=young_person_of(world), reason=Reason.PORTAL_NOTICE, window="w")

    deliver_due()

    row = Notification.objects.get(recipient=world.young_person, channel=Channel.SMS)
    assert (row.status, row.attempts, row.provider_result) == (
        Status.FAILED,
        1,
        "SmsPermanentError",
    )


@pytest.mark.django_db
def test_a_lost_mail_server_connection_is_retried_then_sent(world, settings, sms_outbox):
    settings.EMAIL_BACKEND = "tests.tasks.test_delivery.DisconnectedEmail"
    row = _email_to(world.advocate)

    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_due(now=row.deliver_after)
    row.refresh_from_db()
    assert (row.status, row.attempts, len(mail.outbox)) == (Status.SENT, 2, 1)


# Digests and the user's choice


def _mode(user, mode: str) -> None:
    NotificationSettings.objects.update_or_create(user=user, defaults={"email_mode": mode})


@pytest.mark.django_db
def test_daily_digest_users_get_no_immediate_email_and_one_digest_a_day(world):
    _mode(world.advocate, NotificationSettings.Mode.DAILY)
    with time_machine.travel(START, tick=False):
        notify(recipient=world.advocate, reason=Reason.FOLLOW_UP_DUE, window="a", item_count=3)
        notify(recipient=world.advocate, reason=Reason.ESCALATION, window="b")
        deliver_due()
        assert mail.outbox == []

        assert send_daily_digests() == 1
        assert queue_daily_digests() == 1  # the same day: the same digest
        deliver_due()

    assert [m.subject for m in mail.outbox] == ["You have 2 unread items in Harbor"]
    assert [m.to for m in mail.outbox] == [[world.advocate.email]]
    with time_machine.travel(START + timedelta(days=1), tick=False):
        queue_daily_digests()
        deliver_due()
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_digests_skip_other_modes_read_items_and_young_people(world):
    _mode(world.supervisor, NotificationSettings.Mode.OFF)
    _mode(world.other_advocate, NotificationSettings.Mode.DAILY)
    _mode(world.young_person, NotificationSettings.Mode.DAILY)
    for user in (world.advocate, world.supervisor, world.other_advocate, world.young_person):
        notify(recipient=user, reason=Reason.FOLLOW_UP_DUE, window="a", channels=(Channel.IN_APP,))
    Notification.objects.filter(recipient=world.other_advocate).update(read_at=timezone.now())

    assert queue_daily_digests() == 0
    assert not Notification.objects.filter(reason=Reason.DAILY_DIGEST).exists()


@pytest.mark.django_db
def test_an_email_queued_before_the_user_chose_the_digest_is_not_sent(world):
    row = _email_to(world.advocate)
    _mode(world.advocate, NotificationSettings.Mode.DAILY)

    deliver_due()

    row.refresh_from_db()
    assert row.status == Status.SUPPRESSED
    assert mail.outbox == []


@pytest.mark.django_db
def test_staff_who_turned_email_off_get_none(world):
    row = _email_to(world.advocate)
    _mode(world.advocate, NotificationSettings.Mode.OFF)

    deliver_due()

    row.refresh_from_db()
    assert (row.status, len(mail.outbox)) == (Status.SUPPRESSED, 0)


# Celery configuration (issue 4, "Celery design")


def test_workers_ack_late_requeue_on_loss_and_prefetch_one():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_delivery_tasks_retry_broker_errors_with_backoff_and_jitter():
    celery_app.loader.import_default_modules()
    for name in ("deliver_notifications", "send_notification_batch", "send_daily_digests"):
        task = celery_app.tasks[f"tasks.tasks.{name}"]
        assert task.acks_late and task.reject_on_worker_lost, name
        assert task.retry_backoff and task.retry_jitter and task.autoretry_for, name


def test_the_outbox_is_swept_every_minute_and_digests_daily(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    assert schedule["tasks.tasks.deliver_notifications"] == 60.0
    assert "tasks.tasks.send_daily_digests" in schedule


@pytest.mark.django_db
def test_staff_rows_are_claimed_in_a_batch_by_the_sweep(world):
    users = [f.UserFactory() for _ in range(5)]
    for user in users:
        _email_to(user)

    assert len(claim_batch(now=timezone.now(), limit=3)) == 3
    assert len(claim_batch(now=timezone.now(), limit=3)) == 2


# Duplicates only where a fault forces them, and foldable (issue 20, point 3)


def _fail_once_marking_sent(real):
    """``_mark_sent`` that loses the database connection once, as the rows are marked sent:
    the provider has accepted the messages, the rows do not know."""
    failed = []

    def mark_sent(accepted):
        if not failed:
            failed.append(accepted)
            raise OperationalError("server closed the connection unexpectedly")
        return real(accepted)

    return mark_sent


@pytest.mark.django_db
def test_a_fault_after_the_provider_accepted_resends_once_with_the_same_message_id(world):
    from tasks import delivery

    row = _email_to(world.advocate)
    claimed_at = timezone.now()
    assert claim_batch(now=claimed_at) == [row.pk]

    with mock.patch.object(
        delivery, "_mark_sent", side_effect=_fail_once_marking_sent(delivery._mark_sent)
    ):
        result = send_notification_batch.apply(args=[[row.pk], claimed_at.isoformat()])

    assert result.get() == {Status.SENT: 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    sent_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert sent_ids == [row.message_id, row.message_id]
    # Derived from the row and the installation, nothing about the person.
    assert row.message_id == message_id_for(row.pk)


@pytest.mark.django_db
def test_a_text_resent_after_a_dead_worker_carries_the_same_idempotency_key(world, sms_outbox):
    from tasks import delivery

    set_rule(young_person_of(world), allowed_channels=["sms"])
    notify_young_person(person=young_person_of(world), reason=Reason.PORTAL_NOTICE, window="w")
    row = Notification.objects.get(recipient=world.young_person, channel=Channel.SMS)
    claimed_at = timezone.now()
    claim_batch(now=claimed_at)

    # The provider accepts; the worker dies before the row is marked sent.
    with (
        mock.patch.object(
            delivery, "_mark_sent", side_effect=_fail_once_marking_sent(delivery._mark_sent)
        ),
        pytest.raises(OperationalError),
    ):
        delivery.deliver_batch([row.pk], claimed_at=claimed_at)
    assert deliver_due(now=claimed_at + CLAIM_LEASE + timedelta(seconds=1)) == 1

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert [text["idempotency_key"] for text in sms_outbox] == [row.message_id] * 2


@pytest.mark.django_db
def test_message_ids_differ_between_rows_and_hold_across_sends(world):
    first, second = _email_to(world.advocate), _email_to(world.supervisor)

    assert message_id_for(first.pk) == message_id_for(first.pk)
    assert message_id_for(first.pk) != message_id_for(second.pk)


def test_a_backend_without_an_idempotency_key_still_sends(settings):
    settings.HARBOR_SMS_BACKEND = "tests.tasks.test_delivery.KeylessSms"
    KeylessSms.sent.clear()

    assert send_sms(to="+15550100000", body="Hi", idempotency_key="<k@h>") == "keyless"
    assert KeylessSms.sent == ["Hi"]


class KeylessSms:
    sent: list[str] = []

    def send(self, *, to: str, body: str) -> str:
        KeylessSms.sent.append(body)
        return "keyless"


# Throughput: batches from settings, one connection each, claiming while there is work


class CountingEmail(BaseEmailBackend):
    """Counts connections opened and messages sent through them."""

    opened = 0
    sent = 0

    def open(self) -> bool:
        CountingEmail.opened += 1
        return True

    def send_messages(self, messages: Any) -> int:
        CountingEmail.sent += len(messages)
        return len(messages)


@pytest.fixture
def counting_email(settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_delivery.CountingEmail"
    CountingEmail.opened = CountingEmail.sent = 0
    return CountingEmail


@pytest.fixture
def delivery_settings(settings):
    settings.HARBOR = {
        **settings.HARBOR,
        "DELIVERY_BATCH_SIZE": 2,
        "DELIVERY_CONCURRENCY": 2,
        "DELIVERY_SECONDS": 30,
    }
    return settings.HARBOR


def _emails(world, count: int) -> list[Notification]:
    return [_email_to(world.advocate, window=f"w{n}") for n in range(count)]


@pytest.mark.django_db
def test_a_delivery_task_with_one_sender_sends_every_batch_through_one_connection(
    world, counting_email, delivery_settings
):
    delivery_settings["DELIVERY_SENDERS"] = 1
    _emails(world, 5)

    assert send_notification_batch(ids=[]) == {Status.SENT: 5}  # three batches

    assert (counting_email.opened, counting_email.sent) == (1, 5)


class ThreeAtOnceEmail(CountingEmail):
    """A provider that answers only when three messages are with it at the same time."""

    together = threading.Barrier(3, timeout=10)

    def send_messages(self, messages: Any) -> int:
        ThreeAtOnceEmail.together.wait()
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_batch_hands_as_many_messages_at_once_as_there_are_senders(world, settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_delivery.ThreeAtOnceEmail"
    settings.HARBOR = {**settings.HARBOR, "DELIVERY_SENDERS": 3}
    CountingEmail.opened = CountingEmail.sent = 0
    ThreeAtOnceEmail.together.reset()
    _emails(world, 6)

    assert deliver_due(batch_size=6) == 6

    # Two rounds of three, each message on its own connection, the three reused.
    assert (CountingEmail.opened, CountingEmail.sent) == (3, 6)
    assert set(Notification.objects.filter(channel=Channel.EMAIL).values_list("status")) == {
        (Status.SENT,)
    }


class AttemptsSeenByTheProvider(BaseEmailBackend):
    """Reads the batch's rows as the provider gets the first message (from the caller's
    thread: one sender)."""

    seen: list[tuple[int, str]] = []

    def send_messages(self, messages: Any) -> int:
        if not AttemptsSeenByTheProvider.seen:
            rows = Notification.objects.filter(channel=Channel.EMAIL).order_by("pk")
            AttemptsSeenByTheProvider.seen = list(rows.values_list("attempts", "message_id"))
        return len(messages)


@pytest.mark.django_db
def test_every_attempt_of_a_batch_is_recorded_before_its_first_message_goes(world, settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_delivery.AttemptsSeenByTheProvider"
    settings.HARBOR = {**settings.HARBOR, "DELIVERY_SENDERS": 1}
    AttemptsSeenByTheProvider.seen = []
    rows = _emails(world, 3)

    assert deliver_due(batch_size=3) == 3

    assert AttemptsSeenByTheProvider.seen == [(1, message_id_for(row.pk)) for row in rows]


@pytest.mark.parametrize(("rows", "queries"), [(10, 6), (20, 8)])
@pytest.mark.django_db
def test_a_batch_costs_four_queries_and_one_per_round_of_senders(
    world, settings, django_assert_num_queries, rows, queries
):
    settings.HARBOR = {**settings.HARBOR, "DELIVERY_SENDERS": 5}
    users = [f.UserFactory() for _ in range(rows)]
    for user in users:
        _email_to(user)
    claimed_at = timezone.now()
    ids = claim_batch(now=claimed_at, limit=rows)

    # The rows, the young people among the recipients, the staff's e-mail choices; the
    # attempts; then one update per five messages accepted.
    with django_assert_num_queries(queries):
        assert deliver_batch(ids, claimed_at=claimed_at) == {Status.SENT: rows}


@pytest.mark.django_db
def test_the_sweep_starts_as_many_delivery_tasks_as_settings_allow(
    world, delivery_settings, django_capture_on_commit_callbacks
):
    _emails(world, 6)

    with django_capture_on_commit_callbacks() as started:
        assert deliver_notifications() == 4  # two tasks, a batch of two each
    with django_capture_on_commit_callbacks() as more:
        assert deliver_notifications() == 0  # both still hold their claims

    assert (len(started), len(more)) == (2, 0)


@pytest.mark.django_db
def test_a_delivery_task_keeps_claiming_while_there_is_work(world, delivery_settings):
    _emails(world, 5)

    assert send_notification_batch(ids=[]) == {Status.SENT: 5}
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_a_delivery_task_out_of_time_hands_over_to_a_fresh_task(
    world, delivery_settings, django_capture_on_commit_callbacks
):
    delivery_settings["DELIVERY_SECONDS"] = 0
    _emails(world, 3)
    claimed_at = timezone.now()
    first = claim_batch(now=claimed_at)

    with django_capture_on_commit_callbacks() as handed_over:
        assert send_notification_batch(ids=first, claimed_at=claimed_at.isoformat()) == {
            Status.SENT: 2
        }

    assert len(handed_over) == 1


# Recovery: a short lease the live worker renews


class SweepWhileSending(BaseEmailBackend):
    """While the first message is with the provider, a sweep runs just past the lease of the
    batch's original claim; records how many claims it freed."""

    claimed_at: datetime
    freed: list[int] = []

    def send_messages(self, messages: Any) -> int:
        later = SweepWhileSending.claimed_at + CLAIM_LEASE + timedelta(seconds=1)
        SweepWhileSending.freed.append(release_stale_claims(now=later))
        return len(messages)


@pytest.mark.django_db
def test_a_live_worker_renews_its_claim_so_a_slow_batch_keeps_its_rows(world, settings):
    settings.EMAIL_BACKEND = "tests.tasks.test_delivery.SweepWhileSending"
    # One message at a time, from this thread: the provider here runs the sweep on the
    # test's own database connection, and the claim is renewed before each message.
    settings.HARBOR = {**settings.HARBOR, "DELIVERY_SENDERS": 1}
    rows = _emails(world, 2)
    # Claimed 40 s ago: the provider was slow, and the lease (45 s) nearly ran out.
    assert claim_batch(now=timezone.now()) == [row.pk for row in rows]
    claimed_at = timezone.now() - timedelta(seconds=40)
    Notification.objects.update(last_attempt_at=claimed_at)
    SweepWhileSending.claimed_at, SweepWhileSending.freed = claimed_at, []

    assert deliver_batch([row.pk for row in rows], claimed_at=claimed_at) == {Status.SENT: 2}
    assert SweepWhileSending.freed == [0, 0]


def test_a_dead_workers_rows_are_free_within_two_minutes_and_the_broker_waits_longer(settings):
    from tasks.tasks import RETRY_BACKOFF_MAX

    beat = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    sweep_interval = timedelta(seconds=beat["tasks.tasks.deliver_notifications"])
    assert CLAIM_LEASE + sweep_interval <= timedelta(minutes=2)
    assert LEASE_RENEWAL * 2 < CLAIM_LEASE
    assert settings.HARBOR["DELIVERY_SECONDS"] < settings.CELERY_TASK_SOFT_TIME_LIMIT
    if "visibility_timeout" in settings.CELERY_BROKER_TRANSPORT_OPTIONS:
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert visibility > settings.CELERY_TASK_TIME_LIMIT
        assert visibility > RETRY_BACKOFF_MAX
