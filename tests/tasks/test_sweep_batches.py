"""The overdue arm of the sweep in batches (issue 8): one locking query per batch, escalation
and notification for the whole batch at once, the same outcome as the rule row by row."""

import logging
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from providers.models import Membership
from tasks import rules, sweep
from tasks.models import FollowUp, Notification, NotificationSettings
from tasks.outbox import Message, notify_many
from tasks.sweep import Bounds, SweepReport, _sweep_overdue, run_sweep
from tests.tasks.continuity import staff

pytestmark = pytest.mark.django_db
Reason = Notification.Reason
LONG_AGO = timedelta(days=30)


def _overdue(world, count: int, *, organization=None, assignee=None) -> list[FollowUp]:
    """``count`` hand-written follow-ups due a month ago, well past any grace period."""
    organization = organization or world.lead
    due_at = timezone.now() - LONG_AGO
    return FollowUp.objects.bulk_create(
        FollowUp(
            case=world.case,
            kind=FollowUp.Kind.OTHER,
            organization=organization,
            assignee=assignee or world.advocate,
            due_at=due_at + timedelta(seconds=n),
            description="Call back",
        )
        for n in range(count)
    )


def _sweep_overdue_now() -> SweepReport:
    report = SweepReport()
    _sweep_overdue(timezone.now(), Bounds.load(), report)
    return report


def _escalations(channel: str = Notification.Channel.IN_APP) -> list[tuple[int, int]]:
    return sorted(
        Notification.objects.filter(reason=Reason.ESCALATION, channel=channel).values_list(
            "follow_up_id", "recipient_id"
        )
    )


def test_a_batch_escalates_each_follow_up_to_the_right_supervisor_and_tells_them_once(world):
    partner_supervisor = staff(world.partner, Membership.Role.SUPERVISOR)
    second = staff(world.lead, Membership.Role.SUPERVISOR)
    # The partner's supervisor reads e-mail once a day: told in the inbox only, right now.
    NotificationSettings.objects.create(
        user=partner_supervisor, email_mode=NotificationSettings.Mode.DAILY
    )
    lead_rows = _overdue(world, 3)
    own = _overdue(world, 1, assignee=world.supervisor)  # escalated past them, to ``second``
    partner_rows = _overdue(world, 2, organization=world.partner)

    report = _sweep_overdue_now()

    assert report.overdue_escalations == 6
    assert report.errors == 0
    expected = sorted(
        [(f.pk, world.supervisor.pk) for f in lead_rows]
        + [(own[0].pk, second.pk)]
        + [(f.pk, partner_supervisor.pk) for f in partner_rows]
    )
    assert _escalations() == expected
    assert sorted(FollowUp.objects.values_list("pk", "escalated_to_id")) == expected
    assert _escalations(Notification.Channel.EMAIL) == [
        pair for pair in expected if pair[1] != partner_supervisor.pk
    ]
    email = Notification.objects.filter(channel=Notification.Channel.EMAIL).first()
    assert email.status == Notification.Status.PENDING
    # A second sweep, or a retried task, finds everything done and tells nobody again.
    rows = list(Notification.objects.order_by("pk").values())
    assert _sweep_overdue_now().overdue_escalations == 0
    assert list(Notification.objects.order_by("pk").values()) == rows


def test_the_bulk_outbox_queues_a_message_once_however_often_it_is_offered(world):
    [follow_up] = _overdue(world, 1)
    message = Message(
        recipient_id=world.supervisor.pk,
        reason=Reason.ESCALATION,
        window=rules.ESCALATED,
        follow_up_id=follow_up.pk,
    )

    notify_many([message, message])
    notify_many([message])
    # The row-by-row ``notify`` names the same message by the same key.
    rules.notify(
        recipient=world.supervisor,
        reason=Reason.ESCALATION,
        window=rules.ESCALATED,
        follow_up=follow_up,
    )

    channels = Notification.objects.values_list("channel", flat=True)
    assert sorted(channels) == ["email", "in_app"]


def test_a_row_that_fails_is_set_aside_and_the_rest_of_its_batch_escalated(world, caplog):
    rows = _overdue(world, 5)
    bad = rows[2]
    real = rules._past_grace

    def past_grace(follow_up, *args):
        if follow_up.pk == bad.pk:
            raise RuntimeError("broken row")
        return real(follow_up, *args)

    with (
        mock.patch.object(rules, "_past_grace", side_effect=past_grace),
        caplog.at_level(logging.WARNING, logger="tasks.sweep"),
    ):
        report = _sweep_overdue_now()

    assert report.overdue_escalations == 4
    assert report.errors == 1
    escalated = set(
        FollowUp.objects.filter(escalated_at__isnull=False).values_list("pk", flat=True)
    )
    assert escalated == {f.pk for f in rows} - {bad.pk}
    assert {pk for pk, _ in _escalations()} == escalated
    # The operator sees which row, by id, and nothing about the young person.
    assert "FollowUp (first id" in caplog.text and "failed (RuntimeError)" in caplog.text
    assert f"FollowUp {bad.pk}" in caplog.text
    assert "Call back" not in caplog.text
    # Fixed, the next sweep takes it.
    assert _sweep_overdue_now().overdue_escalations == 1


