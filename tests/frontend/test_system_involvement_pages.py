"""Coded demographics and what the systems did, on the pages (issue 21): intake asks the coded
questions, the lead staff record, correct and remove system involvement, the organization's admin
decides whether sexual orientation is asked, and no partner view or portal page shows what stays
with the lead organization (R17)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Person
from cases.system_involvement import SystemInvolvementEvent
from providers.models import Organization
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent
from tests.frontend.clients import signed_in, url

pytestmark = pytest.mark.django_db

NOTE = "Found near the Thistlegate rail yard"
EVERY_CATEGORY = ["identity", "contact", "plan", "notes", "documents", "family"]
LAST_WEEK = timezone.localdate() - timedelta(days=7)


def _intake(world: World, **data: object) -> object:
    body = {"lead_organization": world.lead.pk, "birth_date_precision": "unknown", "alias": "Tern"}
    return signed_in(world.intake).post(reverse("frontend:case-open"), body | data)


def _lead_only_record(world: World) -> SystemInvolvementEvent:
    Case.objects.filter(pk=world.case.pk).update(referral_source="juvenile_justice")
    Person.objects.filter(pk=world.case.person_id).update(
        gender="Moonwise", race_ethnicity_codes=["asian"]
    )
    return f.SystemInvolvementEventFactory(
        case=world.case, recorded_by=world.advocate, kind="detention", note=NOTE
    )


def test_intake_records_the_coded_answers_and_how_the_young_person_came(world: World) -> None:
    response = _intake(
        world,
        race_ethnicity_codes=["black_african_american", "hispanic_latino"],
        sex="male",
        gender="boy",
        primary_language="es",
        tribal_affiliation="Example Band",
        referral_source="school",
    )

    assert response.status_code == 302
    case = Case.objects.get(person__alias="Tern")
    person = case.person
    assert person.race_ethnicity_codes == ["black_african_american", "hispanic_latino"]
    assert (person.sex, person.gender, person.primary_language) == ("male", "boy", "es")
    assert (person.tribal_affiliation, case.referral_source) == ("Example Band", "school")


def test_a_standalone_answer_beside_another_is_a_form_error_and_opens_nothing(world: World) -> None:
    response = _intake(world, race_ethnicity_codes=["prefers_not_to_answer", "white"])

    assert response.status_code == 400
    assert "cannot be chosen with other answers" in response.content.decode()
    assert not Person.objects.filter(alias="Tern").exists()


def test_intake_asks_sexual_orientation_only_where_the_organization_chose_to(world: World) -> None:
    page = reverse("frontend:case-open")
    before = signed_in(world.intake).get(page).content.decode()
    Organization.objects.filter(pk=world.lead.pk).update(collects_sexual_orientation=True)
    after = signed_in(world.intake).get(page).content.decode()

    assert 'name="sexual_orientation"' not in before
    assert 'name="sexual_orientation"' in after


def test_the_org_admin_turns_the_orientation_question_on_from_the_directory_entry(
    world: World,
) -> None:
    entry = reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})
    client = signed_in(world.org_admin)
    body = {
        "name": world.lead.name,
        "kind": world.lead.kind,
        "description": "Youth advocacy.",
        "service_area": "",
        "collects_sexual_orientation": "on",
    }

    assert 'name="collects_sexual_orientation"' in client.get(entry).content.decode()
    assert client.post(entry, body).status_code == 302
    assert Organization.objects.get(pk=world.lead.pk).collects_sexual_orientation


def test_lead_staff_record_an_event_and_find_it_on_the_case(world: World) -> None:
    client = signed_in(world.advocate)

    response = client.post(
        url("system-involvement", world),
        {"kind": "missing_or_runaway", "occurred_on": LAST_WEEK.isoformat(), "note": NOTE},
    )
    case_page = client.get(url("case", world)).content.decode()

    assert response.status_code == 302
    assert SystemInvolvementEvent.objects.get().kind == "missing_or_runaway"
    assert NOTE in case_page and "Missing or runaway episode" in case_page


def test_an_event_dated_tomorrow_is_a_form_error_and_records_nothing(world: World) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = signed_in(world.advocate).post(
        url("system-involvement", world), {"kind": "arrest", "occurred_on": tomorrow.isoformat()}
    )

    assert response.status_code == 400
    assert not SystemInvolvementEvent.objects.exists()


def test_lead_staff_correct_the_referral_source_on_the_same_page(world: World) -> None:
    response = signed_in(world.supervisor).post(
        url("system-involvement", world), {"referral_source": "health_care"}
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=world.case.pk).referral_source == "health_care"


def test_lead_staff_correct_an_event_and_remove_it_saying_why(world: World) -> None:
    event = _lead_only_record(world)
    client = signed_in(world.advocate)
    edit = url("system-involvement-edit", world, event_id=event.pk)
    remove = url("system-involvement-remove", world, event_id=event.pk)

    corrected = client.post(edit, {"kind": "arrest", "occurred_on": LAST_WEEK.isoformat()})
    no_reason = client.post(remove, {"reason": ""})
    removed = client.post(remove, {"reason": "Recorded on the wrong case"})

    event.refresh_from_db()
    assert corrected.status_code == 302 and no_reason.status_code == 400
    assert removed.status_code == 302
    assert (event.kind, event.removal_reason) == ("arrest", "Recorded on the wrong case")
    assert (
        "Recorded on the wrong case"
        in client.get(url("system-involvement", world)).content.decode()
    )


def test_r44_a_second_correction_from_the_same_reading_is_refused_and_keeps_what_was_typed(
    world: World,
) -> None:
    event = _lead_only_record(world)
    edit = url("system-involvement-edit", world, event_id=event.pk)
    first, second = signed_in(world.advocate), signed_in(world.supervisor)
    read_first, read_second = _version(first.get(edit)), _version(second.get(edit))
    when = LAST_WEEK.isoformat()

    saved = first.post(edit, {"kind": "arrest", "occurred_on": when, "version": read_first})
    refused = second.post(
        edit, {"kind": "detention", "occurred_on": when, "note": "x", "version": read_second}
    )

    event.refresh_from_db()
    assert saved.status_code == 302 and refused.status_code == 400
    assert "Someone else saved this record after you opened it" in refused.content.decode()
    assert event.kind == "arrest" and event.note != "x"
    again = second.post(
        edit, {"kind": "detention", "occurred_on": when, "version": _version(refused)}
    )
    event.refresh_from_db()
    assert again.status_code == 302 and event.kind == "detention"


def _version(page) -> str:
    return re.search(r'name="version" value="([^"]*)"', page.content.decode()).group(1)


def test_r17_the_partner_view_shows_the_coded_answers_but_never_what_stays_with_the_lead(
    world: World,
) -> None:
    _lead_only_record(world)
    grant_consent(world.case, world.partner, EVERY_CATEGORY, by=world.advocate)

    page = signed_in(world.partner_staff).get(
        reverse("frontend:partner-case", kwargs={"case_id": world.case.pk})
    )

    body = page.content.decode()
    assert page.status_code == 200 and "Asian" in body
    for lead_only in (NOTE, "Juvenile justice", "Detention", "Moonwise"):
        assert lead_only not in body, lead_only


@pytest.mark.parametrize("name", ["portal-home", "portal-export", "portal-export-json"])
def test_r17_the_portal_shows_the_young_person_no_system_involvement(world: World, name) -> None:
    _lead_only_record(world)

    body = signed_in(world.young_person).get(reverse(f"frontend:{name}")).content.decode()

    for lead_only in (NOTE, "Juvenile justice", "juvenile_justice", "Detention", "detention"):
        assert lead_only not in body, lead_only
