"""Every database constraint refuses the row it exists to refuse, on every backend."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import BaseConstraint, UniqueConstraint
from django.utils import timezone

from accounts.models import User
from cases.documents import CaseDocument
from cases.models import CareTeamMember, Case, PlanVersion, Referral
from consent.access_log import EventDraft, record_events
from consent.models import AccessEvent, CompelledDisclosure
from providers.models import MembershipChange
from providers.organization_changes import OrganizationChange
from tasks.models import (
    ContinuityRules,
    FollowUp,
    Notification,
    NotificationSettings,
    PortalNotice,
)
from tests import directory_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def _area_twice() -> None:
    area = d.DirectoryServiceAreaFactory(area="Cook County")
    d.DirectoryServiceAreaFactory(service=area.service, area="Cook County")


def _language_twice() -> None:
    language = d.DirectoryServiceLanguageFactory(code="es")
    d.DirectoryServiceLanguageFactory(service=language.service, code="es")


def _service_at_location_twice() -> None:
    here = d.DirectoryServiceAtLocationFactory()
    d.DirectoryServiceAtLocationFactory(service=here.service, location=here.location)


def _second_current_primary() -> None:
    member = f.CareTeamMemberFactory()
    f.CareTeamMemberFactory(case=member.case)


def _same_user_twice_on_team() -> None:
    member = f.CareTeamMemberFactory(role=CareTeamMember.Role.SECONDARY)
    f.CareTeamMemberFactory(case=member.case, user=member.user, role="secondary")


def _second_open_case() -> None:
    case = f.CaseFactory()
    f.CaseFactory(person=case.person, lead_organization=case.lead_organization)


def _approved(version_plan: object, number: int) -> PlanVersion:
    return f.PlanVersionFactory(
        plan=version_plan,
        number=number,
        status="approved",
        approved_at=timezone.now(),
        approval_channel="portal",
    )


def _two_approved_versions() -> None:
    first = _approved(f.CaseFactory().plan, 1)
    _approved(first.plan, 2)


def _two_versions_in_progress() -> None:
    first = f.PlanVersionFactory(status="draft")
    f.PlanVersionFactory(plan=first.plan, status="awaiting_approval")


def _same_version_number() -> None:
    first = f.PlanVersionFactory(
        number=1, status="superseded", approved_at=timezone.now(), approval_channel="portal"
    )
    f.PlanVersionFactory(plan=first.plan, number=1)


def _two_pending_transfers() -> None:
    transfer = f.CaseTransferFactory()
    f.CaseTransferFactory(case=transfer.case)


def _duplicate_role() -> None:
    membership = f.MembershipFactory()
    f.MembershipFactory(user=membership.user, organization=membership.organization)


def _self_referral() -> None:
    case = f.CaseFactory()
    f.ReferralFactory(case=case, to_organization=case.lead_organization)


def _self_transfer() -> None:
    case = f.CaseFactory()
    f.CaseTransferFactory(case=case, to_organization=case.lead_organization)


def _consent_ending_before_it_starts() -> None:
    now = timezone.now()
    f.ConsentFactory(starts_at=now, expires_at=now - dt.timedelta(days=1))


def _guardian_signature(**fields: object) -> None:
    consent = f.ConsentFactory(signatures=False)
    member = f.FamilyMemberFactory(person=consent.subject, is_legal_guardian=True)
    f.SignatureFactory(
        consent=consent, family_member=member, **{"signer_role": "guardian", **fields}
    )


def _young_person_signs_twice() -> None:
    signature = f.SignatureFactory()
    f.SignatureFactory(consent=signature.consent)


def _family_member_signs_twice() -> None:
    consent = f.ConsentFactory(signatures=False)
    member = f.FamilyMemberFactory(person=consent.subject, is_legal_guardian=True)
    for _ in range(2):
        f.SignatureFactory(consent=consent, family_member=member, signer_role="guardian")


def _compelled(**fields: object) -> CompelledDisclosure:
    case = f.CaseFactory()
    values = {
        "case": case,
        "authority": "court_order",
        "legal_authority": "Order 2026-JV-0003",
        "recipient_name": "County Juvenile Court",
        "categories": ["plan"],
        "disclosed_at": timezone.now(),
        "recorded_by": f.UserFactory(),
        **fields,
    }
    return CompelledDisclosure.objects.create(**values)


def _follow_up(**fields: object) -> FollowUp:
    case = fields.pop("case", None) or f.CaseFactory()
    values = {
        "case": case,
        "kind": "other",
        "organization": case.lead_organization,
        "due_at": timezone.now(),
        **fields,
    }
    return FollowUp.objects.create(**values)


def _two_open_follow_ups(kind: str, about: str) -> None:
    """Two open follow-ups of one kind about the same object (and, for referrals, side)."""
    first = {
        "about_referral": lambda: _follow_up(kind=kind, about_referral=f.ReferralFactory()),
        "about_planned_service": lambda: _follow_up(
            kind=kind, about_planned_service=f.PlannedServiceFactory()
        ),
        "about_plan": lambda: _follow_up(kind=kind, about_plan=f.CaseFactory().plan),
        "about_consent": lambda: _follow_up(kind=kind, about_consent=f.ConsentFactory()),
        "about_compelled": lambda: _follow_up(kind=kind, about_compelled=_compelled()),
    }[about]()
    _follow_up(
        case=first.case,
        kind=kind,
        organization=first.organization,
        **{about: getattr(first, about)},
    )


def _notice(**fields: object) -> PortalNotice:
    case = f.CaseFactory()
    values = {"case": case, "person": case.person, "kind": "consent_renewal", "object_id": 1}
    return PortalNotice.objects.create(**{**values, **fields})


def _notice_twice() -> None:
    notice = _notice()
    PortalNotice.objects.create(
        case=notice.case, person=notice.person, kind=notice.kind, object_id=notice.object_id
    )


def _notification(**fields: object) -> Notification:
    values = {
        "key": f"test:{timezone.now().timestamp()}",
        "recipient": f.UserFactory(),
        "reason": "follow_up_due",
        "channel": "in_app",
        "deliver_after": timezone.now(),
        **fields,
    }
    return Notification.objects.create(**values)


def _document(**values: object) -> CaseDocument:
    case = f.CaseFactory()
    row = {
        "case": case,
        "organization": case.lead_organization,
        "kind": "other",
        "title": "A letter",
        "content_type": "application/pdf",
        "size": 10,
        "sha256": "0" * 64,
        "storage_name": "stored.bin",
        "uploaded_at": timezone.now(),
        **values,
    }
    return CaseDocument.objects.create(**row)


def _second_intake_check_in() -> None:
    first = f.CheckInFactory(occasion="intake")
    f.CheckInFactory(case=first.case, occasion="intake")


def _goal_answered_twice() -> None:
    progress = f.GoalProgressFactory()
    f.GoalProgressFactory(check_in=progress.check_in, goal=progress.goal)


def _two_open_check_in_follow_ups() -> None:
    first = _follow_up(kind="check_in_due")
    _follow_up(kind="check_in_due", case=first.case)


def _event_at_a_taken_place() -> None:
    (first,) = record_events([EventDraft(user_id=None, action="view", outcome="denied")])
    AccessEvent.objects.create(
        at=timezone.now(),
        action="view",
        outcome="denied",
        lane=first.lane,
        sequence=first.sequence,
        prev_hash=first.hash,
        key_id=first.key_id,
        hash="0" * 64,
    )


VIOLATIONS: dict[str, Callable[[], object]] = {
    "check_in_occasion_valid": lambda: f.CheckInFactory(occasion="birthday"),
    "check_in_answered_by_valid": lambda: f.CheckInFactory(answered_by="neighbour"),
    "check_in_answers_valid": lambda: f.CheckInFactory(safety="very_safe_indeed"),
    "check_in_living_situation_at_closure": lambda: f.CheckInFactory(
        occasion="intake", living_situation="shelter"
    ),
    "check_in_one_intake_per_case": _second_intake_check_in,
    "goal_progress_code_valid": lambda: f.GoalProgressFactory(code="halfway"),
    "goal_progress_once_per_check_in": _goal_answered_twice,
    "followup_one_open_check_in_per_case": _two_open_check_in_follow_ups,
    "user_email_unique_ci": lambda: [
        User.objects.create(email="sam@example.org"),
        User.objects.create(email="SAM@example.org"),
    ],
    "user_sign_in_name_unique_ci": lambda: [
        User.objects.create(email=None, sign_in_name="river-fox"),
        User.objects.create(email=None, sign_in_name="River-Fox"),
    ],
    "user_has_an_email_or_sign_in_name": lambda: User.objects.create(email=None, sign_in_name=None),
    "membership_change_action_valid": lambda: MembershipChange.objects.create(
        organization=f.OrganizationFactory(),
        member=f.UserFactory(),
        action="promoted",
        to_role="advocate",
        to_active=True,
    ),
    "organization_change_action_valid": lambda: OrganizationChange.objects.create(
        organization=f.OrganizationFactory(), action="merged"
    ),
    "directory_location_address_type_valid": lambda: d.DirectoryLocationFactory(
        address_type="home"
    ),
    "organization_name_unique_ci": lambda: [
        f.OrganizationFactory(name="Haven"),
        f.OrganizationFactory(name="HAVEN"),
    ],
    "organization_kind_valid": lambda: f.OrganizationFactory(kind="spa"),
    "membership_one_row_per_role": _duplicate_role,
    "membership_role_valid": lambda: f.MembershipFactory(role="owner"),
    "person_has_a_name_or_alias": lambda: f.PersonFactory(alias=""),
    "person_birth_date_precision_valid": lambda: f.PersonFactory(birth_date_precision="month"),
    "person_exact_birth_date_given": lambda: f.PersonFactory(birth_date_precision="exact"),
    "person_birth_year_given": lambda: f.PersonFactory(birth_date_precision="year"),
    "person_birth_year_plausible": lambda: f.PersonFactory(
        birth_date_precision="year", birth_year=1850
    ),
    "person_age_range_ordered": lambda: f.PersonFactory(
        birth_date_precision="age_range", age_range_min=17, age_range_max=14
    ),
    "family_relation_valid": lambda: f.FamilyMemberFactory(relation="neighbour"),
    "family_other_relation_named": lambda: f.FamilyMemberFactory(relation="other"),
    "family_court_appointed_is_guardian": lambda: f.FamilyMemberFactory(
        is_legal_guardian=False, is_court_appointed=True
    ),
    "safe_contact_hours_both_or_neither": lambda: _rule_with_half_hours(),
    "person_sex_valid": lambda: f.PersonFactory(sex="unknown"),
    "person_sexual_orientation_valid": lambda: f.PersonFactory(sexual_orientation="maybe"),
    "case_status_valid": lambda: f.CaseFactory(status="paused"),
    "case_referral_source_valid": lambda: f.CaseFactory(referral_source="rumour"),
    "case_closed_iff_reason_and_date": lambda: f.CaseFactory(status="closed"),
    "case_other_reason_explained": lambda: f.CaseFactory(
        status="closed", closed_reason="other", closed_on=timezone.localdate()
    ),
    "case_closed_after_opened": lambda: f.CaseFactory(
        closed=True, opened_on=TODAY, closed_on=TODAY - dt.timedelta(days=1)
    ),
    "case_one_open_case_per_person_and_lead": _second_open_case,
    "care_team_role_valid": lambda: f.CareTeamMemberFactory(role="observer"),
    "care_team_until_after_since": lambda: f.CareTeamMemberFactory(
        since=TODAY, until=TODAY - dt.timedelta(days=1)
    ),
    "care_team_one_current_primary": _second_current_primary,
    "care_team_one_current_role_per_user": _same_user_twice_on_team,
    "flag_kind_valid": lambda: f.FlagFactory(kind="gossip"),
    "flag_has_text": lambda: f.FlagFactory(text=""),
    "plan_version_status_valid": lambda: f.PlanVersionFactory(status="rejected"),
    "plan_version_number_unique": _same_version_number,
    "plan_version_one_approved": _two_approved_versions,
    "plan_version_one_in_progress": _two_versions_in_progress,
    "plan_version_approval_recorded": lambda: f.PlanVersionFactory(status="approved"),
    "goal_domain_valid": lambda: f.GoalFactory(domain="astrology"),
    "goal_status_valid": lambda: f.GoalFactory(status="forgotten"),
    "goal_has_description": lambda: f.GoalFactory(description=""),
    "planned_service_status_valid": lambda: f.PlannedServiceFactory(status="paused"),
    "planned_service_ends_after_start": lambda: f.PlannedServiceFactory(
        starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1)
    ),
    "planned_service_contact_days_range": lambda: f.PlannedServiceFactory(expected_contact_days=0),
    "referral_status_valid": lambda: f.ReferralFactory(status="lost", sent_at=timezone.now()),
    "referral_to_another_organization": _self_referral,
    "referral_decline_has_reason": lambda: f.ReferralFactory(
        status=Referral.Status.DECLINED, sent_at=timezone.now()
    ),
    "referral_other_decline_explained": lambda: f.ReferralFactory(decline_reason="other"),
    "referral_sent_at_once_sent": lambda: f.ReferralFactory(status=Referral.Status.SENT),
    "referral_completion_has_outcome": lambda: f.ReferralFactory(
        status=Referral.Status.COMPLETED, sent_at=timezone.now()
    ),
    "transfer_status_valid": lambda: f.CaseTransferFactory(
        status="lost", answered_at=timezone.now()
    ),
    "transfer_to_another_organization": _self_transfer,
    "transfer_one_pending": _two_pending_transfers,
    "transfer_answer_recorded": lambda: f.CaseTransferFactory(status="accepted"),
    "note_category_valid": lambda: f.CaseNoteFactory(category="rumour"),
    "note_has_body": lambda: f.CaseNoteFactory(body=""),
    "document_kind_valid": lambda: _document(kind="passport_photo"),
    "document_stored_or_deleted": lambda: _document(storage_name=""),
    "system_involvement_kind_valid": lambda: f.SystemInvolvementEventFactory(kind="sighting"),
    "system_involvement_removal_explained": lambda: f.SystemInvolvementEventFactory(
        removed_at=timezone.now()
    ),
    "contact_channel_valid": lambda: f.ContactFactory(channel="pigeon"),
    "contact_outcome_valid": lambda: f.ContactFactory(outcome="maybe"),
    "contact_with_valid": lambda: f.ContactFactory(contact_with="stranger"),
    # consent
    "consent_status": lambda: f.ConsentFactory(status="lapsed"),
    "consent_purpose": lambda: f.ConsentFactory(purpose="marketing"),
    "consent_other_purpose_explained": lambda: f.ConsentFactory(purpose="other"),
    "consent_expires_after_start": _consent_ending_before_it_starts,
    "consent_revocation_recorded": lambda: f.ConsentFactory(status="revoked"),
    "consent_activation_recorded": lambda: f.ConsentFactory(activated_at=None),
    "signature_role": lambda: _guardian_signature(signer_role="neighbour"),
    "signature_method": lambda: f.SignatureFactory(method="verbal"),
    "signature_has_evidence": lambda: f.SignatureFactory(evidence=""),
    "signature_names_its_signer": lambda: _guardian_signature(signer_role="young_person"),
    "signature_young_person_once": _young_person_signs_twice,
    "signature_family_member_once": _family_member_signs_twice,
    "compelled_authority": lambda: _compelled(authority="subpoena"),
    "compelled_names_legal_authority": lambda: _compelled(legal_authority=""),
    # tasks
    "followup_status": lambda: _follow_up(status="snoozed", completed_at=timezone.now()),
    "followup_kind": lambda: _follow_up(kind="gossip"),
    "followup_closed_iff_completed_at": lambda: _follow_up(status="done"),
    "followup_consent_kind_names_consent": lambda: _follow_up(kind="consent_renewal"),
    "followup_compelled_kind_names_disclosure": lambda: _follow_up(
        kind="notify_compelled_disclosure"
    ),
    "followup_escalation_names_supervisor": lambda: _follow_up(escalated_at=timezone.now()),
    "followup_one_open_per_referral_side": lambda: _two_open_follow_ups(
        "referral_unanswered", "about_referral"
    ),
    "followup_one_open_per_service_and_kind": lambda: _two_open_follow_ups(
        "service_no_contact", "about_planned_service"
    ),
    "followup_one_open_per_plan_and_kind": lambda: _two_open_follow_ups(
        "plan_review", "about_plan"
    ),
    "followup_one_open_per_consent_and_kind": lambda: _two_open_follow_ups(
        "consent_renewal", "about_consent"
    ),
    "followup_one_open_per_compelled_and_kind": lambda: _two_open_follow_ups(
        "notify_compelled_disclosure", "about_compelled"
    ),
    "notice_kind": lambda: _notice(kind="gossip"),
    "notice_once_per_object": _notice_twice,
    "rules_referral_clock_in_order": lambda: ContinuityRules.objects.create(
        organization=f.OrganizationFactory(), referral_escalation_business_days=2
    ),
    "rules_periods_positive": lambda: ContinuityRules.objects.create(
        organization=f.OrganizationFactory(), plan_review_days=0
    ),
    "rules_caseload_limit_positive": lambda: ContinuityRules.objects.create(
        organization=f.OrganizationFactory(), caseload_limit=0
    ),
    "organization_retention_days_range": lambda: f.OrganizationFactory(
        closed_case_retention_days=7
    ),
    "directory_service_status_valid": lambda: d.DirectoryServiceFactory(status="open"),
    "directory_service_cost_valid": lambda: d.DirectoryServiceFactory(cost="pay_what_you_can"),
    "directory_service_genders_valid": lambda: d.DirectoryServiceFactory(genders="everyone"),
    "directory_service_ages_ordered": lambda: d.DirectoryServiceFactory(
        minimum_age=18, maximum_age=12
    ),
    "directory_area_once": _area_twice,
    "directory_language_once": _language_twice,
    "directory_service_at_location_once": _service_at_location_twice,
    # R40: a shelter's street or coordinates cannot even be stored.
    "directory_confidential_location_has_no_address": lambda: d.DirectoryLocationFactory(
        is_confidential=True, address_1="12 Hidden Lane"
    ),
    "notif_reason": lambda: _notification(reason="gossip"),
    "notif_channel": lambda: _notification(channel="pigeon"),
    "notif_status": lambda: _notification(status="lost"),
    "notif_sent_at": lambda: _notification(status="sent"),
    "notif_mode": lambda: NotificationSettings.objects.create(
        user=f.UserFactory(), email_mode="hourly"
    ),
    # R27: two events at one place of one lane would fork the chain.
    "access_event_lane_sequence": _event_at_a_taken_place,
}


def _rule_with_half_hours() -> None:
    rule = f.PersonFactory().safe_contact
    rule.safe_hours_start = dt.time(9)
    rule.save()


def _constraints() -> list[BaseConstraint]:
    return [
        constraint
        for app_label in ("accounts", "providers", "cases", "consent", "tasks")
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    ]


def _declared_constraints() -> set[str]:
    return {c.name for c in _constraints()}


def _unique_constraints() -> set[str]:
    return {c.name for c in _constraints() if isinstance(c, UniqueConstraint)}


def test_every_declared_constraint_has_a_violation_test():
    assert _declared_constraints() == set(VIOLATIONS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_constraint_refuses_the_row_it_guards_against(name):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        VIOLATIONS[name]()

    message = str(caught.value)
    # SQLite names the columns of a failed unique index rather than the index itself.
    sqlite_unique = connection.vendor == "sqlite" and name in _unique_constraints()
    assert name in message or (sqlite_unique and "UNIQUE constraint failed" in message)


def test_a_closed_case_frees_the_person_for_a_new_case_at_the_same_lead():
    closed = f.CaseFactory(closed=True)

    again = f.CaseFactory(person=closed.person, lead_organization=closed.lead_organization)

    assert Case.objects.filter(person=closed.person).count() == 2 and again.status == "open"


def test_an_ended_primary_does_not_block_a_new_primary():
    old = f.CareTeamMemberFactory(until=timezone.localdate())

    new = f.CareTeamMemberFactory(case=old.case)

    assert new.role == old.role == "primary"
