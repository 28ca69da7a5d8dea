"""The records endpoints: notes, contacts and flags of a case."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseNote, Contact, Flag
from tests import factories as f

pytestmark = pytest.mark.django_db

OUTSIDERS = ["other_advocate", "org_admin", "partner_staff", "superuser", "other_young_person"]


def _hour_ago() -> str:
    return (timezone.now() - dt.timedelta(hours=1)).isoformat()


def _contact_input(case, **overrides) -> dict:
    return {
        "case": case.pk,
        "occurred_at": _hour_ago(),
        "channel": "call",
        "outcome": "reached",
        **overrides,
    }


def _service_of(case):
    return f.PlannedServiceFactory(goal=f.GoalFactory(plan=case.plan))


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


# Notes


def test_advocate_writes_a_note_in_the_lead_organizations_name(world, api_for):
    response = api_for(world.advocate).post(
        reverse("note-list"),
        {"case": world.case.pk, "body": "Met at school.", "category": "education"},
    )

    assert response.status_code == 201, response.data
    note = CaseNote.objects.get(pk=response.data["id"])
    assert (note.author, note.organization, note.category) == (
        world.advocate,
        world.lead,
        "education",
    )
    assert response.data["author_detail"]["id"] == world.advocate.pk


def test_supervisor_writes_a_staff_only_note(world, api_for):
    response = api_for(world.supervisor).post(
        reverse("note-list"), {"case": world.case.pk, "body": "Watch for", "staff_only": True}
    )

    assert response.status_code == 201
    assert response.data["staff_only"] is True


def test_young_person_cannot_write_a_note(world, api_for):
    response = api_for(world.young_person).post(
        reverse("note-list"), {"case": world.case.pk, "body": "Hi"}
    )

    assert response.status_code == 403
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_note_on_a_case_without_a_basis_is_refused_as_an_unknown_case(world, api_for, persona):
    response = api_for(getattr(world, persona)).post(
        reverse("note-list"), {"case": world.case.pk, "body": "Hi"}
    )

    assert response.status_code == 400
    assert "case" in response.data
    assert not CaseNote.objects.exists()


def test_a_blank_note_is_a_field_error_and_writes_nothing(world, api_for):
    response = api_for(world.advocate).post(
        reverse("note-list"), {"case": world.case.pk, "body": "  "}
    )

    assert response.status_code == 400
    assert "body" in response.data
    assert not CaseNote.objects.exists()


def test_a_note_with_an_unknown_category_is_a_field_error(world, api_for):
    response = api_for(world.advocate).post(
        reverse("note-list"), {"case": world.case.pk, "body": "Hi", "category": "gossip"}
    )

    assert response.status_code == 400
    assert "category" in response.data


def test_notes_are_listed_by_case_and_category(world, api_for):
    wanted = f.CaseNoteFactory(case=world.case, category="health")
    f.CaseNoteFactory(case=world.case, category="legal")
    f.CaseNoteFactory(case=f.CaseFactory(lead_organization=world.lead), category="health")

    response = api_for(world.supervisor).get(
        reverse("note-list"), {"case": world.case.pk, "category": "health"}
    )

    assert _ids(response) == [wanted.pk]


def test_young_person_reads_only_the_notes_of_their_case_that_are_not_staff_only(world, api_for):
    shared = f.CaseNoteFactory(case=world.case)
    hidden = f.CaseNoteFactory(case=world.case, staff_only=True)
    client = api_for(world.young_person)

    listed = client.get(reverse("note-list"))

    assert _ids(listed) == [shared.pk]
    assert client.get(reverse("note-detail", args=[shared.pk])).status_code == 200
    assert client.get(reverse("note-detail", args=[hidden.pk])).status_code == 404


def test_care_team_reads_staff_only_notes(world, api_for):
    hidden = f.CaseNoteFactory(case=world.case, staff_only=True)

    response = api_for(world.advocate).get(reverse("note-detail", args=[hidden.pk]))

    assert response.status_code == 200
    assert response.data["body"] == hidden.body


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_notes_are_invisible_without_a_basis(world, api_for, persona):
    note = f.CaseNoteFactory(case=world.case)
    client = api_for(getattr(world, persona))

    assert client.get(reverse("note-detail", args=[note.pk])).status_code == 404
    assert note.pk not in _ids(client.get(reverse("note-list")))
    assert client.patch(reverse("note-detail", args=[note.pk]), {"body": "x"}).status_code == 404


def test_author_edits_their_note(world, api_for):
    note = f.CaseNoteFactory(case=world.case, author=world.advocate, body="First")

    response = api_for(world.advocate).patch(
        reverse("note-detail", args=[note.pk]), {"body": "Second", "category": "safety"}
    )

    assert response.status_code == 200, response.data
    note.refresh_from_db()
    assert (note.body, note.category) == ("Second", "safety")


def test_someone_else_on_the_case_cannot_edit_a_note(world, api_for):
    note = f.CaseNoteFactory(case=world.case, author=world.advocate, body="First")

    response = api_for(world.supervisor).patch(
        reverse("note-detail", args=[note.pk]), {"body": "Mine"}
    )

    assert response.status_code == 403
    note.refresh_from_db()
    assert note.body == "First"


def test_young_person_cannot_edit_a_note_they_can_read(world, api_for):
    note = f.CaseNoteFactory(case=world.case, author=world.advocate)

    response = api_for(world.young_person).patch(
        reverse("note-detail", args=[note.pk]), {"body": "Mine"}
    )

    assert response.status_code == 403


def test_author_who_left_the_care_team_can_no_longer_edit(world, api_for):
    note = f.CaseNoteFactory(case=world.case, author=world.advocate)
    for member in world.case.care_team.all():
        member.until = timezone.localdate()
        member.save()

    response = api_for(world.advocate).patch(
        reverse("note-detail", args=[note.pk]), {"body": "Late"}
    )

    assert response.status_code == 404


def test_editing_a_note_to_blank_is_a_field_error_and_changes_nothing(world, api_for):
    note = f.CaseNoteFactory(case=world.case, author=world.advocate, body="First")

    response = api_for(world.advocate).patch(reverse("note-detail", args=[note.pk]), {"body": ""})

    assert response.status_code == 400
    assert "body" in response.data
    note.refresh_from_db()
    assert note.body == "First"


def test_a_note_cannot_be_replaced_or_deleted(world, api_for):
    note = f.CaseNoteFactory(case=world.case, author=world.advocate)
    client = api_for(world.advocate)
    url = reverse("note-detail", args=[note.pk])

    assert client.put(url, {"case": world.case.pk, "body": "New"}).status_code == 405
    assert client.delete(url).status_code == 405
    assert CaseNote.objects.filter(pk=note.pk).exists()


def test_a_note_address_that_is_not_a_number_is_not_found(world, api_for):
    response = api_for(world.advocate).patch("/api/v1/notes/abc/", {"body": "x"})

    assert response.status_code == 404


def test_note_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    f.CaseNoteFactory(case=world.case, author=world.advocate)
    with constant_queries(4):  # viewer (2), page with authors, lead basis
        assert len(client.get(reverse("note-list")).data["results"]) == 1
    for _ in range(49):
        case = f.CaseFactory(lead_organization=world.lead)
        f.CaseNoteFactory(case=case, author=f.UserFactory())

    with constant_queries(4):
        response = client.get(reverse("note-list"))
    assert len(response.data["results"]) == 50


def test_young_persons_note_list_query_count_does_not_grow_with_rows(
    world, api_for, constant_queries
):
    client = api_for(world.young_person)
    f.CaseNoteFactory(case=world.case, author=world.advocate)
    with constant_queries(4):
        assert len(client.get(reverse("note-list")).data["results"]) == 1
    for _ in range(49):
        f.CaseNoteFactory(case=world.case, author=f.UserFactory())
        f.CaseNoteFactory(case=world.case, author=world.advocate, staff_only=True)

    with constant_queries(4):
        response = client.get(reverse("note-list"))
    assert len(response.data["results"]) == 50


# Contacts


def test_advocate_logs_a_contact(world, api_for):
    response = api_for(world.advocate).post(
        reverse("contact-list"), _contact_input(world.case, channel="sms", summary="Checked in")
    )

    assert response.status_code == 201, response.data
    contact = Contact.objects.get(pk=response.data["id"])
    assert (contact.staff, contact.organization, contact.channel) == (
        world.advocate,
        world.lead,
        "sms",
    )


def test_a_contact_about_a_planned_service_restarts_its_clock(world, api_for):
    service = _service_of(world.case)
    when = timezone.now() - dt.timedelta(hours=3)

    response = api_for(world.advocate).post(
        reverse("contact-list"),
        _contact_input(world.case, planned_service=service.pk, occurred_at=when.isoformat()),
    )

    assert response.status_code == 201, response.data
    service.refresh_from_db()
    assert service.last_contact_at == when


def test_a_contact_about_a_service_of_another_visible_case_is_a_field_error(world, api_for):
    other = f.CaseFactory(lead_organization=world.lead)
    service = _service_of(other)

    response = api_for(world.supervisor).post(
        reverse("contact-list"), _contact_input(world.case, planned_service=service.pk)
    )

    assert response.status_code == 400
    assert "planned_service" in response.data
    assert not Contact.objects.exists()


def test_a_contact_about_an_invisible_service_is_a_field_error(world, api_for):
    service = _service_of(f.CaseFactory(lead_organization=world.partner))

    response = api_for(world.advocate).post(
        reverse("contact-list"), _contact_input(world.case, planned_service=service.pk)
    )

    assert response.status_code == 400
    assert "planned_service" in response.data


def test_a_contact_in_the_future_is_a_field_error_and_writes_nothing(world, api_for):
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()

    response = api_for(world.advocate).post(
        reverse("contact-list"), _contact_input(world.case, occurred_at=later)
    )

    assert response.status_code == 400
    assert "occurred_at" in response.data
    assert not Contact.objects.exists()


def test_a_contact_needs_a_known_channel_and_outcome(world, api_for):
    response = api_for(world.advocate).post(
        reverse("contact-list"), _contact_input(world.case, channel="pigeon", outcome="maybe")
    )

    assert response.status_code == 400
    assert {"channel", "outcome"} <= set(response.data)


def test_young_person_cannot_log_a_contact(world, api_for):
    response = api_for(world.young_person).post(reverse("contact-list"), _contact_input(world.case))

    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_contacts_are_listed_by_case_and_planned_service(world, api_for):
    service = _service_of(world.case)
    wanted = f.ContactFactory(case=world.case, planned_service=service)
    f.ContactFactory(case=world.case)
    f.ContactFactory(case=f.CaseFactory(lead_organization=world.lead))
    client = api_for(world.supervisor)

    by_service = client.get(reverse("contact-list"), {"planned_service": service.pk})
    by_case = client.get(reverse("contact-list"), {"case": world.case.pk})

    assert _ids(by_service) == [wanted.pk]
    assert len(_ids(by_case)) == 2


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_contacts_are_invisible_without_a_basis(world, api_for, persona):
    contact = f.ContactFactory(case=world.case)
    client = api_for(getattr(world, persona))

    assert client.get(reverse("contact-detail", args=[contact.pk])).status_code == 404
    assert contact.pk not in _ids(client.get(reverse("contact-list")))


def test_contact_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    f.ContactFactory(case=world.case, staff=world.advocate)
    with constant_queries(3):  # viewer (2), page with staff
        assert len(client.get(reverse("contact-list")).data["results"]) == 1
    for _ in range(49):
        f.ContactFactory(case=f.CaseFactory(lead_organization=world.lead), staff=f.UserFactory())

    with constant_queries(3):
        response = client.get(reverse("contact-list"))
    assert len(response.data["results"]) == 50


# Flags


def test_advocate_raises_a_flag(world, api_for):
    response = api_for(world.advocate).post(
        reverse("flag-list"),
        {"case": world.case.pk, "kind": "do_not_contact", "text": "Do not contact father"},
    )

    assert response.status_code == 201, response.data
    assert response.data["is_current"] is True
    assert response.data["raised_by_detail"]["id"] == world.advocate.pk
    assert Flag.objects.get(pk=response.data["id"]).raised_by == world.advocate


def test_a_flag_with_an_unknown_kind_or_no_text_is_a_field_error(world, api_for):
    response = api_for(world.advocate).post(
        reverse("flag-list"), {"case": world.case.pk, "kind": "weather", "text": ""}
    )

    assert response.status_code == 400
    assert {"kind", "text"} <= set(response.data)
    assert not Flag.objects.exists()


def test_young_person_cannot_raise_a_flag(world, api_for):
    response = api_for(world.young_person).post(
        reverse("flag-list"), {"case": world.case.pk, "kind": "safety", "text": "x"}
    )

    assert response.status_code == 403


def test_flag_list_shows_current_flags_of_a_case(world, api_for):
    current = f.FlagFactory(case=world.case)
    f.FlagFactory(case=world.case, cleared_at=timezone.now())
    f.FlagFactory(case=f.CaseFactory(lead_organization=world.lead))

    response = api_for(world.supervisor).get(
        reverse("flag-list"), {"case": world.case.pk, "current": "true"}
    )

    assert _ids(response) == [current.pk]


def test_flag_list_can_show_cleared_flags_only(world, api_for):
    f.FlagFactory(case=world.case)
    cleared = f.FlagFactory(case=world.case, cleared_at=timezone.now())

    response = api_for(world.advocate).get(reverse("flag-list"), {"current": "false"})

    assert _ids(response) == [cleared.pk]


def test_clearing_a_flag_records_who_cleared_it(world, api_for):
    flag = f.FlagFactory(case=world.case)

    response = api_for(world.supervisor).post(reverse("flag-clear", args=[flag.pk]))

    assert response.status_code == 200
    assert response.data["is_current"] is False
    assert response.data["cleared_by_detail"]["id"] == world.supervisor.pk
    flag.refresh_from_db()
    assert flag.cleared_by == world.supervisor and flag.cleared_at is not None


def test_a_cleared_flag_cannot_be_cleared_twice(world, api_for):
    flag = f.FlagFactory(case=world.case)
    client = api_for(world.advocate)
    client.post(reverse("flag-clear", args=[flag.pk]))

    response = client.post(reverse("flag-clear", args=[flag.pk]))

    assert response.status_code == 400
    assert response.data["allowed"] == []
    flag.refresh_from_db()
    assert flag.cleared_by == world.advocate


def test_young_person_sees_the_flags_of_their_case_but_cannot_clear_them(world, api_for):
    flag = f.FlagFactory(case=world.case)
    client = api_for(world.young_person)

    assert client.get(reverse("flag-detail", args=[flag.pk])).status_code == 200
    assert client.post(reverse("flag-clear", args=[flag.pk])).status_code == 403
    flag.refresh_from_db()
    assert flag.cleared_at is None


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_flags_are_invisible_without_a_basis(world, api_for, persona):
    flag = f.FlagFactory(case=world.case)
    client = api_for(getattr(world, persona))

    assert client.get(reverse("flag-detail", args=[flag.pk])).status_code == 404
    assert client.post(reverse("flag-clear", args=[flag.pk])).status_code == 404
    assert flag.pk not in _ids(client.get(reverse("flag-list")))
    flag.refresh_from_db()
    assert flag.cleared_at is None


def test_flag_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    f.FlagFactory(case=world.case, raised_by=world.advocate)
    with constant_queries(3):  # viewer (2), page with who raised and cleared
        assert len(client.get(reverse("flag-list")).data["results"]) == 1
    for _ in range(49):
        f.FlagFactory(
            case=f.CaseFactory(lead_organization=world.lead),
            raised_by=f.UserFactory(),
            cleared_by=f.UserFactory(),
            cleared_at=timezone.now(),
        )

    with constant_queries(3):
        response = client.get(reverse("flag-list"))
    assert len(response.data["results"]) == 50
