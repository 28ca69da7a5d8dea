"""Outcome check-ins (issue 21, point 3): every question optional, who answered recorded, one
intake per case, the closure check-in with the living situation as part of closing, and
corrections that keep what they correct."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases.checkins import PREFERS_NOT, CheckIn, GoalProgress, answer_rank
from cases.encryption import decrypt_text
from cases.models import Case, Goal
from cases.services.checkins import (
    CheckInAnswers,
    GoalAnswer,
    code_goal_progress,
    correct_check_in,
    record_check_in,
)
from consent.closing import close_case_and_its_consents
from tests import factories as f

pytestmark = pytest.mark.django_db
Occasion, AnsweredBy = CheckIn.Occasion, CheckIn.AnsweredBy


def _goal(world) -> Goal:
    return f.GoalFactory(plan=world.case.plan, description="Finish the school year")


NOTHING = CheckInAnswers()


def _record(world, answers=NOTHING, **overrides) -> CheckIn:
    values = {
        "case": world.case,
        "actor": world.advocate,
        "occasion": Occasion.PLAN_REVIEW,
        "answered_by": AnsweredBy.WITH_STAFF,
        "answers": answers,
    }
    return record_check_in(**{**values, **overrides})


def test_a_check_in_with_every_question_skipped_is_recorded_and_says_who_recorded_it(world):
    check_in = _record(world)

    assert (check_in.safety, check_in.housing, check_in.school_or_work) == ("", "", "")
    assert check_in.recorded_by == world.advocate
    assert check_in.answered_by == AnsweredBy.WITH_STAFF
    assert check_in.goal_progress.count() == 0


def test_the_young_person_may_say_they_would_rather_not_answer_any_question(world):
    declined = CheckInAnswers(**{name: PREFERS_NOT for name in ("safety", "housing")})

    check_in = _record(world, declined)

    assert check_in.safety == check_in.housing == PREFERS_NOT
    # Declined and skipped answers are never counted as a change.
    assert answer_rank("safety", PREFERS_NOT) is None and answer_rank("safety", "") is None
    assert answer_rank("safety", "not_safe") < answer_rank("safety", "safe")


def test_an_answer_outside_its_choices_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _record(world, CheckInAnswers(housing="castle"))

    assert "housing" in caught.value.message_dict
    assert not CheckIn.objects.exists()


def test_progress_on_goals_keeps_the_young_persons_words_and_the_staff_code(world):
    goal = _goal(world)

    check_in = _record(
        world, CheckInAnswers(goals=(GoalAnswer(goal.pk, "  I go most days  ", "some_progress"),))
    )

    [progress] = check_in.goal_progress.all()
    assert (progress.goal, progress.words, progress.code) == (
        goal,
        "I go most days",
        "some_progress",
    )


def test_r37_the_young_persons_words_on_a_goal_are_stored_encrypted(world):
    goal = _goal(world)
    check_in = _record(world, CheckInAnswers(goals=(GoalAnswer(goal.pk, "Moved in with my aunt"),)))
    progress = check_in.goal_progress.get()

    with connection.cursor() as cursor:
        table = connection.ops.quote_name(GoalProgress._meta.db_table)
        cursor.execute(f"SELECT words FROM {table} WHERE id = %s", [progress.pk])  # noqa: S608
        [stored] = cursor.fetchone()

    assert "aunt" not in stored
    assert decrypt_text(stored) == "Moved in with my aunt"


def test_only_goals_of_the_cases_own_plan_can_be_answered(world):
    elsewhere = f.GoalFactory()

    with pytest.raises(ValidationError) as caught:
        _record(world, CheckInAnswers(goals=(GoalAnswer(elsewhere.pk, "x"),)))

    assert "goals" in caught.value.message_dict


def test_a_case_has_one_intake_check_in(world):
    _record(world, occasion=Occasion.INTAKE)

    with pytest.raises(ValidationError) as caught:
        _record(world, occasion=Occasion.INTAKE)

    assert "occasion" in caught.value.message_dict
    assert CheckIn.objects.filter(occasion=Occasion.INTAKE).count() == 1


def test_the_living_situation_is_asked_at_closure_only(world):
    with pytest.raises(ValidationError) as caught:
        _record(world, CheckInAnswers(living_situation="shelter"))

    assert "living_situation" in caught.value.message_dict


def test_staff_of_another_organization_cannot_record_a_check_in(world):
    with pytest.raises(ValidationError):
        _record(world, actor=world.partner_staff)


def test_the_young_person_answers_their_own_in_the_portal_but_does_not_code_goals(world):
    goal = _goal(world)
    own = CheckInAnswers(safety="safe", goals=(GoalAnswer(goal.pk, "Halfway there"),))

    check_in = _record(world, own, actor=world.young_person, answered_by=AnsweredBy.PORTAL)

    assert check_in.answered_by == AnsweredBy.PORTAL and check_in.safety == "safe"
    coded = CheckInAnswers(goals=(GoalAnswer(goal.pk, "Done", "achieved"),))
    with pytest.raises(ValidationError):
        _record(world, coded, actor=world.young_person, answered_by=AnsweredBy.PORTAL)


def test_nobody_else_answers_as_the_young_person(world):
    with pytest.raises(ValidationError):
        _record(world, actor=world.other_young_person, answered_by=AnsweredBy.PORTAL)
    with pytest.raises(ValidationError):
        _record(world, actor=world.advocate, answered_by=AnsweredBy.PORTAL)


def test_a_check_in_cannot_be_dated_in_the_future_or_before_the_case_opened(world):
    for when in (
        timezone.now() + dt.timedelta(days=1),
        timezone.now() - dt.timedelta(days=400),
    ):
        with pytest.raises(ValidationError):
            _record(world, recorded_at=when)


def test_a_correction_is_a_new_check_in_and_the_corrected_one_stays_as_it_was(world):
    original = _record(world, CheckInAnswers(housing="unstable"))

    correction = correct_check_in(
        check_in=original,
        actor=world.supervisor,
        answered_by=AnsweredBy.WITH_STAFF,
        answers=CheckInAnswers(housing="stable"),
    )

    original.refresh_from_db()
    assert original.housing == "unstable"
    assert (correction.corrects, correction.housing) == (original, "stable")
    assert (correction.occasion, correction.recorded_at) == (
        original.occasion,
        original.recorded_at,
    )
    with pytest.raises(ValidationError):
        correct_check_in(
            check_in=original,
            actor=world.advocate,
            answered_by=AnsweredBy.WITH_STAFF,
            answers=CheckInAnswers(),
        )


def test_staff_code_a_portal_answer_once(world):
    goal = _goal(world)
    answers = CheckInAnswers(goals=(GoalAnswer(goal.pk, "Went twice"),))
    check_in = _record(world, answers, actor=world.young_person, answered_by=AnsweredBy.PORTAL)
    progress = check_in.goal_progress.get()

    code_goal_progress(progress=progress, actor=world.advocate, code="some_progress")

    progress.refresh_from_db()
    assert progress.code == "some_progress"
    with pytest.raises(ValidationError):
        code_goal_progress(progress=progress, actor=world.advocate, code="achieved")


def test_a_closed_case_takes_only_its_closure_check_in(world):

    Case.objects.filter(pk=world.case.pk).update(
        status=Case.Status.CLOSED, closed_reason="moved", closed_on=timezone.localdate()
    )

    with pytest.raises(ValidationError):
        _record(world)
    closure = _record(world, CheckInAnswers(living_situation="with_family"), occasion="closure")

    assert closure.living_situation == "with_family"


def test_closing_records_the_closure_check_in_with_the_reason_on_the_case(world):
    closed = close_case_and_its_consents(
        case=world.case,
        actor=world.advocate,
        reason="goals_met",
        end_consents=False,
        check_in_answered_by=AnsweredBy.WITH_STAFF,
        check_in=CheckInAnswers(safety="safe", living_situation="supported_housing"),
    )

    [closure] = CheckIn.objects.filter(case=world.case)
    assert closed.closed_reason == "goals_met"
    assert (closure.occasion, closure.living_situation) == ("closure", "supported_housing")


def test_closing_without_the_check_in_records_none(world):
    close_case_and_its_consents(
        case=world.case, actor=world.advocate, reason="lost_contact", end_consents=False
    )

    assert not CheckIn.objects.exists()


def test_a_bad_closure_answer_leaves_the_case_open(world):
    with pytest.raises(ValidationError):
        close_case_and_its_consents(
            case=world.case,
            actor=world.advocate,
            reason="goals_met",
            end_consents=False,
            check_in_answered_by=AnsweredBy.WITH_STAFF,
            check_in=CheckInAnswers(living_situation="the moon"),
        )

    world.case.refresh_from_db()
    assert world.case.status == Case.Status.OPEN
