"""The young person's record: identity (R34), safe-contact rules (R28) and family members."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, FamilyMember, Person, SafeContactRule
from tests import factories as f

pytestmark = pytest.mark.django_db

OUTSIDERS = ["other_advocate", "org_admin", "partner_staff", "superuser", "other_young_person"]


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def _person_url(world) -> str:
    return reverse("person-detail", args=[world.case.person_id])


def _safe_contact_url(world) -> str:
    return reverse("person-safe-contact", args=[world.case.person_id])


def _patch_person(world, api_for, data: dict):
    return api_for(world.advocate).patch(_person_url(world), data)


# Identity (R34)


def test_r34_intake_accepts_an_alias_alone(world, api_for):
    response = api_for(world.advocate).post(
        reverse("case-list"), {"lead_organization": world.lead.pk, "person": {"alias": "Bee"}}
    )

    assert response.status_code == 201, response.data
    person = Case.objects.get(pk=response.data["id"]).person
    assert (person.alias, person.legal_name, person.birth_date_precision) == ("Bee", "", "unknown")


def test_r34_a_record_needs_a_name_or_alias(world, api_for):
    response = _patch_person(world, api_for, {"alias": "", "legal_name": "", "chosen_name": ""})

    assert response.status_code == 400
    assert "alias" in response.data
    assert Person.objects.get(pk=world.case.person_id).alias


def test_r34_date_of_birth_accepts_a_year_alone(world, api_for):
    response = _patch_person(world, api_for, {"birth_date_precision": "year", "birth_year": 2009})

    assert response.status_code == 200, response.data
    assert (response.data["birth_year"], response.data["birth_date"]) == (2009, None)


def test_r34_date_of_birth_accepts_an_age_range(world, api_for):
    response = _patch_person(
        world,
        api_for,
        {"birth_date_precision": "age_range", "age_range_min": 15, "age_range_max": 17},
    )

    assert response.status_code == 200, response.data
    assert (response.data["age_range_min"], response.data["age_range_max"]) == (15, 17)


def test_r34_a_year_of_birth_needs_the_year(world, api_for):
    response = _patch_person(world, api_for, {"birth_date_precision": "year"})

    assert response.status_code == 400
    assert "birth_year" in response.data


@pytest.mark.parametrize("year", [1850, 2999])
def test_r34_an_implausible_birth_year_is_a_field_error(world, api_for, year):
    response = _patch_person(world, api_for, {"birth_date_precision": "year", "birth_year": year})

    assert response.status_code == 400
    assert "birth_year" in response.data
    assert Person.objects.get(pk=world.case.person_id).birth_year is None


def test_r34_an_age_range_must_be_in_order(world, api_for):
    response = _patch_person(
        world,
        api_for,
        {"birth_date_precision": "age_range", "age_range_min": 17, "age_range_max": 15},
    )

    assert response.status_code == 400
    assert "age_range_max" in response.data


def test_r34_a_date_of_birth_cannot_be_in_the_future(world, api_for):
    tomorrow = timezone.localdate().replace(year=timezone.localdate().year + 1)

    response = _patch_person(
        world, api_for, {"birth_date_precision": "exact", "birth_date": tomorrow.isoformat()}
    )

    assert response.status_code == 400
    assert "birth_date" in response.data


def test_r34_switching_to_an_age_range_forgets_the_exact_date(world, api_for):
    _patch_person(world, api_for, {"birth_date_precision": "exact", "birth_date": "2009-04-01"})

    response = _patch_person(
        world,
        api_for,
        {"birth_date_precision": "age_range", "age_range_min": 15, "age_range_max": 17},
    )

    assert response.status_code == 200
    assert Person.objects.get(pk=world.case.person_id).birth_date is None


def test_r34_a_declined_field_stays_empty(world, api_for):
    response = _patch_person(world, api_for, {"declined_fields": ["gender", "race_ethnicity"]})

    assert response.status_code == 200, response.data
    assert response.data["declined_fields"] == ["gender", "race_ethnicity"]


def test_r34_a_declined_field_with_a_value_is_a_field_error_and_writes_nothing(world, api_for):
    response = _patch_person(world, api_for, {"declined_fields": ["gender"], "gender": "F"})

    assert response.status_code == 400
    assert "gender" in response.data
    person = Person.objects.get(pk=world.case.person_id)
    assert (person.gender, person.declined_fields) == ("", [])


def test_r34_declining_a_field_that_holds_a_value_is_a_field_error(world, api_for):
    _patch_person(world, api_for, {"pronouns": "they/them"})

    response = _patch_person(world, api_for, {"declined_fields": ["pronouns"]})

    assert response.status_code == 400
    assert "pronouns" in response.data


def test_r34_a_declined_date_of_birth_leaves_it_unrecorded(world, api_for):
    response = _patch_person(
        world,
        api_for,
        {"declined_fields": ["birth_date"], "birth_date_precision": "year", "birth_year": 2009},
    )

    assert response.status_code == 400
    assert "birth_date_precision" in response.data


def test_r34_only_identifying_fields_can_be_declined(world, api_for):
    response = _patch_person(world, api_for, {"declined_fields": ["time_zone"]})

    assert response.status_code == 400
    assert "declined_fields" in response.data


def test_r34_every_identifying_field_accepts_prefers_not_to_answer(world, api_for):
    response = _patch_person(world, api_for, {"declined_fields": list(Person.DECLINABLE_FIELDS)})

    assert response.status_code == 200, response.data


def test_changing_the_young_persons_record_lands_in_the_history(world, api_for):
    _patch_person(world, api_for, {"pronouns": "she/her"})

    latest = Person.objects.get(pk=world.case.person_id).history.latest()
    assert (latest.pronouns, latest.history_user) == ("she/her", world.advocate)


def test_care_team_lists_and_reads_the_young_person(world, api_for):
    f.CaseFactory(lead_organization=world.lead)  # another team's young person
    client = api_for(world.advocate)

    assert _ids(client.get(reverse("person-list"))) == [world.case.person_id]
    assert client.get(_person_url(world)).data["alias"] == world.case.person.alias


def test_supervisor_lists_every_young_person_of_the_organization(world, api_for):
    other = f.CaseFactory(lead_organization=world.lead)

    response = api_for(world.supervisor).get(reverse("person-list"))

    assert set(_ids(response)) == {world.case.person_id, other.person_id}


def test_young_person_reads_but_cannot_change_their_record(world, api_for):
    client = api_for(world.young_person)

    assert client.get(_person_url(world)).status_code == 200
    assert client.patch(_person_url(world), {"alias": "Me"}).status_code == 403


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_young_person_is_invisible_without_a_basis(world, api_for, persona):
    client = api_for(getattr(world, persona))

    assert client.get(_person_url(world)).status_code == 404
    assert client.patch(_person_url(world), {"alias": "X"}).status_code == 404
    assert world.case.person_id not in _ids(client.get(reverse("person-list")))


def test_a_person_address_that_is_not_a_number_is_not_found(world, api_for):
    assert api_for(world.advocate).get("/api/v1/people/abc/").status_code == 404


def test_person_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    with constant_queries(5):  # viewer (2), page, lead basis, the people's cases (log)
        assert len(client.get(reverse("person-list")).data["results"]) == 1
    for _ in range(49):
        f.CaseFactory(lead_organization=world.lead)

    with constant_queries(5):
        response = client.get(reverse("person-list"))
    assert len(response.data["results"]) == 50


# Safe contact (R28)


def test_r28_a_new_safe_contact_record_allows_no_channel(world, api_for):
    response = api_for(world.advocate).get(_safe_contact_url(world))

    assert response.status_code == 200
    assert response.data["allowed_channels"] == []
    assert response.data["voicemail_ok"] is False


def test_r28_a_young_person_opened_through_the_api_starts_with_no_channel(world, api_for):
    opened = api_for(world.advocate).post(
        reverse("case-list"), {"lead_organization": world.lead.pk, "person": {"alias": "Bee"}}
    )

    person = Case.objects.get(pk=opened.data["id"]).person
    assert person.safe_contact.allowed_channels == []


def test_saving_safe_contact_rules_records_who_confirmed_them(world, api_for):
    response = api_for(world.advocate).put(
        _safe_contact_url(world),
        {
            "allowed_channels": ["call", "sms"],
            "voicemail_ok": True,
            "safe_hours_start": "09:00",
            "safe_hours_end": "17:00",
            "code_word": "pineapple",
        },
    )

    assert response.status_code == 200, response.data
    rule = SafeContactRule.objects.get(person_id=world.case.person_id)
    assert rule.allowed_channels == ["call", "sms"]
    assert (rule.confirmed_by, rule.history.latest().history_user) == (world.advocate,) * 2
    assert rule.confirmed_at is not None


def test_safe_hours_need_both_ends(world, api_for):
    response = api_for(world.advocate).put(_safe_contact_url(world), {"safe_hours_start": "09:00"})

    assert response.status_code == 400
    assert "safe_hours_end" in response.data
    assert SafeContactRule.objects.get(person_id=world.case.person_id).safe_hours_start is None


def test_voicemail_needs_phone_calls(world, api_for):
    response = api_for(world.advocate).put(
        _safe_contact_url(world), {"allowed_channels": ["sms"], "voicemail_ok": True}
    )

    assert response.status_code == 400
    assert "voicemail_ok" in response.data
    assert SafeContactRule.objects.get(person_id=world.case.person_id).allowed_channels == []


def test_an_unknown_channel_is_a_field_error(world, api_for):
    response = api_for(world.advocate).put(
        _safe_contact_url(world), {"allowed_channels": ["pigeon"]}
    )

    assert response.status_code == 400
    assert "allowed_channels" in response.data


def test_young_person_reads_but_cannot_change_their_safe_contact_rules(world, api_for):
    client = api_for(world.young_person)

    assert client.get(_safe_contact_url(world)).status_code == 200
    response = client.put(_safe_contact_url(world), {"allowed_channels": ["sms"]})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_safe_contact_rules_are_invisible_without_a_basis(world, api_for, persona):
    client = api_for(getattr(world, persona))

    assert client.get(_safe_contact_url(world)).status_code == 404
    assert client.put(_safe_contact_url(world), {"allowed_channels": ["sms"]}).status_code == 404
    assert SafeContactRule.objects.get(person_id=world.case.person_id).allowed_channels == []


# Family members


def _relative(world, **values) -> dict:
    return {"person": world.case.person_id, "name": "Relative", "relation": "mother", **values}


def test_advocate_adds_a_family_member(world, api_for):
    response = api_for(world.advocate).post(
        reverse("family-member-list"), _relative(world, is_legal_guardian=True)
    )

    assert response.status_code == 201, response.data
    member = FamilyMember.objects.get(pk=response.data["id"])
    assert member.person_id == world.case.person_id
    assert member.contact_is_safe is False
    assert member.history.get().history_user == world.advocate


@pytest.mark.parametrize("harm", ["harmed_young_person", "harmed_other_parent"])
def test_an_abuser_is_never_marked_safe_to_contact(world, api_for, harm):
    response = api_for(world.advocate).post(
        reverse("family-member-list"), _relative(world, contact_is_safe=True, **{harm: True})
    )

    assert response.status_code == 400
    assert "contact_is_safe" in response.data
    assert not FamilyMember.objects.exists()


def test_a_known_abuser_cannot_later_be_marked_safe_to_contact(world, api_for):
    member = f.FamilyMemberFactory(person=world.case.person, harmed_young_person=True)

    response = api_for(world.advocate).patch(
        reverse("family-member-detail", args=[member.pk]), {"contact_is_safe": True}
    )

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.contact_is_safe is False


def test_recording_harm_by_a_safe_contact_needs_the_safe_mark_removed(world, api_for):
    member = f.FamilyMemberFactory(person=world.case.person, contact_is_safe=True)
    url = reverse("family-member-detail", args=[member.pk])
    client = api_for(world.advocate)

    refused = client.patch(url, {"harmed_young_person": True})
    accepted = client.patch(url, {"harmed_young_person": True, "contact_is_safe": False})

    assert (refused.status_code, accepted.status_code) == (400, 200)


def test_a_relation_of_other_must_be_named(world, api_for):
    response = api_for(world.advocate).post(
        reverse("family-member-list"), _relative(world, relation="other")
    )

    assert response.status_code == 400
    assert "relation_other" in response.data


def test_a_court_appointed_guardian_is_a_legal_guardian(world, api_for):
    response = api_for(world.advocate).post(
        reverse("family-member-list"),
        _relative(world, is_court_appointed=True, is_legal_guardian=False),
    )

    assert response.status_code == 400
    assert "is_court_appointed" in response.data


def test_family_members_are_listed_by_young_person(world, api_for):
    mine = f.FamilyMemberFactory(person=world.case.person)
    f.FamilyMemberFactory(person=f.CaseFactory(lead_organization=world.lead).person)

    response = api_for(world.supervisor).get(
        reverse("family-member-list"), {"person": world.case.person_id}
    )

    assert _ids(response) == [mine.pk]


def test_a_family_member_cannot_be_moved_to_another_young_person(world, api_for):
    member = f.FamilyMemberFactory(person=world.case.person)
    other = f.CaseFactory(lead_organization=world.lead).person

    response = api_for(world.supervisor).patch(
        reverse("family-member-detail", args=[member.pk]), {"person": other.pk}
    )

    assert response.status_code in (400, 404)
    member.refresh_from_db()
    assert member.person_id == world.case.person_id


def test_a_family_member_cannot_be_deleted_through_the_api(world, api_for):
    member = f.FamilyMemberFactory(person=world.case.person)

    response = api_for(world.advocate).delete(reverse("family-member-detail", args=[member.pk]))

    assert response.status_code == 405
    assert FamilyMember.objects.filter(pk=member.pk).exists()


def test_young_person_reads_but_cannot_add_family_members(world, api_for):
    member = f.FamilyMemberFactory(person=world.case.person)
    client = api_for(world.young_person)

    assert client.get(reverse("family-member-detail", args=[member.pk])).status_code == 200
    assert client.post(reverse("family-member-list"), _relative(world)).status_code == 403
    assert FamilyMember.objects.count() == 1


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_family_members_are_invisible_without_a_basis(world, api_for, persona):
    member = f.FamilyMemberFactory(person=world.case.person)
    client = api_for(getattr(world, persona))
    url = reverse("family-member-detail", args=[member.pk])

    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "X"}).status_code == 404
    assert member.pk not in _ids(client.get(reverse("family-member-list")))
    created = client.post(reverse("family-member-list"), _relative(world))
    assert created.status_code == 400
    assert "person" in created.data
    assert FamilyMember.objects.count() == 1


def test_family_member_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.supervisor)
    f.FamilyMemberFactory(person=world.case.person)
    with constant_queries(5):  # viewer (2), page, lead basis, the people's cases (log)
        assert len(client.get(reverse("family-member-list")).data["results"]) == 1
    for _ in range(49):
        f.FamilyMemberFactory(person=f.CaseFactory(lead_organization=world.lead).person)

    with constant_queries(5):
        response = client.get(reverse("family-member-list"))
    assert len(response.data["results"]) == 50
