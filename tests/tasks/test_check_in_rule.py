"""Issue 21: the continuity engine asks for a check-in when one is due (intake, the plan
review clock, closure), once per clock, and recording one closes the follow-up."""

from datetime import timedelta

import pytest

from cases.checkins import CheckIn
from cases.models import Case
from cases.services.checkins import CheckInAnswers, record_check_in
from consent.closing import close_case_and_its_consents
from tasks.check_ins import INTAKE_GRACE, due_check_in, due_check_in_cases, remind_check_in
from tasks.follow_ups import cancel_follow_up
from tasks.models import ContinuityRules, FollowUp, Notification
from tasks.sweep import run_sweep
from tests import factories as f
from tests.tasks.continuity import CHICAGO, ONE_SECOND, at, chicago, open_of, reasons_for

pytestmark = pytest.mark.django_db
Kind = FollowUp.Kind
MONDAY = chicago(3, 1)
OPENED = MONDAY.date()


def _opened_monday(world) -> Case:
    Case.objects.filter(pk__in=[world.case.pk]).update(opened_on=OPENED)
    # The world's other case (at the partner) had its check-in: it stays out of the way.
    for other in Case.objects.exclude(pk=world.case.pk):
        f.CheckInFactory(case=other, recorded_at=MONDAY)
    world.case.refresh_from_db()
    return world.case


def _check_in(world, when, occasion=CheckIn.Occasion.PLAN_REVIEW) -> CheckIn:
    with at(when):
        return record_check_in(
            case=world.case,
            actor=world.advocate,
            occasion=occasion,
            answered_by=CheckIn.AnsweredBy.WITH_STAFF,
            answers=CheckInAnswers(safety="mostly_safe"),
        )


def sweep(moment):
    with at(moment):
        report = run_sweep()
    assert report.errors == 0
    return report


def test_a_new_case_is_due_its_intake_check_in_at_once_and_asked_for_after_a_week(world):
    case = _opened_monday(world)

    due = due_check_in(case=case, now=MONDAY)
    assert due.occasion == CheckIn.Occasion.INTAKE

    assert sweep(MONDAY + INTAKE_GRACE - timedelta(hours=11)).check_ins == 0
    assert open_of(Kind.CHECK_IN_DUE) == []

    report = sweep(MONDAY + INTAKE_GRACE)

    [follow_up] = open_of(Kind.CHECK_IN_DUE)
    assert report.check_ins == 1
    assert (follow_up.case, follow_up.assignee) == (case, world.advocate)
    assert follow_up.organization_id == world.lead.pk
    [told] = reasons_for(world.advocate, Notification.Reason.FOLLOW_UP_DUE)
    assert told.follow_up == follow_up


def test_the_rule_firing_twice_opens_one_follow_up(world):
    case = _opened_monday(world)
    later = MONDAY + timedelta(days=10)

    with at(later):
        first = remind_check_in(case=case, now=later)
        second = remind_check_in(case=case, now=later)
    sweep(later)

    assert first is not None and second is None
    assert open_of(Kind.CHECK_IN_DUE) == [first]


def test_recording_the_check_in_closes_its_follow_up(world):
    _opened_monday(world)
    sweep(MONDAY + timedelta(days=10))

    _check_in(world, MONDAY + timedelta(days=11), CheckIn.Occasion.INTAKE)

    follow_up = FollowUp.objects.get(kind=Kind.CHECK_IN_DUE)
    assert follow_up.status == FollowUp.Status.DONE
    assert sweep(MONDAY + timedelta(days=12)).check_ins == 0


def test_a_follow_up_cancelled_by_hand_is_not_opened_again_for_the_same_clock(world):
    _opened_monday(world)
    sweep(MONDAY + timedelta(days=10))
    [follow_up] = open_of(Kind.CHECK_IN_DUE)

    with at(MONDAY + timedelta(days=11)):
        cancel_follow_up(follow_up=follow_up, actor=world.advocate, note="Asked at the meeting")
    sweep(MONDAY + timedelta(days=20))

    assert open_of(Kind.CHECK_IN_DUE) == []


def test_a_check_in_is_due_again_after_the_plan_review_period(world):
    _opened_monday(world)
    _check_in(world, MONDAY, CheckIn.Occasion.INTAKE)

    sweep(MONDAY + timedelta(days=90) - ONE_SECOND)  # 90 days on Chicago's clocks
    assert open_of(Kind.CHECK_IN_DUE, case=world.case) == []

    sweep(MONDAY + timedelta(days=90))

    [follow_up] = open_of(Kind.CHECK_IN_DUE, case=world.case)
    assert due_check_in(case=world.case, now=follow_up.created_at).occasion == "plan_review"


def test_the_review_clock_is_the_organizations_plan_review_period(world):
    ContinuityRules.objects.create(organization=world.lead, plan_review_days=30)
    _opened_monday(world)
    _check_in(world, MONDAY, CheckIn.Occasion.INTAKE)

    sweep(MONDAY + timedelta(days=30))

    assert len(open_of(Kind.CHECK_IN_DUE, case=world.case)) == 1


def test_a_case_closed_without_its_closure_check_in_gets_a_follow_up(world):
    _opened_monday(world)
    _check_in(world, MONDAY, CheckIn.Occasion.INTAKE)
    with at(MONDAY + timedelta(days=20)):
        close_case_and_its_consents(
            case=world.case, actor=world.advocate, reason="moved", end_consents=False
        )

    sweep(MONDAY + timedelta(days=20, hours=1))

    [follow_up] = open_of(Kind.CHECK_IN_DUE)
    assert due_check_in(case=follow_up.case, now=follow_up.created_at).occasion == "closure"


def test_a_case_closed_with_its_closure_check_in_is_asked_nothing(world):
    _opened_monday(world)
    _check_in(world, MONDAY, CheckIn.Occasion.INTAKE)
    with at(MONDAY + timedelta(days=20)):
        close_case_and_its_consents(
            case=world.case,
            actor=world.advocate,
            reason="goals_met",
            end_consents=False,
            check_in_answered_by=CheckIn.AnsweredBy.WITH_STAFF,
            check_in=CheckInAnswers(living_situation="with_family"),
        )

    sweep(MONDAY + timedelta(days=21))

    assert open_of(Kind.CHECK_IN_DUE) == []


def test_a_closure_check_in_is_not_asked_for_a_month_after_closing(world):
    _opened_monday(world)
    _check_in(world, MONDAY, CheckIn.Occasion.INTAKE)
    Case.objects.filter(pk=world.case.pk).update(
        status=Case.Status.CLOSED, closed_reason="moved", closed_on=OPENED
    )

    sweep(MONDAY + timedelta(days=45))

    assert open_of(Kind.CHECK_IN_DUE) == []


def test_the_sweeps_bound_finds_every_case_the_rule_would_ask_about(world):
    case = _opened_monday(world)
    moment = MONDAY + timedelta(days=8)

    found = due_check_in_cases(moment, review_days=90, margin=timedelta(hours=1))

    assert case in found
    assert moment.astimezone(CHICAGO).date() > OPENED


def test_a_case_whose_follow_up_was_cancelled_is_not_read_again_by_every_sweep(world):
    case = _opened_monday(world)
    sweep(MONDAY + timedelta(days=10))
    [follow_up] = open_of(Kind.CHECK_IN_DUE)
    with at(MONDAY + timedelta(days=11)):
        cancel_follow_up(follow_up=follow_up, actor=world.advocate, note="Asked at the meeting")

    later = MONDAY + timedelta(days=12)

    assert case not in due_check_in_cases(later, review_days=90, margin=timedelta(hours=1))