def test_a_batch_whose_update_finds_rows_changed_is_redone_row_by_row(world):
    """Rows that changed under the batch's UPDATE (it wrote fewer than it decided on): nobody
    is told about an escalation not written; the rule runs row by row instead."""
    rows = _overdue(world, 4)
    real = rules._write_escalations

    def one_short(supervisor_of, *, now):
        real(dict(list(supervisor_of.items())[:-1]), now=now)
        return len(supervisor_of) - 1

    with mock.patch.object(rules, "_write_escalations", side_effect=one_short):
        report = _sweep_overdue_now()

    assert report.overdue_escalations == 4
    assert report.errors == 0
    assert _escalations() == sorted((f.pk, world.supervisor.pk) for f in rows)


def test_out_of_time_in_a_batch_ends_the_sweep_without_retrying_row_by_row(world):
    _overdue(world, 3)

    out_of_time = mock.patch.object(
        rules, "escalate_overdue_batch", side_effect=SoftTimeLimitExceeded()
    )
    row_by_row = mock.patch.object(rules, "escalate_overdue", wraps=rules.escalate_overdue)
    with out_of_time, row_by_row as per_row, pytest.raises(SoftTimeLimitExceeded):
        run_sweep()

    per_row.assert_not_called()
    assert not FollowUp.objects.filter(escalated_at__isnull=False).exists()


def test_a_sweep_batch_costs_the_same_queries_for_three_follow_ups_or_thirty(world):
    staff(world.partner, Membership.Role.SUPERVISOR)

    def queries_for(count: int) -> int:
        FollowUp.objects.all().delete()
        _overdue(world, count // 2)
        _overdue(world, count - count // 2, organization=world.partner)
        with CaptureQueriesContext(connection) as queries:
            assert _sweep_overdue_now().overdue_escalations == count
        return len(queries)

    few, many = queries_for(3), queries_for(30)

    assert many == few
    assert few <= 11, few


def test_batches_are_read_after_the_last_row_so_a_row_left_unescalated_is_passed(world):
    """A follow-up of an organization without a supervisor stays due; the sweep passes it
    rather than reading it again in every batch."""
    waiting = _overdue(world, 3, organization=world.partner)  # no supervisor there
    done = _overdue(world, 3)
    read: list[int] = []
    real = rules.escalate_overdue_batch

    def recording(*, follow_ups, **kwargs):
        read.extend(f.pk for f in follow_ups)
        return real(follow_ups=follow_ups, **kwargs)

    with (
        mock.patch.object(sweep, "OVERDUE_BATCH_SIZE", 2),
        mock.patch.object(rules, "escalate_overdue_batch", side_effect=recording),
    ):
        report = _sweep_overdue_now()

    assert report.overdue_escalations == 3
    assert sorted(read) == sorted(f.pk for f in waiting + done)  # each row once
    assert {pk for pk, _ in _escalations()} == {f.pk for f in done}


@pytest.mark.postgres
# Plain, like the other concurrent tests of tests/tasks (test_delivery, test_retention,
# test_sweep), which sort before it: a serialized_rollback test after them fails to reload
# the content types they leave behind.
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_split_the_due_rows_between_them(world, monkeypatch):
    """One locking query per batch after the last row seen: two sweepers take disjoint
    batches, so every due row is escalated and announced exactly once."""
    due = _overdue(world, 40)
    monkeypatch.setattr(sweep, "OVERDUE_BATCH_SIZE", 4)
    seen: dict[str, list[int]] = {"first": [], "second": []}
    real = rules.escalate_overdue_batch

    def slow_batch(*, follow_ups, **kwargs):
        seen[threading.current_thread().name].extend(f.pk for f in follow_ups)
        time.sleep(0.02)  # hold the batch a moment, so the sweepers overlap
        return real(follow_ups=follow_ups, **kwargs)

    monkeypatch.setattr(rules, "escalate_overdue_batch", slow_batch)
    start = threading.Barrier(2)
    reports: list[SweepReport] = []

    def sweeper() -> None:
        try:
            start.wait()
            reports.append(_sweep_overdue_now())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper, name=name) for name in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert seen["first"] and seen["second"]
    assert not set(seen["first"]) & set(seen["second"])
    assert sorted(seen["first"] + seen["second"]) == sorted(f.pk for f in due)
    assert sum(r.overdue_escalations for r in reports) == 40
    assert sum(r.errors for r in reports) == 0
    assert [pk for pk, _ in _escalations()] == sorted(f.pk for f in due)
    assert len(_escalations(Notification.Channel.EMAIL)) == 40


@pytest.mark.postgres
def test_the_hot_tables_ship_their_own_autovacuum_settings():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class"
            " WHERE relname IN ('tasks_followup', 'tasks_notification')"
        )
        options = {name: set(values or []) for name, values in cursor.fetchall()}

    for table in ("tasks_followup", "tasks_notification"):
        assert {
            "autovacuum_vacuum_scale_factor=0.02",
            "autovacuum_vacuum_threshold=1000",
            "autovacuum_analyze_scale_factor=0.02",
        } <= options[table], table
    assert "autovacuum_vacuum_insert_scale_factor=0.05" in options["tasks_notification"]
