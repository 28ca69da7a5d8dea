"""Coded demographics (issue 21, point 1): the services that intake, the person page, the API
and the client import share; and the migration that codes today's free text."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Case, Person
from cases.services.client_columns import COLUMNS
from cases.services.client_import import import_clients
from cases.services.intake import open_case, update_person
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _open(world: World, **person_fields: object) -> Case:
    return open_case(
        actor=world.advocate,
        lead_organization=world.lead,
        person_fields={"alias": "Rook", **person_fields},
    )


def _refused(world: World, **person_fields: object) -> dict[str, list[str]]:
    before = (Person.objects.count(), Case.objects.count())
    with pytest.raises(ValidationError) as caught:
        _open(world, **person_fields)
    assert (Person.objects.count(), Case.objects.count()) == before
    return caught.value.message_dict


def test_r34_race_and_ethnicity_take_several_answers_kept_in_the_standards_order(world):
    person = _open(world, race_ethnicity_codes=["white", "hispanic_latino"]).person

    person.refresh_from_db()
    assert person.race_ethnicity_codes == ["hispanic_latino", "white"]


@pytest.mark.parametrize("standalone", ["prefers_not_to_answer", "not_asked"])
def test_prefers_not_to_answer_and_not_asked_stand_alone(world, standalone):
    errors = _refused(world, race_ethnicity_codes=["asian", standalone])

    assert list(errors) == ["race_ethnicity_codes"]


def test_an_unknown_race_code_is_a_field_error_and_writes_nothing(world):
    errors = _refused(world, race_ethnicity_codes=["martian"])

    assert "martian" in errors["race_ethnicity_codes"][0]


def test_every_demographic_field_is_optional(world):
    person = _open(world).person

    assert (person.race_ethnicity_codes, person.sex, person.sexual_orientation) == ([], "", "")
    assert (person.primary_language, person.tribal_affiliation, person.gender) == ("", "", "")


def test_sex_as_federal_reports_ask_it_is_kept_apart_from_gender_identity(world):
    person = _open(world, sex="male", gender="trans girl").person

    assert (person.sex, person.gender) == ("male", "trans girl")


def test_an_unknown_sex_or_language_code_is_a_field_error(world):
    errors = _refused(world, sex="other", primary_language="Spanish, mostly")

    assert set(errors) == {"sex", "primary_language"}


def test_r34_a_coded_prefers_not_to_answer_lists_the_field_as_declined(world):
    person = _open(world, race_ethnicity_codes=["prefers_not_to_answer"]).person

    assert person.declined_fields == ["race_ethnicity"]


def test_r34_declining_a_coded_field_records_the_coded_decline(world):
    person = _open(world, declined_fields=["race_ethnicity", "sex"]).person

    assert person.race_ethnicity_codes == ["prefers_not_to_answer"]
    assert person.sex == "prefers_not_to_answer"


def test_r34_a_decline_beside_an_answer_in_the_same_change_is_refused(world):
    errors = _refused(world, sex="female", declined_fields=["sex"])

    assert list(errors) == ["sex"]


def test_r34_an_answer_given_later_ends_the_decline(world):
    person = _open(world, declined_fields=["race_ethnicity"]).person

    person = update_person(
        person=person, actor=world.advocate, changes={"race_ethnicity_codes": ["asian"]}
    )

    assert (person.race_ethnicity_codes, person.declined_fields) == (["asian"], [])


def test_r34_taking_a_field_off_the_declined_list_clears_the_coded_decline(world):
    person = _open(world, declined_fields=["sex"]).person

    person = update_person(person=person, actor=world.advocate, changes={"declined_fields": []})

    assert (person.sex, person.declined_fields) == ("", [])


def test_sexual_orientation_is_refused_where_the_organization_does_not_ask_it(world):
    errors = _refused(world, sexual_orientation="bisexual")

    assert list(errors) == ["sexual_orientation"]


def test_sexual_orientation_is_recorded_where_the_organization_asks_it(world):
    world.lead.collects_sexual_orientation = True
    world.lead.save()

    person = _open(world, sexual_orientation="questioning").person

    assert person.sexual_orientation == "questioning"


def test_the_person_page_refuses_sexual_orientation_from_staff_of_an_organization_not_asking(
    world,
):
    with pytest.raises(ValidationError):
        update_person(
            person=world.case.person,
            actor=world.advocate,
            changes={"sexual_orientation": "gay"},
        )


def test_the_referral_source_is_one_of_the_coded_answers(world):
    with pytest.raises(ValidationError) as caught:
        open_case(
            actor=world.advocate,
            lead_organization=world.lead,
            person_fields={"alias": "Rook"},
            referral_source="word of mouth",
        )

    assert list(caught.value.message_dict) == ["referral_source"]
    assert not Person.objects.filter(alias="Rook").exists()


# -- The client import ---------------------------------------------------------------------------


def _csv(**values: str) -> bytes:
    row = {name: "" for name in COLUMNS} | {"alias": "Kestrel", "opened_on": "2024-03-01"}
    row |= values
    return (",".join(COLUMNS) + "\r\n" + ",".join(row[name] for name in COLUMNS) + "\r\n").encode()


def _import(world: World, data: bytes):
    return import_clients(data=data, organization=world.lead, actor=world.org_admin, dry_run=False)


def test_the_client_import_takes_the_coded_columns(world):
    data = _csv(
        race_ethnicity_codes="white;asian",
        sex="female",
        primary_language="es",
        tribal_affiliation="Example Band",
        referral_source="hotline",
    )

    report = import_clients(
        data=data, organization=world.lead, actor=world.org_admin, dry_run=False
    )

    assert report.ok, report.errors
    case = Case.objects.get(person__alias="Kestrel")
    person = case.person
    assert (person.race_ethnicity_codes, person.sex) == (["asian", "white"], "female")
    assert (person.primary_language, person.tribal_affiliation) == ("es", "Example Band")
    assert case.referral_source == "hotline"


@pytest.mark.parametrize(
    ("column", "value"),
    [("race_ethnicity_codes", "not_asked;white"), ("sex", "x"), ("referral_source", "rumour")],
)
def test_the_client_import_names_the_column_of_a_bad_code_and_writes_nothing(world, column, value):
    data = _csv(**{column: value})

    report = import_clients(
        data=data, organization=world.lead, actor=world.org_admin, dry_run=False
    )

    assert [(error.row, error.column) for error in report.errors] == [(2, column)]
    assert not Person.objects.filter(alias="Kestrel").exists()


# -- The migration of today's free text ----------------------------------------------------------


def _run_coding_migration(forwards: bool = True) -> None:
    migration = importlib.import_module("cases.migrations.0011_code_race_ethnicity_free_text")
    state = MigrationExecutor(connection).loader.project_state(
        ("cases", "0011_code_race_ethnicity_free_text")
    )
    step = migration.code_exact_free_text if forwards else migration.words_from_single_codes
    step(state.apps, None)


def test_the_migration_codes_free_text_that_names_one_answer_exactly():
    exact = f.PersonFactory(race_ethnicity="  black or african   American ")
    own_words = f.PersonFactory(race_ethnicity="Mixed, mostly Dominican")
    declined = f.PersonFactory(declined_fields=["race_ethnicity"])
    blank = f.PersonFactory()

    _run_coding_migration()

    for person in (exact, own_words, declined, blank):
        person.refresh_from_db()
    assert (exact.race_ethnicity_codes, exact.race_ethnicity) == (["black_african_american"], "")
    assert (own_words.race_ethnicity_codes, own_words.race_ethnicity) == (
        [],
        "Mixed, mostly Dominican",
    )
    assert declined.race_ethnicity_codes == ["prefers_not_to_answer"]
    assert (blank.race_ethnicity_codes, blank.race_ethnicity) == ([], "")


def test_the_migration_marks_a_written_prefers_not_to_answer_as_declined():
    person = f.PersonFactory(race_ethnicity="Prefers not to answer")

    _run_coding_migration()

    person.refresh_from_db()
    assert person.race_ethnicity_codes == ["prefers_not_to_answer"]
    assert person.declined_fields == ["race_ethnicity"]


def test_the_migration_reversed_gives_the_words_back():
    coded = f.PersonFactory(race_ethnicity="White")
    own_words = f.PersonFactory(race_ethnicity="Ojibwe and Irish")
    _run_coding_migration()

    _run_coding_migration(forwards=False)

    coded.refresh_from_db()
    own_words.refresh_from_db()
    assert (coded.race_ethnicity, coded.race_ethnicity_codes) == ("White", [])
    assert (own_words.race_ethnicity, own_words.race_ethnicity_codes) == ("Ojibwe and Irish", [])
