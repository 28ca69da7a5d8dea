"""Coded demographics, the referral source and system involvement through the API (issue 21):
intake and the person take the coded answers (400 field errors, nothing half written); the lead
staff record, correct and remove what the systems did; nobody else reads it (R17)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, Person
from cases.system_involvement import SystemInvolvementEvent
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
EVENTS = "/api/v1/system-involvement/"
LAST_WEEK = (timezone.localdate() - timedelta(days=7)).isoformat()
EVERY_CATEGORY = ["identity", "contact", "plan", "notes", "documents", "family"]


def _open(api: Any, world: World, **person: Any) -> Any:
    body = {
        "lead_organization": world.lead.pk,
        "person": {"alias": "Sparrow", **person},
        "referral_source": "hotline",
    }
    return api.post(CASES, body, format="json")


def test_intake_takes_the_coded_answers_and_the_referral_source(world, api_for):
    response = _open(
        api_for(world.advocate),
        world,
        race_ethnicity_codes=["white", "middle_eastern_north_african"],
        race_ethnicity="Lebanese and Irish",
        sex="female",
        gender="girl",
        primary_language="ar",
        tribal_affiliation="",
    )

    assert response.status_code == 201, response.data
    person = response.data["person"]
    assert person["race_ethnicity_codes"] == ["middle_eastern_north_african", "white"]
    assert (person["race_ethnicity"], person["sex"], person["gender"]) == (
        "Lebanese and Irish",
        "female",
        "girl",
    )
    assert response.data["referral_source"] == "hotline"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("race_ethnicity_codes", ["not_asked", "asian"]),
        ("race_ethnicity_codes", ["klingon"]),
        ("sex", "unsure"),
        ("primary_language", "Spanish please"),
        ("sexual_orientation", "gay"),  # the world's lead organization does not ask it
    ],
)
def test_a_bad_coded_answer_is_a_400_field_error_and_opens_nothing(world, api_for, field, value):
    before = (Person.objects.count(), Case.objects.count())

    response = _open(api_for(world.advocate), world, **{field: value})

    assert response.status_code == 400
    assert field in str(response.data)
    assert (Person.objects.count(), Case.objects.count()) == before


def test_r34_declining_race_through_the_api_reads_back_as_the_coded_decline(world, api_for):
    api = api_for(world.advocate)

    response = api.patch(
        f"/api/v1/people/{world.case.person_id}/",
        {"declined_fields": ["race_ethnicity"]},
        format="json",
    )

    assert response.status_code == 200, response.data
    assert response.data["race_ethnicity_codes"] == ["prefers_not_to_answer"]


def test_an_org_admin_turns_on_the_orientation_question_and_intake_then_takes_it(world, api_for):
    switched = api_for(world.org_admin).patch(
        f"/api/v1/organizations/{world.lead.pk}/",
        {"collects_sexual_orientation": True},
        format="json",
    )

    response = _open(api_for(world.advocate), world, sexual_orientation="questioning")

    assert switched.status_code == 200 and switched.data["collects_sexual_orientation"] is True
    assert response.status_code == 201, response.data
    assert response.data["person"]["sexual_orientation"] == "questioning"


def test_an_advocate_cannot_turn_on_the_orientation_question(world, api_for):
    response = api_for(world.advocate).patch(
        f"/api/v1/organizations/{world.lead.pk}/",
        {"collects_sexual_orientation": True},
        format="json",
    )

    assert response.status_code == 403
    world.lead.refresh_from_db()
    assert world.lead.collects_sexual_orientation is False


# -- System involvement --------------------------------------------------------------------------


def _record(api: Any, world: World, **fields: Any) -> Any:
    body = {"case": world.case.pk, "kind": "missing_or_runaway", "occurred_on": LAST_WEEK}
    return api.post(EVENTS, body | fields, format="json")


def test_lead_staff_record_correct_and_remove_an_event(world, api_for):
    api = api_for(world.advocate)

    created = _record(api, world, note="Three nights away")
    event_id = created.data["id"]
    corrected = api.patch(
        f"{EVENTS}{event_id}/", {"kind": "law_enforcement_contact"}, format="json"
    )
    removed = api.post(f"{EVENTS}{event_id}/remove/", {"reason": "Wrong case"}, format="json")
    listed = api.get(EVENTS, {"case": world.case.pk})

    assert created.status_code == 201, created.data
    assert corrected.data["kind"] == "law_enforcement_contact"
    assert removed.data["removal_reason"] == "Wrong case" and removed.data["removed_at"]
    assert [row["id"] for row in listed.data["results"]] == [event_id]


@pytest.mark.parametrize(
    "fields",
    [
        {"occurred_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
        {"kind": "sighting"},
        {"occurred_on": ""},
    ],
)
def test_a_bad_event_is_a_400_and_records_nothing(world, api_for, fields):
    response = _record(api_for(world.advocate), world, **fields)

    assert response.status_code == 400
    assert set(fields) <= set(response.data)
    assert not SystemInvolvementEvent.objects.exists()


def test_removing_an_event_without_a_reason_is_a_400(world, api_for):
    api = api_for(world.advocate)
    event_id = _record(api, world).data["id"]

    response = api.post(f"{EVENTS}{event_id}/remove/", {}, format="json")

    assert response.status_code == 400
    assert SystemInvolvementEvent.objects.get(pk=event_id).removed_at is None


def test_lead_staff_correct_the_referral_source(world, api_for):
    response = api_for(world.supervisor).post(
        f"{CASES}{world.case.pk}/referral-source/", {"referral_source": "school"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data["referral_source"] == "school"


def test_r17_a_partner_holding_every_category_sees_no_event_and_no_referral_source(world, api_for):
    event = f.SystemInvolvementEventFactory(case=world.case, note="Held overnight")
    Case.objects.filter(pk=world.case.pk).update(referral_source="law_enforcement")
    grant_consent(world.case, world.partner, EVERY_CATEGORY, by=world.advocate)
    api = api_for(world.partner_staff)

    detail = api.get(f"{EVENTS}{event.pk}/")
    listed = api.get(EVENTS)
    case = api.get(f"{CASES}{world.case.pk}/")

    assert detail.status_code == 404
    assert listed.data["results"] == []
    assert case.status_code == 200 and "referral_source" not in case.data
    assert "gender" not in case.data["person"]


def test_r17_the_young_person_reads_neither_the_events_nor_how_they_came(world, api_for):
    event = f.SystemInvolvementEventFactory(case=world.case)
    api = api_for(world.young_person)

    detail = api.get(f"{EVENTS}{event.pk}/")
    case = api.get(f"{CASES}{world.case.pk}/")

    assert detail.status_code == 404
    assert case.status_code == 200 and "referral_source" not in case.data
