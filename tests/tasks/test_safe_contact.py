"""Messages to a young person follow their safe-contact rule (R28, R29), and staff re-confirm
stale preferences before contacting them (R31)."""

import copy
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Contact, SafeContactRule
from cases.services.records import add_contact
from tasks.delivery import deliver_due
from tasks.models import Notification
from tasks.safe_windows import needs_reconfirmation, next_safe_window, notify_young_person
from tests.tasks.delivery_support import set_rule, sms_outbox, young_person_of

__all__ = ["sms_outbox"]  # a fixture, used by name

pytestmark = pytest.mark.django_db

Status = Notification.Status
Channel = Notification.Channel
Reason = Notification.Reason
LA = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")


def _outbound(world) -> Notification:
    return Notification.objects.exclude(channel=Channel.IN_APP).get(recipient=world.young_person)


def _notify(world, window: str = "w1") -> list[Notification]:
    return notify_young_person(
        person=young_person_of(world), reason=Reason.PORTAL_NOTICE, window=window
    )


# R28: only allowed channels; a new record allows none


def test_r28_a_new_rule_allows_nothing_the_message_is_suppressed_and_never_sent(world, sms_outbox):
    rule = set_rule(young_person_of(world))  # a phone and an e-mail, but no channel allowed
    assert rule.allowed_channels == []

    _notify(world)
    deliver_due()
    deliver_due(now=timezone.now() + timedelta(days=2))

    row = _outbound(world)
    assert (row.status, row.attempts, row.sent_at) == (Status.SUPPRESSED, 0, None)
    assert mail.outbox == [] and sms_outbox == []


def test_r28_the_portal_inbox_still_gets_the_message(world, sms_outbox):
    set_rule(young_person_of(world))

    _notify(world)

    inbox = Notification.objects.get(recipient=world.young_person, channel=Channel.IN_APP)
    assert inbox.status == Status.SENT


def test_r28_the_first_allowed_channel_with_an_address_is_used(world, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["email", "sms"])

    _notify(world)
    deliver_due()

    assert _outbound(world).channel == Channel.SMS
    assert [text["to"] for text in sms_outbox] == ["+1 555 010 0000"]
    assert mail.outbox == []


