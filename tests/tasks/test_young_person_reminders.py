"""Reminders young people ask for (issue 20), on the live path: the beat task queues them and
the outbox sweep sends them, so every rule is checked where a real message leaves.

R28: only a channel the safe-contact rule allows; none allowed, nothing sent. R29: not before
the young person's safe hours, in their time zone. R30: the neutral line and the sign-in link,
nothing else.
"""

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from cases.models import PlannedService, PlanVersion, ServicePlan
from consent.models import Consent
from coordination.celery import app as celery_app
from tasks.messages import YOUNG_PERSON_LINE, sign_in_url
from tasks.models import Notification, ReminderChoice
from tasks.reminder_tasks import remind_young_people
from tasks.tasks import deliver_notifications
from tasks.young_person_reminders import choose_reminders, reminder_preview
from tests import factories as f
from tests.tasks.delivery_support import set_rule, sms_outbox, young_person_of

__all__ = ["sms_outbox"]  # a fixture, used by name

pytestmark = pytest.mark.django_db

Status = Notification.Status
Channel = Notification.Channel
UTC = ZoneInfo("UTC")
CHICAGO = ZoneInfo("America/Chicago")
# 11:00 in Chicago (the default time zone), after the day's reminders may start.
MORNING = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
SAFE_PHONE = "+1 555 010 0000"
SAFE_EMAIL = "safe@example.net"


