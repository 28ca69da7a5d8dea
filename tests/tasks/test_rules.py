"""The continuity rules of issue 4, each on the clock: what falls due when, for whom, once.

The sweep is run at chosen moments (time-machine, standing still); the defaults are 2
business days to answer a referral, 5 to escalate, 15 to expire, 14 days of contact, a
90-day plan review, 14 days of consent renewal and 3 days of grace. Monday 1 March 2027,
10:00 in Chicago, is the usual start; the clocks there go forward on 14 March.
"""

from datetime import timedelta

import pytest

from cases.models import PlannedService, PlanVersion, Referral, ReferralTransition, ServicePlan
from cases.services.plans import approve_plan_version
from cases.services.records import add_contact
from cases.services.referrals import accept_referral, decline_referral, withdraw_referral
from consent.models import Consent
from providers.models import Membership
from tasks import rules
from tasks.models import ContinuityRules, FollowUp, Notification, PortalNotice
from tasks.sweep import run_sweep
from tests import factories as f
from tests.tasks.continuity import (
    ONE_SECOND,
    active_service,
    approved_version,
    at,
    checked_in,
    chicago,
    consent_until,
    goal,
    open_of,
    reasons_for,
    sent_referral,
    staff,
)

Kind = FollowUp.Kind
Reason = Notification.Reason
MONDAY = chicago(3, 1)

pytestmark = pytest.mark.django_db


def sweep(moment):
    with at(moment):
        report = run_sweep()
    assert report.errors == 0
    return report


# --- referral answer and escalation ------------------------------------------------------


def test_an_unanswered_referral_waits_two_business_days_then_both_sides_get_a_follow_up(world):
    checked_in(world, MONDAY)  # no check-in follow-up beside it
    referral = sent_referral(world, MONDAY)

    sweep(chicago(3, 3, 9, 59))
    assert open_of(Kind.REFERRAL_UNANSWERED) == []

    sweep(chicago(3, 3))

    by_side = {fu.organization_id: fu for fu in open_of(Kind.REFERRAL_UNANSWERED)}
    assert set(by_side) == {world.lead.pk, world.partner.pk}
    lead_side, recipient_side = by_side[world.lead.pk], by_side[world.partner.pk]
    assert lead_side.assignee == world.advocate
    assert lead_side.about_referral == referral
    assert recipient_side.assignee is None  # the partner has no intake worker: its queue
    # Due when it would be escalated: five business days after sending.
    assert lead_side.due_at == chicago(3, 8)
    [told] = reasons_for(world.advocate, Reason.FOLLOW_UP_DUE)
    assert told.follow_up == lead_side


def test_business_days_skip_the_weekend_and_keep_local_time_across_daylight_saving(world):
    thursday = chicago(3, 11)  # the clocks go forward on Sunday 14 March
    sent_referral(world, thursday)

    sweep(chicago(3, 13, 12))  # Saturday: two calendar days, no business day
    sweep(chicago(3, 15, 9, 59))  # Monday, one minute short (CDT now)
    assert open_of(Kind.REFERRAL_UNANSWERED) == []

    sweep(chicago(3, 15, 10))

    assert len(open_of(Kind.REFERRAL_UNANSWERED)) == 2


def test_a_recipient_with_one_intake_worker_has_it_assigned_and_told(world):
    intake = staff(world.partner)
    sent_referral(world, MONDAY)

    sweep(chicago(3, 3))

    [recipient_side] = open_of(Kind.REFERRAL_UNANSWERED, organization=world.partner)
    assert recipient_side.assignee == intake
    assert reasons_for(intake, Reason.FOLLOW_UP_DUE)[0].follow_up == recipient_side


def test_a_recipient_with_several_intake_workers_gets_it_in_its_queue_and_all_are_told(world):
    intakes = [staff(world.partner), staff(world.partner)]
    sent_referral(world, MONDAY)

    sweep(chicago(3, 3))

    [recipient_side] = open_of(Kind.REFERRAL_UNANSWERED, organization=world.partner)
    assert recipient_side.assignee is None
    for intake in intakes:
        assert len(reasons_for(intake, Reason.FOLLOW_UP_DUE)) == 1


