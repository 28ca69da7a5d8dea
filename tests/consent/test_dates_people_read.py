"""Every date a person reads is the day in their time zone, not in UTC (issue 19).

18:16 in Chicago on 6 December is 00:16 UTC on 7 December: a date taken from the stored UTC
moment says the 7th. 00:30 in Chicago on 7 December is still the 6th in Honolulu.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from consent.preview import plain_preview
from consent.receipts import consent_receipt, render_receipt_html, termination
from tests import factories as f

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
EVENING_IN_CHICAGO = datetime(2026, 12, 6, 18, 16, tzinfo=CHICAGO)
PAST_MIDNIGHT_IN_CHICAGO = datetime(2026, 12, 7, 0, 30, tzinfo=CHICAGO)


@pytest.fixture
def consent_starting_now(world):
    def make(time_zone: str = "America/Chicago"):
        person = world.case.person
        person.time_zone = time_zone
        person.save()
        return f.ConsentFactory(
            case=world.case,
            recipient=world.partner,
            starts_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=90),
        )

    return make


def test_preview_at_18_16_in_chicago_says_the_consent_starts_today(consent_starting_now):
    with time_machine.travel(EVENING_IN_CHICAGO, tick=False):
        consent = consent_starting_now()

        summary = plain_preview(consent, "en").summary

    assert "from 2026-12-06 until 2027-03-06" in summary


def test_spanish_preview_at_18_16_in_chicago_says_the_same_days(consent_starting_now):
    with time_machine.travel(EVENING_IN_CHICAGO, tick=False):
        consent = consent_starting_now()

        summary = plain_preview(consent, "es").summary

    assert "desde el 2026-12-06 hasta el 2027-03-06" in summary


def test_preview_dates_are_days_in_the_young_persons_own_time_zone(consent_starting_now, settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(PAST_MIDNIGHT_IN_CHICAGO, tick=False):
        consent = consent_starting_now("Pacific/Honolulu")

        summary = plain_preview(consent, "en").summary

    assert "from 2026-12-06 until 2027-03-06" in summary


def test_receipt_termination_states_the_expiry_day_of_the_young_person(consent_starting_now):
    with time_machine.travel(PAST_MIDNIGHT_IN_CHICAGO, tick=False):
        consent = consent_starting_now("Pacific/Honolulu")

        text = termination(consent)

    assert formats.date_format(date(2027, 3, 6), "DATE_FORMAT") in text


def test_printable_receipt_shows_times_in_the_young_persons_time_zone(consent_starting_now):
    with time_machine.travel(PAST_MIDNIGHT_IN_CHICAGO, tick=False):
        consent = consent_starting_now("Pacific/Honolulu")
        page = render_receipt_html(consent)
        receipt = consent_receipt(consent)

    honolulu = datetime.fromtimestamp(receipt["startsAt"], tz=ZoneInfo("Pacific/Honolulu"))
    assert formats.date_format(honolulu, "DATETIME_FORMAT") in page
    assert "Dec. 6, 2026" in page


def test_portal_consent_cards_show_the_young_persons_days(world, consent_starting_now):
    with time_machine.travel(PAST_MIDNIGHT_IN_CHICAGO, tick=False):
        consent_starting_now("Pacific/Honolulu")
        client = Client()
        client.force_login(world.young_person)

        page = client.get(reverse("frontend:portal-consents")).content.decode()

    assert formats.date_format(date(2026, 12, 6), "DATE_FORMAT") in page
    assert formats.date_format(date(2026, 12, 7), "DATE_FORMAT") not in page
