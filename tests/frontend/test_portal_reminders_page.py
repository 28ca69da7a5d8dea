"""The portal's reminders page (issue 20): off by default, the exact message shown before
turning anything on, where and when a reminder would go (R28, R29), and why none can go when
no channel is safe."""

from datetime import time
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format

from tasks.models import ReminderChoice
from tasks.young_person_reminders import reminder_preview
from tests.conftest import World
from tests.tasks.delivery_support import set_rule, young_person_of

pytestmark = pytest.mark.django_db

URL = reverse("frontend:portal-reminders")
NO_CHANNEL = "allow no text messages and no e-mails"


@pytest.fixture
def client_of(world: World) -> Client:
    client = Client()
    client.force_login(world.young_person)
    return client


def test_r28_reminders_are_off_until_the_young_person_ticks_one(world, client_of):
    set_rule(young_person_of(world), allowed_channels=["sms"])

    body = client_of.get(URL).content.decode()

    assert "checked" not in body
    assert not ReminderChoice.objects.exists()


def test_r30_the_page_shows_exactly_the_message_a_reminder_carries(world, client_of):
    person = young_person_of(world)
    set_rule(person, allowed_channels=["email"])

    body = client_of.get(URL).content.decode()

    preview = reminder_preview(person)
    assert f'<pre id="reminder-text">{escape(preview.body)}</pre>' in body
    assert escape(preview.subject) in body
    assert "safe@example.net" not in body  # the address is not shown on the page


def test_r29_the_page_gives_the_safe_hours_in_the_young_persons_time_zone(world, client_of):
    person = young_person_of(world)
    person.time_zone = "America/Los_Angeles"
    person.save()
    set_rule(person, allowed_channels=["sms"], safe_hours_start=time(16), safe_hours_end=time(20))

    body = client_of.get(URL).content.decode()

    assert "by text message" in body
    assert "America/Los_Angeles" in body
    assert date_format(time(16), "TIME_FORMAT") in body
    assert date_format(time(20), "TIME_FORMAT") in body


def test_r28_with_no_safe_channel_the_page_says_no_reminder_will_be_sent(world, client_of):
    set_rule(young_person_of(world), allowed_channels=["call"])

    body = client_of.get(URL).content.decode()

    assert NO_CHANNEL in body


def test_ticking_kinds_saves_them_and_unticking_all_turns_reminders_off(world, client_of):
    set_rule(young_person_of(world), allowed_channels=["sms"])

    on = client_of.post(URL, {"kinds": ["consents_to_sign", "service_contacts"]})
    choice = ReminderChoice.objects.get(person=young_person_of(world))
    chosen = (choice.consents_to_sign, choice.plans_to_approve, choice.service_contacts)
    off = client_of.post(URL, {})
    choice.refresh_from_db()

    assert (on.status_code, off.status_code) == (302, 302)
    assert chosen == (True, False, True)
    assert not choice.any_on
    assert 'value="consents_to_sign"' in client_of.get(URL).content.decode()


def test_an_unknown_kind_is_a_form_error_not_a_server_error(world, client_of):
    response = client_of.post(URL, {"kinds": ["<script>", "consents_to_sign"]})

    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not ReminderChoice.objects.exists()


def test_a_young_person_only_ever_sets_their_own_reminders(world, client_of):
    other = Client()
    other.force_login(world.other_young_person)

    other.post(URL, {"kinds": ["plans_to_approve"]})

    assert list(ReminderChoice.objects.values_list("person__user", flat=True)) == [
        world.other_young_person.pk
    ]


def test_the_page_is_in_spanish_for_a_spanish_speaker(world, client_of):
    set_rule(young_person_of(world), allowed_channels=["call"])
    world.young_person.preferred_language = "es"
    world.young_person.save(update_fields=["preferred_language"])

    body = client_of.get(URL).content.decode()

    assert "<h1>Recordatorios</h1>" in body