def test_after_five_business_days_the_lead_side_is_escalated_to_its_supervisor(world):
    sent_referral(world, MONDAY)
    sweep(chicago(3, 3))

    sweep(chicago(3, 8, 9, 59))
    [lead_side] = open_of(Kind.REFERRAL_UNANSWERED, organization=world.lead)
    assert lead_side.escalated_to is None

    sweep(chicago(3, 8))

    lead_side.refresh_from_db()
    assert lead_side.escalated_to == world.supervisor
    assert lead_side.escalated_at == chicago(3, 8)
    [escalation] = reasons_for(world.supervisor, Reason.ESCALATION)
    assert escalation.follow_up == lead_side
    [recipient_side] = open_of(Kind.REFERRAL_UNANSWERED, organization=world.partner)
    assert recipient_side.escalated_to is None


def test_a_late_sweep_opens_and_escalates_in_one_run(world):
    sent_referral(world, MONDAY)

    sweep(chicago(3, 9))

    [lead_side] = open_of(Kind.REFERRAL_UNANSWERED, organization=world.lead)
    assert lead_side.escalated_to == world.supervisor


@pytest.mark.parametrize("answer", ["accept", "decline", "withdraw"])
def test_answering_the_referral_closes_its_follow_ups(world, answer):
    referral = sent_referral(world, MONDAY)
    sweep(chicago(3, 3))

    with at(chicago(3, 4)):
        if answer == "accept":
            accept_referral(referral=referral, actor=world.partner_staff)
        elif answer == "decline":
            decline_referral(
                referral=referral,
                actor=world.partner_staff,
                reason=Referral.DeclineReason.NO_CAPACITY,
            )
        else:
            withdraw_referral(referral=referral, actor=world.advocate)

    closed = FollowUp.objects.filter(kind=Kind.REFERRAL_UNANSWERED)
    assert closed.count() == 2
    for follow_up in closed:
        assert follow_up.status == FollowUp.Status.DONE
        assert follow_up.completed_at == chicago(3, 4)
        assert follow_up.completion_note.startswith("The referral was ")
    # Nothing reopens or escalates what was answered.
    sweep(chicago(3, 10))
    assert open_of(Kind.REFERRAL_UNANSWERED) == []
    assert reasons_for(world.supervisor, Reason.ESCALATION) == []


def test_a_follow_up_closed_by_hand_is_not_reopened_for_the_same_referral(world):
    sent_referral(world, MONDAY)
    sweep(chicago(3, 3))
    FollowUp.objects.filter(organization=world.lead).update(
        status=FollowUp.Status.DONE, completed_at=chicago(3, 3, 11)
    )

    sweep(chicago(3, 4))

    assert open_of(Kind.REFERRAL_UNANSWERED, organization=world.lead) == []


# --- referral expiry ---------------------------------------------------------------------


def test_a_referral_with_no_answer_after_fifteen_business_days_closes_without_response(world):
    service = f.PlannedServiceFactory(goal=goal(world), status=PlannedService.Status.REFERRED)
    referral = sent_referral(world, MONDAY, planned_service=service, created_by=world.advocate)
    sweep(chicago(3, 3))

    sweep(chicago(3, 22, 9, 59))  # 15 business days: Monday 22 March, 10:00 (CDT)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT

    report = sweep(chicago(3, 22))

    assert report.referrals_expired == 1
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED_WITHOUT_SERVICE
    assert referral.closed_at == chicago(3, 22)
    transition = ReferralTransition.objects.get(referral=referral, to_status=referral.status)
    assert transition.from_status == Referral.Status.SENT
    assert transition.actor is None
    assert transition.organization == world.lead
    assert transition.note == "Closed without response."
    assert open_of(Kind.REFERRAL_UNANSWERED) == []
    assert FollowUp.objects.filter(kind=Kind.REFERRAL_UNANSWERED, status="done").count() == 2
    # The sender is told to choose another provider; the service can be referred again.
    [expired] = reasons_for(world.advocate, Reason.REFERRAL_EXPIRED)
    assert expired.follow_up.organization == world.lead
    service.refresh_from_db()
    assert service.status == PlannedService.Status.PROPOSED

    assert sweep(chicago(3, 23)).referrals_expired == 0
    assert len(reasons_for(world.advocate, Reason.REFERRAL_EXPIRED)) == 1


def test_expiry_leaves_a_referral_answered_meanwhile_alone(world):
    referral = sent_referral(world, MONDAY)
    with at(chicago(3, 22)):
        accept_referral(referral=referral, actor=world.partner_staff)
        assert not rules.expire_referral(referral=referral, now=chicago(3, 22))

    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


# --- planned services --------------------------------------------------------------------