@pytest.fixture
def eager_celery():
    """Tasks queued with .delay run at once, in this process."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = django_settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def live(eager_celery, django_capture_on_commit_callbacks):
    """Run beat's two tasks at a moment: the reminders, then the outbox sweep (whose batch
    tasks run when the sweep commits)."""

    def run(at: datetime) -> dict[str, int]:
        with time_machine.travel(at, tick=False):
            report = remind_young_people()
            with django_capture_on_commit_callbacks(execute=True):
                deliver_notifications()
        return report

    return run


def _pending_consent(world: Any) -> Consent:
    return f.ConsentFactory(
        case=world.case,
        status=Consent.Status.PENDING_SIGNATURE,
        activated_at=None,
        signatures=False,
    )


def _opt_in(world: Any, **kinds: bool) -> ReminderChoice:
    chosen = {"consents_to_sign": True, "plans_to_approve": False, "service_contacts": False}
    return choose_reminders(person=young_person_of(world), **{**chosen, **kinds})


def _outbound(world: Any) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=world.young_person).exclude(channel=Channel.IN_APP)
    )


# R28: the channels the safe-contact rule allows, and nothing when it allows none


def test_r28_reminders_are_off_until_the_young_person_turns_them_on(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms", "email"])
    _pending_consent(world)

    live(MORNING)

    assert not ReminderChoice.objects.exists()
    assert not Notification.objects.filter(recipient=world.young_person).exists()
    assert (sms_outbox, mail.outbox) == ([], [])


def test_r28_a_reminder_goes_only_on_a_channel_the_rule_allows(world, live, sms_outbox):
    # Both addresses are known; only e-mail is allowed.
    set_rule(young_person_of(world), allowed_channels=["email", "call"])
    _pending_consent(world)
    _opt_in(world)

    live(MORNING)

    assert sms_outbox == []
    assert [m.to for m in mail.outbox] == [[SAFE_EMAIL]]
    assert [(r.channel, r.status) for r in _outbound(world)] == [(Channel.EMAIL, Status.SENT)]


def test_r28_no_safe_channel_suppresses_the_reminder_and_sends_nothing(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["call", "in_person"])
    _pending_consent(world)
    _opt_in(world)

    report = live(MORNING)
    live(MORNING + timedelta(hours=3))

    assert report["suppressed"] == 1
    assert [r.status for r in _outbound(world)] == [Status.SUPPRESSED]
    assert (sms_outbox, mail.outbox) == ([], [])


def test_r28_a_channel_withdrawn_before_sending_is_not_used(world, live, sms_outbox):
    person = young_person_of(world)
    set_rule(person, allowed_channels=["sms"], safe_hours_start=time(18), safe_hours_end=time(20))
    _pending_consent(world)
    _opt_in(world)
    live(MORNING)  # held for the evening

    set_rule(person, allowed_channels=[])
    live(datetime(2026, 6, 10, 18, 30, tzinfo=CHICAGO))

    assert [r.status for r in _outbound(world)] == [Status.SUPPRESSED]
    assert sms_outbox == []


# R29: the safe hours, in the young person's own time zone


def test_r29_a_reminder_waits_for_the_safe_hours_in_the_young_persons_time_zone(
    world, live, sms_outbox
):
    person = young_person_of(world)
    person.time_zone = "America/Los_Angeles"
    person.save()
    set_rule(person, allowed_channels=["sms"], safe_hours_start=time(16), safe_hours_end=time(20))
    _pending_consent(world)
    _opt_in(world)
    los_angeles = ZoneInfo("America/Los_Angeles")

    report = live(datetime(2026, 6, 10, 10, 0, tzinfo=los_angeles))
    (row,) = _outbound(world)
    live(datetime(2026, 6, 10, 15, 59, tzinfo=los_angeles))
    sent_before_window = list(sms_outbox)
    live(datetime(2026, 6, 10, 16, 0, tzinfo=los_angeles))

    assert report["held"] == 1
    assert row.deliver_after == datetime(2026, 6, 10, 16, 0, tzinfo=los_angeles)
    assert sent_before_window == []
    assert [m["to"] for m in sms_outbox] == [SAFE_PHONE]


def test_r29_no_reminder_is_queued_before_the_young_persons_day_starts(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])  # no safe hours: any time
    _pending_consent(world)
    _opt_in(world)

    early = live(datetime(2026, 6, 10, 3, 0, tzinfo=CHICAGO))
    sent_early = list(sms_outbox)
    live(datetime(2026, 6, 10, 9, 0, tzinfo=CHICAGO))

    assert (early["too_early"], sent_early) == (1, [])
    assert len(sms_outbox) == 1


# R30: the neutral line and the sign-in link, nothing about the person, the case or the service


def test_r30_a_reminder_carries_only_the_neutral_line_and_the_sign_in_link(
    world, live, sms_outbox, caplog
):
    person = young_person_of(world)
    person.alias, person.legal_name = "Zephyrine", "Zephyrine Marchbanks"
    person.save()
    set_rule(person, allowed_channels=["sms"])
    consent = _pending_consent(world)
    PlanVersion.objects.create(
        plan=ServicePlan.objects.get_or_create(case=world.case)[0],
        number=1,
        status=PlanVersion.Status.AWAITING_APPROVAL,
    )
    _opt_in(world, plans_to_approve=True)
    caplog.set_level(logging.DEBUG)

    live(MORNING)
    set_rule(person, allowed_channels=["email"])
    live(MORNING + timedelta(days=1))

    (text,) = sms_outbox
    (email,) = mail.outbox
    preview = reminder_preview(person)
    assert text["body"] == email.body == preview.body
    assert email.subject == preview.subject
    assert preview.body == f"{YOUNG_PERSON_LINE}\n\n{sign_in_url()}\n"
    words = " ".join([text["body"], email.subject, email.body, email.from_email, caplog.text])
    for secret in (
        "Zephyrine",
        "Marchbanks",
        world.lead.name,
        consent.recipient.name,
        SAFE_PHONE,
        SAFE_EMAIL,
    ):
        assert secret not in words


# What is waiting, and how often


def test_one_reminder_a_day_counts_everything_waiting_of_the_kinds_chosen(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])
    _pending_consent(world)
    PlanVersion.objects.create(
        plan=ServicePlan.objects.get_or_create(case=world.case)[0],
        number=1,
        status=PlanVersion.Status.AWAITING_APPROVAL,
    )
    _opt_in(world, plans_to_approve=True)

    live(MORNING)
    again = live(MORNING + timedelta(hours=4))
    live(MORNING + timedelta(days=1))

    assert again["already_today"] == 1
    assert len(sms_outbox) == 2
    assert [r.item_count for r in _outbound(world)] == [2, 2]


def test_a_kind_not_chosen_reminds_of_nothing(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])
    _pending_consent(world)

    _opt_in(world, consents_to_sign=False, plans_to_approve=True)
    report = live(MORNING)

    assert report["nothing_waiting"] == 1
    assert sms_outbox == []


def test_a_consent_the_young_person_signed_is_no_longer_waiting(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])
    f.ConsentFactory(case=world.case, status=Consent.Status.PENDING_SIGNATURE, activated_at=None)
    _opt_in(world)

    assert live(MORNING)["nothing_waiting"] == 1
    assert sms_outbox == []


def test_a_service_reminds_when_its_next_contact_is_due_by_tomorrow(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])
    plan = ServicePlan.objects.get_or_create(case=world.case)[0]
    due_tomorrow = f.PlannedServiceFactory(
        goal=f.GoalFactory(plan=plan),
        status=PlannedService.Status.ACTIVE,
        expected_contact_days=14,
        last_contact_at=MORNING - timedelta(days=13),
    )
    _opt_in(world, consents_to_sign=False, service_contacts=True)

    due_tomorrow.last_contact_at = MORNING - timedelta(days=5)
    due_tomorrow.save()
    not_yet = live(MORNING)
    due_tomorrow.last_contact_at = MORNING - timedelta(days=13)
    due_tomorrow.save()
    live(MORNING + timedelta(days=1))

    assert not_yet["nothing_waiting"] == 1
    assert len(sms_outbox) == 1


def test_turning_reminders_off_stops_them(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])
    _pending_consent(world)
    _opt_in(world)
    live(MORNING)

    _opt_in(world, consents_to_sign=False)
    live(MORNING + timedelta(days=1))

    assert len(sms_outbox) == 1


def test_a_young_person_whose_portal_access_ended_gets_no_reminder(world, live, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])
    _pending_consent(world)
    _opt_in(world)
    world.young_person.is_active = False  # what ending portal access does
    world.young_person.save(update_fields=["is_active"])

    live(MORNING)

    assert _outbound(world) == []
    assert sms_outbox == []


# Beat runs it


def test_beat_runs_the_reminders_every_five_minutes_as_a_registered_task(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    celery_app.loader.import_default_modules()
    task = celery_app.tasks["tasks.reminder_tasks.remind_young_people"]

    assert schedule["tasks.reminder_tasks.remind_young_people"] == 300.0
    assert task.acks_late and task.retry_backoff and task.autoretry_for
