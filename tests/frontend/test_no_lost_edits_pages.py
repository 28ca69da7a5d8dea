"""R44 on pages: two people open the same edit form; the first to save wins, the second is
told, sees the newer values, keeps what they typed, and saves over them only by saving again.
Two real sessions, as two browsers would be."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import SafeContactRule
from cases.services.plans import add_goal, add_planned_service
from tasks.models import ContinuityRules
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

VERSION = re.compile(r'name="version" value="([^"]*)"')
STALE = "Someone else saved this record after you opened it"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _version(page) -> str:
    return VERSION.search(page.content.decode()).group(1)


def _person_form(world: World, **fields: str) -> dict:
    return {
        "alias": "Robin",
        "chosen_name": "",
        "legal_name": "",
        "pronouns": "",
        "birth_date_precision": "unknown",
        "gender": "",
        "race_ethnicity": "",
        "area": "",
        "languages": "",
        **fields,
    }


def test_r44_the_second_save_of_a_person_is_refused_and_keeps_what_was_typed(world: World):
    url = reverse("frontend:person-edit", kwargs={"case_id": world.case.pk})
    first, second = _client(world.advocate), _client(world.supervisor)
    read_first, read_second = _version(first.get(url)), _version(second.get(url))

    saved = first.post(url, _person_form(world, pronouns="she/her", version=read_first))
    refused = second.post(url, _person_form(world, pronouns="he/him", version=read_second))

    assert saved.status_code == 302
    assert refused.status_code == 400
    page = refused.content.decode()
    assert STALE in page
    assert "Pronouns: she/her" in page  # the newer value
    assert 'value="he/him"' in page  # what they typed is still in the form
    world.case.person.refresh_from_db()
    assert world.case.person.pronouns == "she/her"
    again = second.post(url, _person_form(world, pronouns="he/him", version=_version(refused)))
    assert again.status_code == 302
    world.case.person.refresh_from_db()
    assert world.case.person.pronouns == "he/him"


def test_r44_a_stale_safe_contact_form_cannot_bring_back_a_channel_ruled_out(world: World):
    rule = SafeContactRule.objects.get(person=world.case.person)
    rule.allowed_channels = ["sms", "call"]
    rule.save()
    url = reverse("frontend:safe-contact", kwargs={"case_id": world.case.pk})
    first, second = _client(world.advocate), _client(world.supervisor)
    read_first, read_second = _version(first.get(url)), _version(second.get(url))
    form = {"confirmed_with_young_person": "on", "code_word": "", "notes": ""}

    first.post(url, {**form, "allowed_channels": ["sms"], "version": read_first})  # no calls
    refused = second.post(
        url, {**form, "allowed_channels": ["sms", "call"], "version": read_second}
    )

    assert refused.status_code == 400
    assert STALE in refused.content.decode()
    rule.refresh_from_db()
    assert rule.allowed_channels == ["sms"]


def test_r44_a_stale_family_member_form_is_refused(world: World):
    member = f.FamilyMemberFactory(person=world.case.person, name="Aunt May", relation="aunt_uncle")
    url = reverse("frontend:family-edit", kwargs={"case_id": world.case.pk, "member_id": member.pk})
    first, second = _client(world.advocate), _client(world.supervisor)
    read_first, read_second = _version(first.get(url)), _version(second.get(url))
    form = {"name": "Aunt May", "relation": "aunt_uncle", "relation_other": ""}

    saved = first.post(url, {**form, "notes": "Lives nearby", "version": read_first})
    refused = second.post(url, {**form, "notes": "Moved away", "version": read_second})

    assert saved.status_code == 302
    assert refused.status_code == 400 and STALE in refused.content.decode()
    member.refresh_from_db()
    assert member.notes == "Lives nearby"


def test_r44_stale_continuity_rules_are_refused_even_before_any_were_saved(world: World):
    url = reverse("frontend:continuity-rules", kwargs={"organization_id": world.lead.pk})
    first, second = _client(world.supervisor), _client(world.org_admin)
    page_first, page_second = first.get(url), second.get(url)
    form = {
        "time_zone": "America/Chicago",
        "referral_answer_business_days": "2",
        "referral_escalation_business_days": "5",
        "referral_expiry_business_days": "15",
        "default_contact_days": "14",
        "plan_review_days": "90",
        "consent_renewal_days": "14",
        "overdue_grace_days": "3",
    }

    first.post(url, {**form, "caseload_limit": "20", "version": _version(page_first)})
    refused = second.post(url, {**form, "caseload_limit": "40", "version": _version(page_second)})

    assert refused.status_code == 400 and STALE in refused.content.decode()
    assert ContinuityRules.objects.get(organization=world.lead).caseload_limit == 20


def test_r44_a_stale_goal_or_planned_service_form_is_refused(world: World):
    goal = add_goal(case=world.case, description="School", domain="education", actor=world.advocate)
    service = add_planned_service(
        case=world.case,
        goal=goal,
        actor=world.advocate,
        service_type=f.service_type("housing_navigation"),
        provider=world.lead,
    )
    goal_url = reverse(
        "frontend:plan-goal-edit", kwargs={"case_id": world.case.pk, "goal_id": goal.pk}
    )
    service_url = reverse(
        "frontend:plan-service-edit", kwargs={"case_id": world.case.pk, "service_id": service.pk}
    )
    first, second = _client(world.advocate), _client(world.supervisor)
    goal_first, goal_second = _version(first.get(goal_url)), _version(second.get(goal_url))
    service_first = _version(first.get(service_url))
    service_second = _version(second.get(service_url))
    goal_form = {"domain": "education", "status": goal.status}
    service_form = {"service_type": service.service_type_id, "provider": world.lead.pk}

    first.post(goal_url, {**goal_form, "description": "Finish school", "version": goal_first})
    goal_refused = second.post(
        goal_url, {**goal_form, "description": "Start work", "version": goal_second}
    )
    first.post(
        service_url, {**service_form, "expected_contact_days": "7", "version": service_first}
    )
    service_refused = second.post(
        service_url, {**service_form, "expected_contact_days": "30", "version": service_second}
    )

    assert goal_refused.status_code == service_refused.status_code == 400
    assert STALE in goal_refused.content.decode() and STALE in service_refused.content.decode()
    goal.refresh_from_db()
    service.refresh_from_db()
    assert (goal.description, service.expected_contact_days) == ("Finish school", 7)