def test_a_service_with_no_contact_for_its_period_gets_a_follow_up_for_its_advocate(world):
    service = active_service(world, MONDAY, responsible=world.other_advocate)

    sweep(MONDAY + timedelta(days=14) - ONE_SECOND)
    assert open_of(Kind.SERVICE_NO_CONTACT) == []

    sweep(MONDAY + timedelta(days=14))

    [follow_up] = open_of(Kind.SERVICE_NO_CONTACT)
    assert follow_up.about_planned_service == service
    assert follow_up.assignee == world.other_advocate
    assert follow_up.organization == world.lead
    assert follow_up.due_at == MONDAY + timedelta(days=28)
    assert len(reasons_for(world.other_advocate, Reason.FOLLOW_UP_DUE)) == 1


def test_without_a_responsible_advocate_the_primary_advocate_gets_it(world):
    active_service(world, MONDAY, expected_contact_days=7)

    sweep(MONDAY + timedelta(days=7))

    [follow_up] = open_of(Kind.SERVICE_NO_CONTACT)
    assert follow_up.assignee == world.advocate


def test_at_twice_the_period_the_service_lapses_and_the_supervisor_is_told(world):
    service = active_service(world, MONDAY)
    sweep(MONDAY + timedelta(days=14))

    sweep(MONDAY + timedelta(days=28) - ONE_SECOND)
    service.refresh_from_db()
    assert service.status == PlannedService.Status.ACTIVE

    report = sweep(MONDAY + timedelta(days=28))

    assert report.services_lapsed == 1
    service.refresh_from_db()
    assert service.status == PlannedService.Status.LAPSED
    [alert] = reasons_for(world.supervisor, Reason.SERVICE_LAPSED)
    assert alert.follow_up.about_planned_service == service
    assert sweep(MONDAY + timedelta(days=29)).services_lapsed == 0
    assert len(reasons_for(world.supervisor, Reason.SERVICE_LAPSED)) == 1


def test_logging_a_contact_closes_the_follow_up_and_restarts_the_clock(world):
    service = active_service(world, MONDAY)
    sweep(MONDAY + timedelta(days=14))
    contacted = MONDAY + timedelta(days=15)

    with at(contacted):
        add_contact(
            case=world.case,
            actor=world.advocate,
            occurred_at=contacted,
            channel="call",
            outcome="reached",
            contact_with="provider",
            planned_service=service,
        )

    [done] = FollowUp.objects.filter(kind=Kind.SERVICE_NO_CONTACT)
    assert done.status == FollowUp.Status.DONE
    assert done.completed_at == contacted
    assert "Contact" in done.completion_note
    sweep(contacted + timedelta(days=14) - ONE_SECOND)
    assert open_of(Kind.SERVICE_NO_CONTACT) == []
    sweep(contacted + timedelta(days=14))
    assert len(open_of(Kind.SERVICE_NO_CONTACT)) == 1
    service.refresh_from_db()
    assert service.status == PlannedService.Status.ACTIVE


def test_a_service_that_is_not_active_has_no_contact_clock(world):
    with at(MONDAY):
        f.PlannedServiceFactory(goal=goal(world), status=PlannedService.Status.PROPOSED)

    sweep(MONDAY + timedelta(days=60))

    assert open_of(Kind.SERVICE_NO_CONTACT) == []


# --- plan reviews ------------------------------------------------------------------------


def test_an_approved_plan_not_reviewed_for_ninety_days_needs_a_review(world):
    approved_version(world, MONDAY)
    checked_in(world, MONDAY + timedelta(days=1))  # its own clock, a day behind

    sweep(MONDAY + timedelta(days=90) - ONE_SECOND)
    assert open_of(Kind.PLAN_REVIEW) == []

    sweep(MONDAY + timedelta(days=90))

    [follow_up] = open_of(Kind.PLAN_REVIEW)
    assert follow_up.about_plan == world.case.plan
    assert follow_up.assignee == world.advocate
    assert len(reasons_for(world.advocate, Reason.FOLLOW_UP_DUE)) == 1


def test_a_recorded_review_resets_the_plan_clock(world):
    approved_version(world, MONDAY)
    reviewed = MONDAY + timedelta(days=60)
    ServicePlan.objects.filter(pk=world.case.plan.pk).update(last_reviewed_at=reviewed)

    sweep(MONDAY + timedelta(days=100))
    assert open_of(Kind.PLAN_REVIEW) == []

    sweep(reviewed + timedelta(days=90))
    assert len(open_of(Kind.PLAN_REVIEW)) == 1


def test_a_plan_without_an_approved_version_needs_no_review(world):
    sweep(MONDAY + timedelta(days=400))

    assert open_of(Kind.PLAN_REVIEW) == []