def test_r28_an_allowed_channel_without_an_address_is_skipped(world, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms", "email"], phone="")

    _notify(world)
    deliver_due()

    assert _outbound(world).channel == Channel.EMAIL
    assert [message.to for message in mail.outbox] == [["safe@example.net"]]
    assert sms_outbox == []


@pytest.mark.parametrize("channels", [["call"], ["call", "in_person", "mail"]])
def test_r28_calls_and_voicemail_are_never_automated(world, sms_outbox, channels):
    set_rule(young_person_of(world), allowed_channels=channels, voicemail_ok="call" in channels)

    _notify(world)
    deliver_due()

    assert _outbound(world).status == Status.SUPPRESSED
    assert mail.outbox == [] and sms_outbox == []


def test_r28_a_channel_withdrawn_after_queueing_is_not_used(world, sms_outbox):
    person = young_person_of(world)
    set_rule(person, allowed_channels=["sms"])
    _notify(world)

    set_rule(person, allowed_channels=[])
    deliver_due()

    assert _outbound(world).status == Status.SUPPRESSED
    assert sms_outbox == []


def test_r28_queueing_twice_writes_one_message(world, sms_outbox):
    set_rule(young_person_of(world), allowed_channels=["sms"])

    first = _notify(world)
    again = _notify(world)

    assert [n.pk for n in first] == [n.pk for n in again]
    assert Notification.objects.filter(recipient=world.young_person).count() == 2


def test_r28_a_young_person_without_a_portal_login_gets_nothing(world, sms_outbox):
    person = young_person_of(world)
    set_rule(person, allowed_channels=["sms"])
    person.user = None
    person.save()

    assert notify_young_person(person=person, reason=Reason.PORTAL_NOTICE, window="w") == []
    assert not Notification.objects.exists()


# R29: safe hours, in the young person's time zone


def _rule(start: time | None, end: time | None) -> SafeContactRule:
    return SafeContactRule(safe_hours_start=start, safe_hours_end=end)


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [
        # 16:00-18:00 in Los Angeles
        (datetime(2026, 6, 10, 9, 0), datetime(2026, 6, 10, 16, 0)),
        (datetime(2026, 6, 10, 16, 0), datetime(2026, 6, 10, 16, 0)),
        (datetime(2026, 6, 10, 17, 59), datetime(2026, 6, 10, 17, 59)),
        (datetime(2026, 6, 10, 18, 0), datetime(2026, 6, 11, 16, 0)),
        (datetime(2026, 6, 10, 23, 30), datetime(2026, 6, 11, 16, 0)),
    ],
)
def test_r29_next_safe_window_in_the_young_persons_time_zone(local_now, expected):
    rule = _rule(time(16), time(18))
    now = local_now.replace(tzinfo=LA).astimezone(ZoneInfo("UTC"))

    opens = next_safe_window(rule, LA, now)

    assert opens == expected.replace(tzinfo=LA)


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [
        # 21:00-06:00 in Tokyo: the window crosses midnight
        (datetime(2026, 6, 10, 12, 0), datetime(2026, 6, 10, 21, 0)),
        (datetime(2026, 6, 10, 20, 59), datetime(2026, 6, 10, 21, 0)),
        (datetime(2026, 6, 10, 21, 0), datetime(2026, 6, 10, 21, 0)),
        (datetime(2026, 6, 10, 23, 45), datetime(2026, 6, 10, 23, 45)),
        (datetime(2026, 6, 11, 0, 30), datetime(2026, 6, 11, 0, 30)),
        (datetime(2026, 6, 11, 5, 59), datetime(2026, 6, 11, 5, 59)),
        (datetime(2026, 6, 11, 6, 0), datetime(2026, 6, 11, 21, 0)),
    ],
)
def test_r29_a_window_crossing_midnight(local_now, expected):
    rule = _rule(time(21), time(6))

    opens = next_safe_window(rule, TOKYO, local_now.replace(tzinfo=TOKYO))

    assert opens == expected.replace(tzinfo=TOKYO)


def test_r29_no_safe_hours_means_no_limit_on_the_time_of_day():
    now = datetime(2026, 6, 10, 3, 0, tzinfo=LA)

    assert next_safe_window(_rule(None, None), LA, now) == now


def test_r29_a_message_outside_safe_hours_is_held_until_the_window_then_sent(world, sms_outbox):
    person = young_person_of(world)
    person.time_zone = "America/Los_Angeles"
    person.save()
    set_rule(person, allowed_channels=["sms"], safe_hours_start=time(16), safe_hours_end=time(18))

    # 09:00 in Los Angeles is 16:00 UTC and 11:00 in Chicago: inside nobody's window but LA's.
    with time_machine.travel(datetime(2026, 6, 10, 9, 0, tzinfo=LA), tick=False):
        _notify(world)
        deliver_due()
        row = _outbound(world)
        assert (row.status, row.deliver_after) == (
            Status.HELD,
            datetime(2026, 6, 10, 16, tzinfo=LA),
        )
        assert sms_outbox == []

    with time_machine.travel(datetime(2026, 6, 10, 15, 59, tzinfo=LA), tick=False):
        deliver_due()
        assert sms_outbox == []

    with time_machine.travel(datetime(2026, 6, 10, 16, 1, tzinfo=LA), tick=False):
        deliver_due()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert len(sms_outbox) == 1


