"""A database connection lost mid-task (issue 20, point 4): the sweep and delivery stop at
once, log one line naming the cause, and the whole task retries with backoff; nothing is
retried row by row on a dead connection."""

import logging
from unittest import mock

import psycopg
import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone

from tasks import rules, sweep
from tasks import tasks as celery_tasks
from tasks.claims import claim_batch
from tasks.models import FollowUp, Notification
from tasks.outage import CONNECTION_LOST, DatabaseLost
from tasks.outbox import notify
from tests.tasks.test_sweep_batches import _overdue

pytestmark = pytest.mark.django_db


def _lost() -> OperationalError:
    # What psycopg says; the message may quote data in other errors, so it is never logged.
    return OperationalError("terminating connection due to administrator command +15550100")


def test_a_lost_connection_in_a_batch_stops_the_sweep_without_going_row_by_row(world, caplog):
    _overdue(world, 3)
    lost = mock.patch.object(rules, "escalate_overdue_batch", side_effect=_lost())
    row_by_row = mock.patch.object(rules, "escalate_overdue", wraps=rules.escalate_overdue)
    with (
        lost,
        row_by_row as per_row,
        caplog.at_level(logging.INFO),
        pytest.raises(OperationalError),
    ):
        sweep.run_sweep()

    per_row.assert_not_called()
    assert "one row at a time" not in caplog.text
    assert not FollowUp.objects.filter(escalated_at__isnull=False).exists()


def test_a_lost_connection_on_a_row_stops_the_claim_loop_at_that_row(world, caplog):
    """The per-row arms (referrals, services, plans, consents) stop too, after one row."""
    calls = []

    def apply(row):
        calls.append(row.pk)
        raise _lost()

    report = sweep.SweepReport()
    ids = [f.pk for f in _overdue(world, 3)]
    with caplog.at_level(logging.INFO), pytest.raises(OperationalError):
        sweep._claim(FollowUp, ids, apply, report)

    assert len(calls) == 1
    assert report.errors == 0
    assert "Continuity rule failed" not in caplog.text


def test_the_sweep_task_logs_one_line_and_retries_the_whole_task(world, caplog):
    outcomes = iter([_lost(), sweep.SweepReport(overdue_escalations=2)])

    def run_sweep(now=None):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with (
        mock.patch.object(sweep, "run_sweep", side_effect=run_sweep),
        caplog.at_level(logging.INFO, logger="tasks"),
    ):
        result = celery_tasks.sweep_follow_ups.apply()

    assert result.get() == 2
    lines = [r for r in caplog.records if r.name.startswith("tasks")]
    assert [r.getMessage() for r in lines] == [
        f"{celery_tasks.sweep_follow_ups.name} stopped: database connection lost "
        "(OperationalError); retry 1 of 5 in " + lines[0].getMessage().rsplit(" in ", 1)[1]
    ]
    assert "+1555" not in caplog.text and "administrator" not in caplog.text


def test_a_task_that_keeps_losing_its_connection_fails_saying_what_failed(world, caplog):
    with (
        mock.patch.object(sweep, "run_sweep", side_effect=_lost()),
        caplog.at_level(logging.WARNING, logger="tasks.tasks"),
    ):
        result = celery_tasks.sweep_follow_ups.apply()

    assert result.failed()
    assert isinstance(result.result, DatabaseLost)
    assert str(result.result) == (
        f"{celery_tasks.sweep_follow_ups.name} stopped: database connection lost (OperationalError)"
    )
    # One line per try: five retries, then giving up.
    ours = [r.levelname for r in caplog.records if r.name == "tasks.tasks"]
    assert ours == ["WARNING"] * 5 + ["ERROR"]


def test_a_delivery_batch_that_loses_its_connection_stops_before_sending(world, caplog):
    for user in (world.advocate, world.supervisor):
        notify(recipient=user, reason=Notification.Reason.ESCALATION, window="w")
    now = timezone.now()
    ids = claim_batch(now=now)
    assert len(ids) == 2
    with (
        mock.patch("tasks.delivery._record_attempts", side_effect=_lost()) as deliver,
        caplog.at_level(logging.WARNING, logger="tasks.tasks"),
    ):
        result = celery_tasks.send_notification_batch.apply(args=[ids, now.isoformat()])

    assert isinstance(result.result, DatabaseLost)
    assert deliver.call_count == 6  # once a try: nothing goes to the provider after it
    assert mail.outbox == []
    assert len([r for r in caplog.records if r.name == "tasks.tasks"]) == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_terminated_mid_sweep_stops_the_sweep(world, caplog):
    """A real dropped connection: another session terminates the sweep's backend between its
    batches; the sweep stops at the next query instead of trying each row."""
    _overdue(world, 5)
    victim = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    real = rules.escalate_overdue_batch

    def terminate_then_escalate(**kwargs):
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [victim])
        return real(**kwargs)

    row_by_row = mock.patch.object(rules, "escalate_overdue", wraps=rules.escalate_overdue)
    try:
        with (
            mock.patch.object(rules, "escalate_overdue_batch", side_effect=terminate_then_escalate),
            row_by_row as per_row,
            caplog.at_level(logging.INFO),
            pytest.raises(CONNECTION_LOST),
        ):
            sweep.run_sweep()
    finally:
        connection.close()

    per_row.assert_not_called()
    assert "Continuity rule failed" not in caplog.text
    assert not FollowUp.objects.filter(escalated_at__isnull=False).exists()