def test_approving_a_new_version_closes_the_review(world):
    approved_version(world, MONDAY)
    sweep(MONDAY + timedelta(days=90))
    with at(MONDAY + timedelta(days=91)):
        version = f.PlanVersionFactory(
            plan=world.case.plan, status=PlanVersion.Status.AWAITING_APPROVAL
        )
        approve_plan_version(version=version, actor=world.advocate)

    [done] = FollowUp.objects.filter(kind=Kind.PLAN_REVIEW)
    assert done.status == FollowUp.Status.DONE
    assert done.completed_at == MONDAY + timedelta(days=91)


def test_recording_a_review_on_the_plan_closes_the_review(world):
    approved_version(world, MONDAY)
    sweep(MONDAY + timedelta(days=90))
    plan = ServicePlan.objects.get(pk=world.case.plan.pk)

    with at(MONDAY + timedelta(days=92)):
        plan.last_reviewed_at = MONDAY + timedelta(days=92)
        plan.save(update_fields=["last_reviewed_at"])

    assert FollowUp.objects.get(kind=Kind.PLAN_REVIEW).status == FollowUp.Status.DONE


# --- consent renewal ---------------------------------------------------------------------


def test_a_consent_expiring_within_fourteen_days_asks_for_renewal_in_the_portal_too(world):
    expires = MONDAY + timedelta(days=60)
    consent = consent_until(world, MONDAY, expires)

    sweep(expires - timedelta(days=14) - ONE_SECOND)
    assert open_of(Kind.CONSENT_RENEWAL) == []

    sweep(expires - timedelta(days=14))

    [follow_up] = open_of(Kind.CONSENT_RENEWAL)
    assert follow_up.about_consent == consent
    assert follow_up.organization == world.lead
    assert follow_up.assignee == world.advocate
    assert follow_up.due_at == expires - timedelta(days=7)
    notice = PortalNotice.objects.get(kind=PortalNotice.Kind.CONSENT_RENEWAL)
    assert (notice.person_id, notice.object_id) == (world.case.person_id, consent.pk)
    sweep(expires - timedelta(days=13))
    assert PortalNotice.objects.count() == 1


def test_a_renewal_that_activates_closes_the_renewal_follow_up(world):
    expires = MONDAY + timedelta(days=60)
    consent = consent_until(world, MONDAY, expires)
    sweep(expires - timedelta(days=10))

    renewed_at = expires - timedelta(days=5)
    consent_until(world, renewed_at, renewed_at + timedelta(days=365), replaces=consent)

    [done] = FollowUp.objects.filter(kind=Kind.CONSENT_RENEWAL)
    assert done.status == FollowUp.Status.DONE
    assert "Renewed" in done.completion_note


def test_a_consent_not_in_force_needs_no_renewal(world):
    expires = MONDAY + timedelta(days=30)
    consent_until(world, MONDAY, expires, status=Consent.Status.PENDING_SIGNATURE)

    sweep(expires - timedelta(days=3))

    assert open_of(Kind.CONSENT_RENEWAL) == []


# --- overdue follow-ups ------------------------------------------------------------------


def _by_hand(world, due_at) -> FollowUp:
    return FollowUp.objects.create(
        case=world.case,
        kind=Kind.OTHER,
        organization=world.lead,
        assignee=world.advocate,
        due_at=due_at,
        description="Call the school",
    )


def test_a_follow_up_overdue_by_the_grace_period_is_escalated_to_a_supervisor(world):
    follow_up = _by_hand(world, MONDAY)

    sweep(MONDAY + timedelta(days=3) - ONE_SECOND)
    follow_up.refresh_from_db()
    assert follow_up.escalated_to is None

    report = sweep(MONDAY + timedelta(days=3))

    assert report.overdue_escalations == 1
    follow_up.refresh_from_db()
    assert follow_up.escalated_to == world.supervisor
    assert follow_up.escalated_at == MONDAY + timedelta(days=3)
    assert len(reasons_for(world.supervisor, Reason.ESCALATION)) == 1
    assert sweep(MONDAY + timedelta(days=4)).overdue_escalations == 0
    assert len(reasons_for(world.supervisor, Reason.ESCALATION)) == 1


def test_an_organization_without_a_supervisor_keeps_the_follow_up_unescalated(world):
    follow_up = FollowUp.objects.create(
        case=world.case, kind=Kind.OTHER, organization=world.partner, due_at=MONDAY
    )

    sweep(MONDAY + timedelta(days=10))

    follow_up.refresh_from_db()
    assert follow_up.escalated_at is None


