"""Message words: counts and a sign-in link, never personal data (R30)."""

import copy
import logging

import pytest
from django.core import mail
from django.utils import translation

from cases.models import Person
from providers.models import Organization, ServiceType
from tasks.delivery import deliver_due
from tasks.messages import render, sign_in_url
from tasks.models import FollowUp, Notification
from tasks.outbox import notify
from tasks.safe_windows import notify_young_person
from tests import factories as f
from tests.tasks.delivery_support import set_rule

Reason = Notification.Reason
Channel = Notification.Channel
ALL_REASONS = list(Reason)


def test_staff_message_counts_the_items_and_links_to_sign_in():
    message = render(reason=Reason.FOLLOW_UP_DUE, item_count=3, to_young_person=False)

    assert message.subject == "You have 3 follow-ups due in Harbor"
    assert message.body.startswith("You have 3 follow-ups due in Harbor.")
    assert "http://127.0.0.1:8000/sign-in/" in message.body


def test_a_single_item_is_singular():
    message = render(reason=Reason.FOLLOW_UP_DUE, item_count=1, to_young_person=False)

    assert message.subject == "You have 1 follow-up due in Harbor"


@pytest.mark.parametrize("reason", ALL_REASONS)
def test_every_reason_has_staff_words_with_the_count(reason):
    message = render(reason=reason, item_count=7, to_young_person=False)

    assert "7" in message.subject
    assert sign_in_url() in message.body


@pytest.mark.parametrize("reason", ALL_REASONS)
def test_messages_to_a_young_person_are_the_same_neutral_words_whatever_the_reason(reason):
    message = render(reason=reason, item_count=4, to_young_person=True)

    assert message.subject == "You have a new message"
    assert message.body == f"You have a new message. Sign in to read it.\n\n{sign_in_url()}\n"
    assert "Harbor" not in message.subject + message.body.replace(sign_in_url(), "")


def test_r30_a_message_is_in_the_recipients_language_and_stays_neutral():
    with translation.override("es"):
        young = render(reason=Reason.PORTAL_NOTICE, item_count=1, to_young_person=True)
        staff = render(reason=Reason.FOLLOW_UP_DUE, item_count=2, to_young_person=False)

    assert young.subject == "Tienes un mensaje nuevo"
    assert young.body == f"Tienes un mensaje nuevo. Inicia sesión para leerlo.\n\n{sign_in_url()}\n"
    assert "Inicia sesión en Harbor:" in staff.body and "Sign in" not in staff.body


def test_the_link_follows_the_site_url_setting(settings):
    settings.HARBOR = {**copy.deepcopy(settings.HARBOR), "SITE_URL": "https://harbor.example.org/"}

    assert sign_in_url() == "https://harbor.example.org/sign-in/"


# R30: seed distinctive strings, send every kind of message, and search everything produced

SEEDS = {
    "alias": "Zephyrinealias",
    "legal_name": "Quillfeather Vantablack",
    "chosen_name": "Marigoldine",
    "phone": "555-867-5309",
    "address": "41 Obsidian Wharf Lane",
    "organization": "Lanternfish Collective",
    "service_type": "Thistlewick Housing Voucher",
    "code_word": "pineapple-umbrella",
}


def _seed_world(world) -> Person:
    Organization.objects.filter(pk=world.lead.pk).update(name=SEEDS["organization"])
    person = world.case.person
    person.alias = SEEDS["alias"]
    person.legal_name = SEEDS["legal_name"]
    person.chosen_name = SEEDS["chosen_name"]
    person.save()
    set_rule(
        person,
        allowed_channels=["sms", "email"],
        phone=f"+1 {SEEDS['phone']}",
        email="zephyrinealias@example.net",
        address=SEEDS["address"],
        code_word=SEEDS["code_word"],
    )
    service_type = ServiceType.objects.create(code="thistlewick", name=SEEDS["service_type"])
    service = f.PlannedServiceFactory(
        goal=f.GoalFactory(plan=world.case.plan), service_type=service_type
    )
    return person, service


@pytest.mark.django_db
def test_r30_no_message_log_line_or_outbox_row_holds_personal_data(world, settings, caplog):
    settings.HARBOR_SMS_BACKEND = "tasks.sms.ConsoleSmsBackend"  # logs the text it would send
    person, service = _seed_world(world)
    follow_up = FollowUp.objects.create(
        case=world.case,
        kind=FollowUp.Kind.SERVICE_NO_CONTACT,
        about_planned_service=service,
        organization=world.lead,
        assignee=world.advocate,
        due_at=service.goal.plan.created_at,
    )
    caplog.set_level(logging.DEBUG)

    for reason in ALL_REASONS:
        notify(recipient=world.advocate, reason=reason, window="r30", follow_up=follow_up)
        notify_young_person(person=person, reason=reason, window="r30-sms")
    deliver_due()
    set_rule(person, allowed_channels=["email"])
    for reason in ALL_REASONS:
        notify_young_person(person=person, reason=reason, window="r30-email")
    deliver_due()

    sent = Notification.objects.exclude(channel=Channel.IN_APP)
    assert sent.filter(status=Notification.Status.SENT).count() == 3 * len(ALL_REASONS)
    assert len(mail.outbox) == 2 * len(ALL_REASONS)
    produced = [caplog.text]
    for message in mail.outbox:
        headers = {k: v for k, v in message.extra_headers.items() if k.lower() != "to"}
        produced += [message.subject, message.body, message.from_email, str(headers)]
    produced += [" ".join(str(v) for v in row.values()) for row in Notification.objects.values()]
    produced = "\n".join(produced)
    assert "Text message" in produced  # the console backend's lines were captured
    for label, seed in SEEDS.items():
        assert seed.lower() not in produced.lower(), label