def test_r29_a_window_crossing_midnight_holds_then_sends_after_midnight(world, sms_outbox):
    person = young_person_of(world)
    person.time_zone = "Asia/Tokyo"
    person.save()
    set_rule(person, allowed_channels=["sms"], safe_hours_start=time(21), safe_hours_end=time(6))

    with time_machine.travel(datetime(2026, 6, 10, 12, 0, tzinfo=TOKYO), tick=False):
        _notify(world)
        assert _outbound(world).deliver_after == datetime(2026, 6, 10, 21, tzinfo=TOKYO)

    with time_machine.travel(datetime(2026, 6, 11, 1, 30, tzinfo=TOKYO), tick=False):
        deliver_due()

    assert _outbound(world).status == Status.SENT
    assert len(sms_outbox) == 1


def test_r29_a_sweep_that_misses_the_window_holds_the_message_for_the_next(world, sms_outbox):
    person = young_person_of(world)
    person.time_zone = "America/Los_Angeles"
    person.save()
    set_rule(person, allowed_channels=["sms"], safe_hours_start=time(16), safe_hours_end=time(18))
    with time_machine.travel(datetime(2026, 6, 10, 17, 0, tzinfo=LA), tick=False):
        _notify(world)
        assert _outbound(world).status == Status.PENDING

    # The workers were down until after the window closed.
    with time_machine.travel(datetime(2026, 6, 10, 19, 0, tzinfo=LA), tick=False):
        deliver_due()

    row = _outbound(world)
    assert (row.status, row.attempts) == (Status.HELD, 0)
    assert row.deliver_after == datetime(2026, 6, 11, 16, tzinfo=LA)
    assert sms_outbox == []


# R31: stale preferences are re-confirmed before staff contact


def _contact(world, **overrides) -> Contact:
    values = {
        "case": world.case,
        "actor": world.advocate,
        "occurred_at": timezone.now() - timedelta(hours=1),
        "channel": Contact.Channel.CALL,
        "outcome": Contact.Outcome.REACHED,
    }
    return add_contact(**{**values, **overrides})


def _confirmed(world, days_ago: float | None) -> SafeContactRule:
    confirmed_at = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
    return set_rule(young_person_of(world), confirmed_at=confirmed_at)


@pytest.mark.parametrize("days_ago", [91, 400, None])
def test_r31_stale_or_never_confirmed_preferences_refuse_a_contact(world, days_ago):
    _confirmed(world, days_ago)

    with pytest.raises(ValidationError) as error:
        _contact(world)

    assert error.value.message_dict == {
        "safe_contact": ["Re-confirm the young person's safe-contact preferences first."]
    }
    assert not Contact.objects.exists()


def test_r31_recently_confirmed_preferences_allow_the_contact(world):
    _confirmed(world, 89)

    assert _contact(world).pk is not None


def test_r31_contacts_with_family_or_providers_need_no_reconfirmation(world):
    _confirmed(world, 400)

    assert _contact(world, contact_with=Contact.With.FAMILY).pk is not None
    assert _contact(world, contact_with=Contact.With.PROVIDER).pk is not None


def test_r31_the_number_of_days_is_a_setting(world, settings):
    settings.HARBOR = {**copy.deepcopy(settings.HARBOR), "SAFE_CONTACT_RECONFIRM_DAYS": 30}
    rule = _confirmed(world, 31)

    assert needs_reconfirmation(rule, timezone.now())
    with pytest.raises(ValidationError):
        _contact(world)


def test_r31_reconfirming_through_the_api_unblocks_the_contact(world, api_for):
    _confirmed(world, 200)
    client = api_for(world.advocate)
    payload = {
        "case": world.case.pk,
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "channel": "call",
        "outcome": "reached",
    }

    refused = client.post(reverse("contact-list"), payload)
    safe_contact_url = reverse("person-safe-contact", args=[world.case.person_id])
    client.put(safe_contact_url, {"allowed_channels": ["call"]})
    allowed = client.post(reverse("contact-list"), payload)

    assert refused.status_code == 400
    assert "safe_contact" in refused.data
    assert allowed.status_code == 201, allowed.data