def test_a_supervisor_assigned_the_follow_up_is_escalated_past_to_another(world):
    second = staff(world.lead, Membership.Role.SUPERVISOR)
    follow_up = _by_hand(world, MONDAY)
    FollowUp.objects.filter(pk=follow_up.pk).update(assignee=world.supervisor)

    sweep(MONDAY + timedelta(days=3))

    follow_up.refresh_from_db()
    assert follow_up.escalated_to == second


# --- each organization's numbers ---------------------------------------------------------


def test_rules_for_an_organization_without_numbers_are_the_defaults(world):
    found = rules.rules_for(world.lead)

    assert found.pk is None
    assert found.referral_answer_business_days == 2
    assert found.time_zone == "America/Chicago"


def test_an_organization_s_own_referral_numbers_change_the_outcome(world):
    ContinuityRules.objects.create(
        organization=world.lead,
        referral_answer_business_days=1,
        referral_escalation_business_days=2,
        referral_expiry_business_days=3,
    )
    referral = sent_referral(world, MONDAY)

    sweep(chicago(3, 2))
    assert len(open_of(Kind.REFERRAL_UNANSWERED)) == 2
    sweep(chicago(3, 3))
    assert open_of(Kind.REFERRAL_UNANSWERED, organization=world.lead)[0].escalated_to is not None
    sweep(chicago(3, 4))

    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED_WITHOUT_SERVICE


def test_an_organization_s_own_grace_and_review_periods_change_the_outcome(world):
    ContinuityRules.objects.create(
        organization=world.lead, overdue_grace_days=1, plan_review_days=30
    )
    follow_up = _by_hand(world, MONDAY)
    approved_version(world, MONDAY)

    sweep(MONDAY + timedelta(days=1))
    follow_up.refresh_from_db()
    assert follow_up.escalated_to == world.supervisor

    sweep(MONDAY + timedelta(days=30))
    assert len(open_of(Kind.PLAN_REVIEW)) == 1


def test_an_organization_s_time_zone_moves_its_business_day_boundary(world):
    # Friday 18:00 in Chicago is already Saturday 09:00 in Tokyo: there the clock starts on
    # Monday 00:00, and two business days end on Wednesday 00:00 Tokyo time, which is
    # Tuesday 09:00 in Chicago (in Chicago's own time zone they would end Tuesday 18:00).
    ContinuityRules.objects.create(organization=world.lead, time_zone="Asia/Tokyo")
    sent_referral(world, chicago(3, 5, 18))

    sweep(chicago(3, 9, 8, 59))
    assert open_of(Kind.REFERRAL_UNANSWERED) == []

    sweep(chicago(3, 9, 9))
    assert len(open_of(Kind.REFERRAL_UNANSWERED)) == 2


def test_an_organization_s_contact_default_is_kept_for_services_that_carry_none(world):
    service = active_service(world, MONDAY)
    rules_row = ContinuityRules(organization=world.lead, default_contact_days=5)

    # The model requires a contact frequency on every service; the default fills a gap only.
    assert rules._contact_period(service, rules_row) == timedelta(days=14)
    service.expected_contact_days = 0
    assert rules._contact_period(service, rules_row) == timedelta(days=5)


# --- weekly digest -----------------------------------------------------------------------


def _digests(user, week: str) -> list[Notification]:
    return [n for n in reasons_for(user, Reason.WEEKLY_DIGEST) if n.key.endswith(week)]


def test_every_supervisor_gets_a_weekly_digest_of_counts_once_a_week(world):
    overdue = _by_hand(world, MONDAY)
    _by_hand(world, MONDAY + timedelta(days=30))  # not due: not counted
    sweep(MONDAY + timedelta(days=3))  # escalates ``overdue``; week 9's digest goes too
    assert FollowUp.objects.get(pk=overdue.pk).escalated_at is not None
    assert len(_digests(world.supervisor, "2027-W09")) == 1
    other_supervisor = staff(world.partner, Membership.Role.SUPERVISOR)

    sweep(chicago(3, 8, 6, 59))  # Monday of week 10, before 07:00
    assert _digests(world.supervisor, "2027-W10") == []

    report = sweep(chicago(3, 8, 7))

    assert report.weekly_digests == 2
    [digest] = _digests(world.supervisor, "2027-W10")
    assert digest.item_count == 1
    assert digest.follow_up is None
    assert _digests(other_supervisor, "2027-W10")[0].item_count == 0
    assert sweep(chicago(3, 10)).weekly_digests == 0
    assert sweep(chicago(3, 15, 8)).weekly_digests == 2
    assert len(_digests(world.supervisor, "2027-W11")) == 1
