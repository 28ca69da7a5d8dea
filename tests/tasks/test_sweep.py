"""The continuity sweep as a whole: due items only, exactly once, no personal data, on beat."""

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from celery.schedules import maybe_schedule, schedule
from django.conf import settings
from django.forms.models import model_to_dict

from cases.models import Case, Person
from tasks import tasks as celery_tasks
from tasks.models import FollowUp, Notification, PortalNotice
from tasks.sweep import Bounds, due_referrals, due_services, run_sweep
from tests import factories as f
from tests.tasks.continuity import (
    active_service,
    approved_version,
    at,
    chicago,
    consent_until,
    sent_referral,
    staff,
)

MONDAY = chicago(3, 1)
# Distinctive strings: if any of them shows up in a follow-up or a notification, it leaked.
NAME, ALIAS, CHOSEN = "Ottoline Vandersnoot", "Zephyrine-Quillfeather", "Quinberly"

pytestmark = pytest.mark.django_db


def _everything_due(world) -> None:
    """One of each: a referral, a service, a plan, a consent and a hand-written follow-up."""
    staff(world.partner)  # an intake worker, so the recipient side is assigned and told
    staff(world.partner, "supervisor")
    sent_referral(world, MONDAY)
    active_service(world, MONDAY, expected_contact_days=7)
    approved_version(world, MONDAY - timedelta(days=120))
    consent_until(world, MONDAY, MONDAY + timedelta(days=20))
    FollowUp.objects.create(
        case=world.case,
        kind=FollowUp.Kind.OTHER,
        organization=world.lead,
        assignee=world.advocate,
        due_at=MONDAY,
        description="Check in about the bus pass",
    )


def _rows() -> tuple[list[dict], list[dict], list[dict]]:
    return (
        list(FollowUp.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values()),
        list(PortalNotice.objects.order_by("pk").values()),
    )


def _sweep(moment):
    with at(moment):
        report = run_sweep()
    assert report.errors == 0
    return report


def test_two_sweeps_at_the_same_moment_write_the_same_rows(world):
    _everything_due(world)

    first = _sweep(chicago(3, 9))
    rows = _rows()
    second = _sweep(chicago(3, 9))

    assert first.changes > 0
    assert second.changes == 0
    assert _rows() == rows
    kinds = {fu["kind"] for fu in rows[0]}
    assert kinds == {
        "referral_unanswered",
        "service_no_contact",
        "plan_review",
        "consent_renewal",
        "check_in_due",
        "other",
    }


def test_sweeping_every_day_for_a_month_notifies_each_person_once_per_reason_and_window(world):
    _everything_due(world)
    for day in range(31):
        _sweep(MONDAY + timedelta(days=day, hours=day % 5))

    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    # One referral follow-up per side ever, however often the sweep ran.
    assert FollowUp.objects.filter(kind="referral_unanswered").count() == 2


def test_the_due_queries_select_only_what_may_be_due(world):
    bounds = Bounds.load()
    fresh = sent_referral(world, MONDAY)
    old = sent_referral(world, MONDAY - timedelta(days=30))
    active_service(world, MONDAY)

    assert set(due_referrals(MONDAY + timedelta(hours=1), bounds)) == {old}
    assert set(due_referrals(MONDAY + timedelta(days=30), bounds)) == {fresh, old}
    assert list(due_services(MONDAY + timedelta(days=13))) == []

    _sweep(chicago(3, 3))  # fresh: both sides have a follow-up, escalation not yet due
    assert fresh not in set(due_referrals(chicago(3, 4), bounds))


def test_no_follow_up_notice_or_notification_carries_the_young_person_s_name(world):
    Person.objects.filter(pk=world.case.person_id).update(
        legal_name=NAME, alias=ALIAS, chosen_name=CHOSEN
    )
    _everything_due(world)
    for moment in (chicago(3, 3), chicago(3, 9), chicago(3, 23), chicago(4, 5, 8)):
        _sweep(moment)

    rows = [
        *FollowUp.objects.all(),
        *Notification.objects.all(),
        *PortalNotice.objects.all(),
    ]
    assert {type(row) for row in rows} == {FollowUp, Notification, PortalNotice}
    for row in rows:
        text = " ".join(str(value) for value in model_to_dict(row).values())
        text += " " + str(row)
        for secret in (NAME, ALIAS, CHOSEN):
            assert secret.lower() not in text.lower(), (row, secret)


