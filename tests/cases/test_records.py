"""The record services: notes, contacts and flags validate their input and record who did what."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.errors import TransitionNotAllowed
from cases.models import CaseNote, Contact, Flag, PlannedService
from cases.services.records import add_contact, add_note, clear_flag, edit_note, raise_flag
from tests import factories as f

pytestmark = pytest.mark.django_db


def _service_of(case) -> PlannedService:
    return f.PlannedServiceFactory(goal=f.GoalFactory(plan=case.plan))


def _contact(world, **overrides) -> Contact:
    values = {
        "case": world.case,
        "actor": world.advocate,
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "channel": Contact.Channel.CALL,
        "outcome": Contact.Outcome.REACHED,
    }
    return add_contact(**{**values, **overrides})


# Notes


def test_note_is_written_in_the_name_of_the_lead_organization(world):
    note = add_note(case=world.case, author=world.advocate, body="  Met at school.  ")

    assert note.organization == world.lead
    assert note.author == world.advocate
    assert note.body == "Met at school."
    assert note.category == CaseNote.Category.GENERAL
    assert note.staff_only is False


def test_note_history_names_its_author(world):
    note = add_note(case=world.case, author=world.advocate, body="Met at school.")

    assert note.history.get().history_user == world.advocate


def test_staff_of_another_organization_cannot_write_a_note(world):
    with pytest.raises(ValidationError) as error:
        add_note(case=world.case, author=world.partner_staff, body="Hello")

    assert "author" in error.value.message_dict
    assert not CaseNote.objects.exists()


def test_suspended_staff_cannot_write_a_note(world):
    world.advocate.memberships.update(is_active=False)

    with pytest.raises(ValidationError):
        add_note(case=world.case, author=world.advocate, body="Hello")


def test_a_blank_note_is_refused(world):
    with pytest.raises(ValidationError) as error:
        add_note(case=world.case, author=world.advocate, body="   ")

    assert "body" in error.value.message_dict
    assert not CaseNote.objects.exists()


def test_a_note_with_an_unknown_category_is_refused(world):
    with pytest.raises(ValidationError) as error:
        add_note(case=world.case, author=world.advocate, body="Hello", category="gossip")

    assert "category" in error.value.message_dict


def test_author_edits_their_note_and_the_history_keeps_the_old_text(world):
    note = add_note(case=world.case, author=world.advocate, body="First")

    edit_note(note=note, actor=world.advocate, changes={"body": "Second", "staff_only": True})

    note.refresh_from_db()
    assert (note.body, note.staff_only) == ("Second", True)
    assert [h.body for h in note.history.order_by("history_id")] == ["First", "Second"]


def test_only_the_author_edits_a_note(world):
    note = add_note(case=world.case, author=world.advocate, body="First")

    with pytest.raises(PermissionDenied):
        edit_note(note=note, actor=world.supervisor, changes={"body": "Mine now"})

    note.refresh_from_db()
    assert note.body == "First"


def test_a_note_without_a_recorded_author_cannot_be_edited(world):
    note = f.CaseNoteFactory(case=world.case, author=None)

    with pytest.raises(PermissionDenied):
        edit_note(note=note, actor=world.advocate, changes={"body": "Mine now"})


def test_editing_a_note_to_blank_is_refused_and_changes_nothing(world):
    note = add_note(case=world.case, author=world.advocate, body="First")

    with pytest.raises(ValidationError):
        edit_note(note=note, actor=world.advocate, changes={"body": ""})

    note.refresh_from_db()
    assert note.body == "First"


def test_editing_a_note_ignores_fields_that_are_not_editable(world):
    note = add_note(case=world.case, author=world.advocate, body="First")

    edit_note(note=note, actor=world.advocate, changes={"organization_id": world.partner.pk})

    note.refresh_from_db()
    assert note.organization == world.lead


# Contacts


def test_contact_is_logged_by_the_actor_for_the_lead_organization(world):
    contact = _contact(world, summary="  Checked in.  ")

    assert (contact.staff, contact.organization) == (world.advocate, world.lead)
    assert contact.summary == "Checked in."


def test_a_contact_cannot_be_logged_in_the_future(world):
    with pytest.raises(ValidationError) as error:
        _contact(world, occurred_at=timezone.now() + dt.timedelta(minutes=5))

    assert "occurred_at" in error.value.message_dict
    assert not Contact.objects.exists()


@pytest.mark.parametrize("field", ["channel", "outcome", "contact_with"])
def test_a_contact_with_an_unknown_choice_is_refused(world, field):
    with pytest.raises(ValidationError) as error:
        _contact(world, **{field: "pigeon"})

    assert field in error.value.message_dict


def test_staff_of_another_organization_cannot_log_a_contact(world):
    with pytest.raises(ValidationError) as error:
        _contact(world, actor=world.partner_staff)

    assert "staff" in error.value.message_dict


def test_a_contact_about_a_service_of_another_case_is_refused(world):
    elsewhere = _service_of(f.CaseFactory(lead_organization=world.lead))

    with pytest.raises(ValidationError) as error:
        _contact(world, planned_service=elsewhere)

    assert "planned_service" in error.value.message_dict
    assert not Contact.objects.exists()
    elsewhere.refresh_from_db()
    assert elsewhere.last_contact_at is None


def test_a_contact_about_a_service_restarts_its_clock(world):
    service = _service_of(world.case)
    when = timezone.now() - dt.timedelta(hours=2)

    contact = _contact(world, planned_service=service, occurred_at=when)

    service.refresh_from_db()
    assert contact.planned_service == service
    assert service.last_contact_at == when
    assert service.history.latest().history_user == world.advocate


def test_an_older_contact_leaves_a_later_service_clock_alone(world):
    service = _service_of(world.case)
    later = timezone.now() - dt.timedelta(hours=1)
    _contact(world, planned_service=service, occurred_at=later)

    _contact(world, planned_service=service, occurred_at=later - dt.timedelta(days=3))

    service.refresh_from_db()
    assert service.last_contact_at == later


# Flags


def test_raising_a_flag_records_who_raised_it(world):
    flag = raise_flag(case=world.case, actor=world.advocate, kind="court_date", text=" June 3 ")

    assert (flag.raised_by, flag.text, flag.cleared_at) == (world.advocate, "June 3", None)
    assert flag.history.get().history_user == world.advocate


@pytest.mark.parametrize(
    ("kind", "text", "field"),
    [("safety", "  ", "text"), ("safety", "x" * 141, "text"), ("weather", "Storm", "kind")],
)
def test_a_flag_needs_a_known_kind_and_short_text(world, kind, text, field):
    with pytest.raises(ValidationError) as error:
        raise_flag(case=world.case, actor=world.advocate, kind=kind, text=text)

    assert field in error.value.message_dict
    assert not Flag.objects.exists()


def test_staff_of_another_organization_cannot_raise_a_flag(world):
    with pytest.raises(ValidationError):
        raise_flag(case=world.case, actor=world.partner_staff, kind="safety", text="Careful")


def test_clearing_a_flag_records_who_cleared_it_and_when(world):
    flag = raise_flag(case=world.case, actor=world.advocate, kind="medical", text="Asthma")

    clear_flag(flag=flag, actor=world.supervisor)

    flag.refresh_from_db()
    assert flag.cleared_by == world.supervisor
    assert flag.cleared_at is not None
    assert flag.history.latest().history_user == world.supervisor


def test_a_cleared_flag_cannot_be_cleared_again(world):
    flag = raise_flag(case=world.case, actor=world.advocate, kind="medical", text="Asthma")
    clear_flag(flag=flag, actor=world.advocate)
    first = Flag.objects.get(pk=flag.pk).cleared_at

    with pytest.raises(TransitionNotAllowed) as error:
        clear_flag(flag=flag, actor=world.supervisor)

    assert error.value.allowed == []
    flag.refresh_from_db()
    assert (flag.cleared_by, flag.cleared_at) == (world.advocate, first)


def test_staff_of_another_organization_cannot_clear_a_flag(world):
    flag = raise_flag(case=world.case, actor=world.advocate, kind="medical", text="Asthma")

    with pytest.raises(ValidationError):
        clear_flag(flag=flag, actor=world.partner_staff)

    flag.refresh_from_db()
    assert flag.cleared_at is None
