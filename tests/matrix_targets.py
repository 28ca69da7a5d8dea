"""What each API route of the authorization matrix is about, built in the `world` fixture.

``pk`` returns the id of a record that belongs to the world's case (or, for memberships, to
the lead organization); ``payload`` is a body that would be valid for someone with a basis.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests import factories as f
from tests.conftest import World


@dataclass(frozen=True)
class Target:
    pk: Callable[[World], int]
    payload: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    case_data: bool = True
    insider: str = "advocate"


def _case(world: World) -> int:
    return world.case.pk


def _person(world: World) -> int:
    return world.case.person_id


def _care_team_row(world: World) -> int:
    return world.case.care_team.get().pk


def _family_member(world: World) -> int:
    member = world.case.person.family_members.first()
    return (member or f.FamilyMemberFactory(person=world.case.person)).pk


def _lead_membership(world: World) -> int:
    return world.other_advocate.memberships.get().pk


def _goal(world: World) -> int:
    goal = world.case.plan.goals.first()
    return (goal or f.GoalFactory(plan=world.case.plan)).pk


def _planned_service(world: World) -> int:
    service = f.PlannedService.objects.filter(goal__plan__case=world.case).first()
    return (service or f.PlannedServiceFactory(goal_id=_goal(world))).pk


def _plan_version(world: World) -> int:
    version = world.case.plan.versions.first()
    return (version or f.PlanVersionFactory(plan=world.case.plan, number=1)).pk


def _note(world: World) -> int:
    note = world.case.notes.first()
    return (note or f.CaseNoteFactory(case=world.case, author=world.advocate)).pk


def _contact(world: World) -> int:
    contact = world.case.contacts.first()
    return (contact or f.ContactFactory(case=world.case, staff=world.advocate)).pk


def _flag(world: World) -> int:
    flag = world.case.flags.first()
    return (flag or f.FlagFactory(case=world.case, raised_by=world.advocate)).pk


def _third_organization(world: World) -> int:
    return f.Organization.objects.get_or_create(
        name="Third Legal Aid", defaults={"kind": "legal", "group": f.GroupFactory()}
    )[0].pk


def _referral(world: World) -> int:
    """A referral sent to a third organization: the partner's staff are outsiders to it."""
    referral = world.case.referrals.first()
    return (
        referral
        or f.ReferralFactory(
            case=world.case, to_organization_id=_third_organization(world), sent=True
        )
    ).pk


def _transfer(world: World) -> int:
    transfer = world.case.transfers.first()
    return (
        transfer
        or f.CaseTransferFactory(case=world.case, to_organization_id=_third_organization(world))
    ).pk


CASE = Target(pk=_case)
TARGETS: dict[str, Target] = {
    "case-list": Target(
        pk=_case, payload=lambda w: {"lead_organization": w.lead.pk, "person_id": w.case.person_id}
    ),
    "case-detail": CASE,
    "case-activate": CASE,
    "case-close": Target(pk=_case, payload=lambda w: {"reason": "goals_met"}),
    "case-reopen": CASE,
    "care-team-list": Target(
        pk=_care_team_row,
        payload=lambda w: {"case": w.case.pk, "user": w.other_advocate.pk, "role": "secondary"},
    ),
    "care-team-detail": Target(pk=_care_team_row),
    "care-team-end": Target(pk=_care_team_row),
    "person-list": Target(pk=_person),
    "person-detail": Target(pk=_person, payload=lambda w: {"pronouns": "she/her"}),
    "person-safe-contact": Target(pk=_person, payload=lambda w: {"allowed_channels": ["sms"]}),
    "family-member-list": Target(
        pk=_family_member,
        payload=lambda w: {"person": w.case.person_id, "name": "Kim", "relation": "aunt_uncle"},
    ),
    "family-member-detail": Target(pk=_family_member, payload=lambda w: {"notes": "changed"}),
    "membership-list": Target(
        pk=_lead_membership,
        payload=lambda w: {
            "organization": w.lead.pk,
            "email": "new@example.org",
            "role": "advocate",
        },
        case_data=False,
        insider="org_admin",
    ),
    "membership-detail": Target(pk=_lead_membership, case_data=False, insider="org_admin"),
    "membership-suspend": Target(pk=_lead_membership, case_data=False, insider="org_admin"),
    "membership-restore": Target(pk=_lead_membership, case_data=False, insider="org_admin"),
    "case-history-list": Target(pk=_case),
    "goal-list": Target(
        pk=_goal,
        payload=lambda w: {"case": w.case.pk, "description": "School", "domain": "education"},
    ),
    "goal-detail": Target(pk=_goal, payload=lambda w: {"description": "changed"}),
    "planned-service-list": Target(
        pk=_planned_service,
        payload=lambda w: {"goal": _goal(w), "service_type": f.service_type().pk},
    ),
    "planned-service-detail": Target(
        pk=_planned_service, payload=lambda w: {"expected_contact_days": 7}
    ),
    "planned-service-move": Target(pk=_planned_service, payload=lambda w: {"status": "active"}),
    "plan-version-list": Target(pk=_plan_version, payload=lambda w: {"case": w.case.pk}),
    "plan-version-detail": Target(pk=_plan_version),
    "plan-version-submit": Target(pk=_plan_version),
    "plan-version-approve": Target(pk=_plan_version),
    "plan-version-request-changes": Target(
        pk=_plan_version, payload=lambda w: {"changes_requested": "more"}
    ),
    "note-list": Target(pk=_note, payload=lambda w: {"case": w.case.pk, "body": "Met today"}),
    "note-detail": Target(pk=_note, payload=lambda w: {"body": "changed"}),
    "contact-list": Target(
        pk=_contact,
        payload=lambda w: {
            "case": w.case.pk,
            "channel": "call",
            "outcome": "reached",
            "occurred_at": "2026-01-01T10:00:00Z",
        },
    ),
    "contact-detail": Target(pk=_contact),
    "flag-list": Target(
        pk=_flag, payload=lambda w: {"case": w.case.pk, "kind": "medical", "text": "x"}
    ),
    "flag-detail": Target(pk=_flag),
    "flag-clear": Target(pk=_flag),
    "referral-list": Target(
        pk=_referral,
        payload=lambda w: {
            "case": w.case.pk,
            "to_organization": w.partner.pk,
            "service_type": f.service_type().pk,
        },
    ),
    "referral-detail": Target(pk=_referral, payload=lambda w: {"message": "changed"}),
    "referral-send": Target(pk=_referral),
    "referral-withdraw": Target(pk=_referral),
    "referral-accept": Target(pk=_referral),
    "referral-decline": Target(pk=_referral, payload=lambda w: {"reason": "no_capacity"}),
    "referral-start-service": Target(pk=_referral),
    "referral-complete": Target(pk=_referral, payload=lambda w: {"outcome_note": "done"}),
    "referral-close-without-service": Target(pk=_referral, payload=lambda w: {"note": "n"}),
    "transfer-list": Target(
        pk=_transfer,
        payload=lambda w: {"case": w.case.pk, "to_organization": w.partner.pk, "reason": "moved"},
    ),
    "transfer-detail": Target(pk=_transfer),
    "transfer-accept": Target(
        pk=_transfer, payload=lambda w: {"primary_advocate": w.partner_staff.pk}
    ),
    "transfer-decline": Target(pk=_transfer, payload=lambda w: {"note": "no"}),
    "transfer-cancel": Target(pk=_transfer),
}
