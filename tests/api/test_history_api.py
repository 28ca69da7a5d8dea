"""The change history of a case: who changed which field of which record, from what to what."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.services.care_team import add_care_team_member
from cases.services.intake import save_family_member, update_person, update_safe_contact
from cases.services.lifecycle import close_case
from cases.services.records import add_note, clear_flag, edit_note, raise_flag
from tests import factories as f

pytestmark = pytest.mark.django_db


def _history(client, case) -> list[dict]:
    response = client.get(reverse("case-history-list", args=[case.pk]))
    assert response.status_code == 200, response.data
    return response.json()


def _entries_of(entries: list[dict], record_type: str, record_id: int) -> list[dict]:
    return [e for e in entries if (e["record_type"], e["record_id"]) == (record_type, record_id)]


def _changes(entry: dict) -> dict[str, tuple]:
    return {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}


def test_care_team_reads_who_changed_a_note_from_what_to_what(world, api_for):
    note = add_note(case=world.case, author=world.advocate, body="First")
    edit_note(note=note, actor=world.advocate, changes={"body": "Second"})

    changed, created = _entries_of(
        _history(api_for(world.advocate), world.case), "case_note", note.pk
    )

    assert changed["change_type"] == "changed"
    assert changed["changed_by"] == {"id": world.advocate.pk, "name": world.advocate.full_name}
    assert _changes(changed) == {"body": ("First", "Second")}
    assert created["change_type"] == "created"
    assert _changes(created)["body"] == (None, "First")


def test_history_is_newest_first(world, api_for):
    flag = raise_flag(case=world.case, actor=world.advocate, kind="safety", text="Careful")
    clear_flag(flag=flag, actor=world.supervisor)

    entries = _history(api_for(world.supervisor), world.case)

    stamps = [e["changed_at"] for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert entries[0]["record_type"] == "flag"
    assert _changes(entries[0])["cleared_by"] == (None, world.supervisor.pk)


def test_history_covers_every_tracked_record_of_the_case_and_the_young_person(world, api_for):
    person = world.case.person
    update_person(person=person, actor=world.advocate, changes={"pronouns": "she/her"})
    update_safe_contact(person=person, actor=world.advocate, changes={"allowed_channels": ["sms"]})
    save_family_member(
        actor=world.advocate, person=person, values={"name": "Aunt", "relation": "aunt_uncle"}
    )
    add_care_team_member(
        case=world.case, user=world.other_advocate, role="secondary", actor=world.supervisor
    )
    raise_flag(case=world.case, actor=world.advocate, kind="medical", text="Asthma")
    add_note(case=world.case, author=world.advocate, body="Met")
    service = f.PlannedServiceFactory(goal=f.GoalFactory(plan=world.case.plan))
    f.ReferralFactory(case=world.case, planned_service=service)
    f.CaseTransferFactory(case=world.case)
    f.SystemInvolvementEventFactory(case=world.case)
    close_case(case=world.case, actor=world.advocate, reason="moved")

    entries = _history(api_for(world.advocate), world.case)

    assert {e["record_type"] for e in entries} == {
        "case",
        "care_team_member",
        "flag",
        "case_note",
        "goal",
        "planned_service",
        "referral",
        "case_transfer",
        "system_involvement",
        "person",
        "family_member",
        "safe_contact_rule",
    }


def test_case_status_changes_are_in_the_history(world, api_for):
    close_case(case=world.case, actor=world.advocate, reason="moved")

    changed = _entries_of(_history(api_for(world.advocate), world.case), "case", world.case.pk)[0]

    assert changed["changed_by"]["id"] == world.advocate.pk
    assert _changes(changed)["status"] == ("open", "closed")
    assert _changes(changed)["closed_reason"] == ("", "moved")


def test_a_deleted_record_shows_as_deleted(world, api_for):
    member = f.FamilyMemberFactory(person=world.case.person)
    member_id = member.pk
    member._history_user = world.advocate
    member.delete()

    entries = _entries_of(_history(api_for(world.advocate), world.case), "family_member", member_id)

    assert entries[0]["change_type"] == "deleted"
    assert entries[0]["changed_by"]["id"] == world.advocate.pk


def test_a_save_that_changes_nothing_leaves_no_entry(world, api_for):
    flag = f.FlagFactory(case=world.case)
    flag.save()

    entries = _entries_of(_history(api_for(world.advocate), world.case), "flag", flag.pk)

    assert [e["change_type"] for e in entries] == ["created"]


def test_records_of_the_young_persons_other_case_stay_out_of_this_history(world, api_for):
    elsewhere = f.CaseFactory(lead_organization=world.partner, person=world.case.person)
    note = f.CaseNoteFactory(case=elsewhere)

    entries = _history(api_for(world.advocate), world.case)

    assert not _entries_of(entries, "case_note", note.pk)
    assert not _entries_of(entries, "case", elsewhere.pk)


def test_changes_to_the_young_persons_record_by_another_organization_do_not_name_the_changer(
    world, api_for
):
    f.CaseFactory(lead_organization=world.partner, person=world.case.person)
    update_person(person=world.case.person, actor=world.partner_staff, changes={"gender": "F"})

    entry = _entries_of(
        _history(api_for(world.advocate), world.case), "person", world.case.person_id
    )[0]

    assert entry["changed_by"] is None
    assert _changes(entry)["gender"] == ("", "F")


def test_changes_to_the_young_persons_record_by_the_lead_organization_name_the_changer(
    world, api_for
):
    update_person(person=world.case.person, actor=world.supervisor, changes={"gender": "F"})

    entry = _entries_of(
        _history(api_for(world.advocate), world.case), "person", world.case.person_id
    )[0]

    assert entry["changed_by"]["id"] == world.supervisor.pk


def test_a_partners_answer_to_a_referral_names_who_answered(world, api_for):
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    referral.status = "accepted"
    referral.answered_at = timezone.now()
    referral._history_user = world.partner_staff
    referral.save()

    entry = _entries_of(_history(api_for(world.advocate), world.case), "referral", referral.pk)[0]

    assert entry["changed_by"]["id"] == world.partner_staff.pk
    assert _changes(entry)["status"] == ("sent", "accepted")


def test_supervisor_reads_the_history(world, api_for):
    response = api_for(world.supervisor).get(reverse("case-history-list", args=[world.case.pk]))

    assert response.status_code == 200


def test_young_person_cannot_read_the_history_of_their_case(world, api_for):
    response = api_for(world.young_person).get(reverse("case-history-list", args=[world.case.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize(
    "persona", ["other_advocate", "org_admin", "partner_staff", "superuser", "other_young_person"]
)
def test_history_is_invisible_without_a_basis(world, api_for, persona):
    response = api_for(getattr(world, persona)).get(
        reverse("case-history-list", args=[world.case.pk])
    )

    assert response.status_code == 404


def test_anonymous_cannot_read_the_history(world, api_for):
    response = api_for(None).get(reverse("case-history-list", args=[world.case.pk]))

    assert response.status_code in (401, 403)


def test_a_case_address_that_is_not_a_number_is_not_found(world, api_for):
    assert api_for(world.advocate).get("/api/v1/cases/abc/history/").status_code == 404


def _make_changes(world, count: int) -> None:
    person = world.case.person
    for n in range(count):
        note = add_note(case=world.case, author=world.advocate, body=f"Note {n}")
        edit_note(note=note, actor=world.advocate, changes={"category": "safety"})
        flag = raise_flag(case=world.case, actor=world.advocate, kind="safety", text=f"Flag {n}")
        clear_flag(flag=flag, actor=world.supervisor)
        save_family_member(
            actor=world.advocate, person=person, values={"name": f"R{n}", "relation": "sibling"}
        )
        update_person(person=person, actor=world.advocate, changes={"pronouns": f"p{note.pk}"})
        goal = f.GoalFactory(plan=world.case.plan)
        f.PlannedServiceFactory(goal=goal)
        f.ReferralFactory(case=world.case)
        member = add_care_team_member(
            case=world.case,
            user=f.MembershipFactory(organization=world.lead).user,
            role="secondary",
            actor=world.supervisor,
        )
        member.delete()


def test_history_query_count_does_not_grow_with_changes(world, api_for, constant_queries):
    client = api_for(world.advocate)
    before = len(_history(client, world.case))
    _make_changes(world, 1)
    # viewer (2), the case (1), one per history-tracked model (11)
    with constant_queries(14):
        few = _history(client, world.case)
    _make_changes(world, 49)

    with constant_queries(14):
        many = _history(client, world.case)
    per_round = len(few) - before
    assert per_round == 11
    assert len(many) == before + 50 * per_round