def test_the_sweep_enqueues_delivery_once_after_its_writes_commit(
    world, django_capture_on_commit_callbacks
):
    _everything_due(world)

    with (
        mock.patch.object(celery_tasks, "deliver_notifications") as deliver,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        _sweep(chicago(3, 9))
        deliver.delay.assert_not_called()

    deliver.delay.assert_called_once_with()
    assert len(callbacks) == 1


def test_a_sweep_with_nothing_due_enqueues_nothing(world, django_capture_on_commit_callbacks):
    for case in Case.objects.all():  # every case had its check-in a month ago
        with at(chicago(2, 1)):
            f.CheckInFactory(case=case, recorded_at=chicago(2, 1))
    with django_capture_on_commit_callbacks() as callbacks:
        report = _sweep(chicago(3, 1, 6))  # Monday before the weekly digest goes out

    assert report.changes == 0
    assert callbacks == []


def test_a_broker_that_is_down_loses_nothing(world, django_capture_on_commit_callbacks):
    _everything_due(world)

    with (
        mock.patch.object(celery_tasks, "deliver_notifications") as deliver,
        django_capture_on_commit_callbacks(execute=True),
    ):
        deliver.delay.side_effect = OSError("broker unreachable")
        _sweep(chicago(3, 9))

    # The e-mails wait in the outbox for the delivery sweep of the next minute.
    waiting = Notification.objects.filter(channel="email", status=Notification.Status.PENDING)
    assert waiting.filter(recipient=world.advocate).exists()


def test_a_rule_that_fails_on_one_row_does_not_stop_the_others(world):
    _everything_due(world)

    failing = mock.patch("tasks.rules.remind_plan_review", side_effect=RuntimeError("boom"))
    with failing, at(chicago(3, 9)):
        report = run_sweep()

    assert report.errors == 1
    assert report.referral_follow_ups == 2
    assert FollowUp.objects.filter(kind="plan_review").count() == 0


def test_a_sweep_out_of_time_stops_instead_of_failing_every_row_left(world):
    """Celery's soft time limit is an exception too: the sweep must let it end the run, not
    log it as a failed rule for each remaining row (found by make bench)."""
    _everything_due(world)

    out_of_time = mock.patch("tasks.rules.remind_plan_review", side_effect=SoftTimeLimitExceeded())
    with out_of_time, at(chicago(3, 9)), pytest.raises(SoftTimeLimitExceeded):
        run_sweep()

    assert FollowUp.objects.filter(kind="plan_review").count() == 0


def test_the_celery_task_runs_the_sweep(world):
    _everything_due(world)

    with at(chicago(3, 9)):
        changes = celery_tasks.sweep_follow_ups()

    assert changes > 0
    assert FollowUp.objects.filter(kind="referral_unanswered").count() == 2


def test_the_sweep_is_scheduled_every_minute_beside_the_other_entries() -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tasks.tasks.sweep_follow_ups"
    ]

    assert len(entries) == 1
    every = maybe_schedule(entries[0]["schedule"])
    assert type(every) is schedule
    assert every.run_every <= timedelta(seconds=60)
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"tasks.tasks.expire_consents", "tasks.tasks.clear_expired_sessions"} <= tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_holds_is_skipped_not_waited_for(world):
    """skip_locked: a second worker sweeping while the first holds a referral moves on."""
    from django.db import connections, transaction

    referral = sent_referral(world, MONDAY)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM cases_referral WHERE id = %s FOR UPDATE", [referral.pk])
            with transaction.atomic():
                report = _sweep(chicago(3, 3))
            cursor.execute("ROLLBACK")
    finally:
        other.close()

    assert report.referral_follow_ups == 0
    assert not FollowUp.objects.filter(about_referral=referral).exists()
    # Released, the next sweep takes it.
    assert _sweep(chicago(3, 3)).referral_follow_ups == 2
