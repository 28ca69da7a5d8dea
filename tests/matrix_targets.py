"""What each API route of the authorization matrix is about, built in the `world` fixture.

``pk`` returns the id of a record that belongs to the world's case (or, for memberships, to
the lead organization); ``payload`` is a body that would be valid for someone with a basis.
``category`` is the data category a consent must release for its recipient to read the
route's records: one of ``DATA_CATEGORIES``, ``CASE_LEVEL`` (the case itself, visible under
any consent with the unreleased fields withheld), ``CONSENT_TERMS`` (a consent's terms, which
its recipient reads while it is in force), or None (the lead organization's working records,
which no consent releases).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from cases.categories import DataCategory
from cases.checkins import GoalProgress
from cases.models import CaseNote, PlanVersion
from consent.access_log import EventDraft, record_events
from consent.models import CompelledDisclosure
from providers.models import DirectoryService
from tasks.models import FollowUp, Notification
from tasks.outbox import notify
from tests import factories as f
from tests.conftest import World
from tests.directory_factories import DirectoryProviderFactory, DirectoryServiceFactory

CASE_LEVEL = "any"
CONSENT_TERMS = "terms"
LEAD_READERS = ("advocate", "supervisor", "young_person")
STAFF_READERS = ("advocate", "supervisor")


@dataclass(frozen=True)
class Target:
    """One route: its record, a plausible body, and who may do what with it."""

    pk: Callable[[World], int]
    payload: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    case_data: bool = True
    category: str | None = None
    # Lead bases that read the record (list shows it, detail is 200).
    readers: tuple[str, ...] = LEAD_READERS
    # What a GET answers someone who sees the case but not this route (else 404).
    seen_case_status: int = 404
    # Lead staff whose writes the policy lets through (the receiving organization answers
    # referrals and transfers; only its author edits a note).
    lead_writers: tuple[str, ...] = STAFF_READERS
    # The young person's own acts in the portal: signing, withdrawing, approving.
    young_person_writes: bool = False
    # Partners are tested on the consent addressed to their own organization.
    partners_own_consent: bool = False
    # A record of the route that no consent shows (staff-only note, draft plan version...).
    hidden_from_partners: Callable[[World], int] | None = None
    # For routes without an id in the path: the query parameter that carries it.
    query_param: str | None = None

    @property
    def young_person_reads(self) -> bool:
        return "young_person" in self.readers


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


def _lead_organization_change(world: World) -> int:
    """The lead organization renamed by the site operator, and back."""
    from providers.operating import change_organization

    name = world.lead.name
    change_organization(organization=world.lead, actor=world.superuser, name=f"{name} (renamed)")
    organization = change_organization(organization=world.lead, actor=world.superuser, name=name)
    return organization.changes.order_by("pk").first().pk


def _lead_membership_change(world: World) -> int:
    from providers.services import set_membership_active

    membership = world.other_advocate.memberships.get()
    set_membership_active(membership=membership, active=False, actor=world.org_admin)
    set_membership_active(membership=membership, active=True, actor=world.org_admin)
    return membership.organization.membership_changes.order_by("pk").first().pk


INVITEE = "invited.person@example.org"


def _lead_invitation(world: World) -> int:
    """A pending invitation of an advocate to the lead, sent by its admin."""
    from providers.invitations import Invitation
    from providers.inviting import invite_member

    pending = Invitation.objects.pending().filter(organization=world.lead, email=INVITEE).first()
    if pending is None:
        pending = invite_member(
            organization=world.lead,
            email=INVITEE,
            full_name="Invited Person",
            role="advocate",
            actor=world.org_admin,
        ).invitation
    return pending.pk


def _goal(world: World) -> int:
    goal = world.case.plan.goals.first()
    return (goal or f.GoalFactory(plan=world.case.plan)).pk


def _planned_service(world: World) -> int:
    service = f.PlannedService.objects.filter(goal__plan__case=world.case).first()
    return (service or f.PlannedServiceFactory(goal_id=_goal(world))).pk


def _plan_version(world: World) -> int:
    """The approved version: the only kind a consent releasing the plan shows."""
    approved = PlanVersion.Status.APPROVED
    version = world.case.plan.versions.filter(status=approved).first()
    now = timezone.now()
    return (
        version
        or f.PlanVersionFactory(
            plan=world.case.plan,
            number=1,
            status=approved,
            submitted_at=now,
            approved_at=now,
            approval_channel=PlanVersion.ApprovalChannel.PORTAL,
        )
    ).pk


def _draft_plan_version(world: World) -> int:
    version = world.case.plan.versions.filter(status=PlanVersion.Status.DRAFT).first()
    return (version or f.PlanVersionFactory(plan=world.case.plan, number=2)).pk


def _note(world: World) -> int:
    note = world.case.notes.filter(staff_only=False).first()
    return (note or f.CaseNoteFactory(case=world.case, author=world.advocate)).pk


def _staff_only_note(world: World) -> int:
    note = CaseNote.objects.filter(case=world.case, staff_only=True).first()
    return (note or f.CaseNoteFactory(case=world.case, author=world.advocate, staff_only=True)).pk


def _document(world: World, *, shared: bool = True) -> int:
    """A stored document of the case; marked for partners unless ``shared`` is False."""
    from cases.services.documents import upload_document
    from tests.documents import PDF

    document = world.case.documents.filter(
        deleted_at__isnull=True, shared_with_partners=shared
    ).first()
    document = document or upload_document(
        case=world.case,
        actor=world.advocate,
        kind="id_document",
        title="Birth certificate",
        content=PDF,
        shared_with_partners=shared,
    )
    return document.pk


def _lead_only_document(world: World) -> int:
    return _document(world, shared=False)


# The note of the world's system-involvement event: no partner and not the young person may
# ever read it (issue 21, R17).
SYSTEM_INVOLVEMENT_NOTE = "Picked up near the Vexmoor depot"


def _system_involvement(world: World) -> int:
    event = world.case.system_involvement.first()
    return (
        event
        or f.SystemInvolvementEventFactory(
            case=world.case, recorded_by=world.advocate, note=SYSTEM_INVOLVEMENT_NOTE
        )
    ).pk


def _contact(world: World) -> int:
    contact = world.case.contacts.first()
    return (contact or f.ContactFactory(case=world.case, staff=world.advocate)).pk


def _check_in(world: World) -> int:
    """A check-in of the case with an answer on a goal (so staff may code it)."""
    progress = GoalProgress.objects.filter(check_in__case=world.case).first()
    progress = progress or f.GoalProgressFactory(
        check_in=f.CheckInFactory(case=world.case, recorded_by=world.advocate),
        goal_id=_goal(world),
        code="",
    )
    return progress.check_in_id


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


def _consent(world: World) -> int:
    """An active consent of the case to a third organization (no sync: it holds no rows)."""
    third = f.Organization.objects.get(pk=_third_organization(world))
    consent = f.Consent.objects.filter(case=world.case, recipient=third).first()
    return (consent or f.ConsentFactory(case=world.case, recipient=third)).pk


def _access_event(world: World) -> int:
    """An event of the advocate reading the world's case: only its young person lists it."""
    event = EventDraft(
        user_id=world.advocate.pk,
        action="view",
        outcome="allowed",
        case_id=world.case.pk,
        organization_id=world.lead.pk,
        role="advocate",
        basis="primary_advocate",
    )
    return record_events([event])[0].pk


def _compelled_disclosure(world: World) -> int:
    disclosure = CompelledDisclosure.objects.filter(case=world.case).first()
    return (
        disclosure
        or CompelledDisclosure.objects.create(
            case=world.case,
            authority="court_order",
            legal_authority="Order 2026-JV-0001",
            recipient_name="County Juvenile Court",
            categories=["plan"],
            disclosed_at=timezone.now(),
            recorded_by=world.advocate,
        )
    ).pk


def _follow_up(world: World) -> int:
    """A follow-up written by hand in the lead organization's queue, assigned to the advocate."""
    follow_up, _ = FollowUp.objects.get_or_create(
        case=world.case,
        kind=FollowUp.Kind.OTHER,
        organization=world.lead,
        defaults={
            "assignee": world.advocate,
            "due_at": timezone.now() + timedelta(days=2),
            "description": "Call back about the housing form",
            "created_by": world.advocate,
        },
    )
    return follow_up.pk


def _notification(world: World) -> int:
    """A notification in the advocate's in-app inbox: only the advocate lists or reads it."""
    [queued] = notify(
        recipient=world.advocate,
        reason=Notification.Reason.FOLLOW_UP_DUE,
        window="matrix",
        follow_up=FollowUp.objects.get(pk=_follow_up(world)),
        channels=(Notification.Channel.IN_APP,),
    )
    return queued.pk


def _directory_service(world: World) -> int:
    """A published service of the lead organization's own directory entry."""
    service = DirectoryService.objects.filter(provider__member=world.lead).first()
    if service is None:
        provider = DirectoryProviderFactory(member=world.lead, name=world.lead.name)
        service = DirectoryServiceFactory(provider=provider)
    return service.pk


# The directory is no case data: staff of any member organization read it, in any role; only
# the admins of the providing organization write (tests/api/test_directory_api.py).
DIRECTORY_READERS = ("advocate", "other_advocate", "supervisor", "org_admin", "partner_staff")
IDENTITY, CONTACT = DataCategory.IDENTITY, DataCategory.CONTACT
FAMILY, NOTES, PLAN = DataCategory.FAMILY, DataCategory.NOTES, DataCategory.PLAN
DOCUMENTS = DataCategory.DOCUMENTS
# A valid set of an organization's numbers for the follow-up rules.
CONTINUITY_RULES = {
    "time_zone": "America/Denver",
    "referral_answer_business_days": 3,
    "referral_escalation_business_days": 6,
    "referral_expiry_business_days": 20,
    "default_contact_days": 10,
    "plan_review_days": 60,
    "consent_renewal_days": 21,
    "overdue_grace_days": 2,
}
CASE = Target(pk=_case, category=CASE_LEVEL)
CARE_TEAM = Target(pk=_care_team_row)
CONSENT = Target(
    pk=_consent,
    category=CONSENT_TERMS,
    partners_own_consent=True,
    hidden_from_partners=_consent,
)
CONSENT_EXPORT = Target(pk=_consent, partners_own_consent=True)
PLAN_VERSION = Target(pk=_plan_version, category=PLAN, hidden_from_partners=_draft_plan_version)
# The young person approves a plan version or asks for changes in the portal.
PLAN_ANSWER = Target(
    pk=_plan_version,
    category=PLAN,
    young_person_writes=True,
    hidden_from_partners=_draft_plan_version,
)
NOTE = Target(pk=_note, category=NOTES, hidden_from_partners=_staff_only_note)
# Only the receiving organization answers a referral or a transfer.
INCOMING_REFERRAL = Target(pk=_referral, lead_writers=())
INCOMING_TRANSFER = Target(pk=_transfer, lead_writers=())
# Follow-ups are the lead's working records (no consent shows them); the young person sees
# none. The advocate is the assignee, so both they and the supervisor may hand one on.
FOLLOW_UP = Target(pk=_follow_up, readers=STAFF_READERS)
# Personal: each user lists and reads only their own notifications (the advocate's here).
INBOX = Target(pk=_notification, readers=("advocate",), lead_writers=("advocate",))
# Only the organization's admins list, resend and cancel its invitations; the site operator (the
# world's superuser: staff, no role) only those of organizations' admins, and this one invites
# an advocate (tests/api/test_invitations_api.py).
INVITATION = Target(
    pk=_lead_invitation, case_data=False, readers=("org_admin",), lead_writers=("org_admin",)
)
# The young person's portal login (R42): the care team looks, gives a code and ends it; anyone
# else, the supervisor and the young person included, gets the answer of a missing case
# (tests/api/test_portal_access_api.py).
PORTAL_ACCESS = Target(pk=_case, readers=("advocate",), lead_writers=("advocate",))
TARGETS: dict[str, Target] = {
    "case-list": Target(
        pk=_case,
        category=CASE_LEVEL,
        payload=lambda w: {"lead_organization": w.lead.pk, "person_id": w.case.person_id},
    ),
    "case-detail": CASE,
    "case-activate": CASE,
    "case-close": Target(pk=_case, category=CASE_LEVEL, payload=lambda w: {"reason": "goals_met"}),
    "case-reopen": CASE,
    # How the young person came and what the systems did (issue 21): the lead staff's own
    # record; no consent releases it, whatever its categories, and the young person reads none.
    "case-referral-source": Target(
        pk=_case, readers=STAFF_READERS, payload=lambda w: {"referral_source": "school"}
    ),
    "system-involvement-list": Target(
        pk=_system_involvement,
        readers=STAFF_READERS,
        payload=lambda w: {"case": w.case.pk, "kind": "detention", "occurred_on": "2026-01-02"},
    ),
    "system-involvement-detail": Target(
        pk=_system_involvement, readers=STAFF_READERS, payload=lambda w: {"note": "corrected"}
    ),
    "system-involvement-remove": Target(
        pk=_system_involvement,
        readers=STAFF_READERS,
        payload=lambda w: {"reason": "Recorded on the wrong case"},
    ),
    "care-team-list": Target(
        pk=_care_team_row,
        payload=lambda w: {"case": w.case.pk, "user": w.other_advocate.pk, "role": "secondary"},
    ),
    "care-team-detail": CARE_TEAM,
    "care-team-end": CARE_TEAM,
    "person-list": Target(pk=_person, category=IDENTITY),
    "person-detail": Target(
        pk=_person, category=IDENTITY, payload=lambda w: {"pronouns": "she/her"}
    ),
    "person-safe-contact": Target(
        pk=_person, category=CONTACT, payload=lambda w: {"allowed_channels": ["sms"]}
    ),
    "family-member-list": Target(
        pk=_family_member,
        category=FAMILY,
        payload=lambda w: {"person": w.case.person_id, "name": "Kim", "relation": "aunt_uncle"},
    ),
    "family-member-detail": Target(
        pk=_family_member, category=FAMILY, payload=lambda w: {"notes": "changed"}
    ),
    "membership-list": Target(
        pk=_lead_membership,
        payload=lambda w: {
            "organization": w.lead.pk,
            "email": "new@example.org",
            "role": "advocate",
        },
        case_data=False,
        readers=("org_admin",),
    ),
    "membership-detail": Target(pk=_lead_membership, case_data=False, readers=("org_admin",)),
    "membership-suspend": Target(pk=_lead_membership, case_data=False, readers=("org_admin",)),
    "membership-restore": Target(pk=_lead_membership, case_data=False, readers=("org_admin",)),
    "membership-change-list": Target(
        pk=_lead_membership_change, case_data=False, readers=("org_admin",)
    ),
    "membership-change-detail": Target(
        pk=_lead_membership_change, case_data=False, readers=("org_admin",)
    ),
    # The site operator (the world's superuser) reads every organization's changes; an
    # organization's admins their own (tests/api/test_operator_api.py).
    "organization-change-list": Target(
        pk=_lead_organization_change, case_data=False, readers=("org_admin", "superuser")
    ),
    "organization-change-detail": Target(
        pk=_lead_organization_change, case_data=False, readers=("org_admin", "superuser")
    ),
    "invitation-list": Target(
        pk=_lead_invitation,
        payload=lambda w: {
            "organization": w.lead.pk,
            "email": "another.invitee@example.org",
            "full_name": "Another Invitee",
            "role": "advocate",
        },
        case_data=False,
        readers=("org_admin",),
        lead_writers=("org_admin",),
    ),
    "invitation-detail": INVITATION,
    "invitation-resend": INVITATION,
    "invitation-cancel": INVITATION,
    # The young person sees the case but not its change history: 403, not 404.
    "case-history-list": Target(pk=_case, readers=STAFF_READERS, seen_case_status=403),
    "case-portal-access": PORTAL_ACCESS,
    "case-portal-access-end": PORTAL_ACCESS,
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
    "plan-version-list": Target(
        pk=_plan_version,
        category=PLAN,
        payload=lambda w: {"case": w.case.pk},
        hidden_from_partners=_draft_plan_version,
    ),
    "plan-version-detail": PLAN_VERSION,
    "plan-version-submit": PLAN_VERSION,
    "plan-version-approve": PLAN_ANSWER,
    "plan-version-request-changes": Target(
        pk=_plan_version,
        category=PLAN,
        payload=lambda w: {"changes_requested": "more"},
        young_person_writes=True,
        hidden_from_partners=_draft_plan_version,
    ),
    "document-list": Target(
        pk=_document,
        category=DOCUMENTS,
        payload=lambda w: {"case": w.case.pk, "kind": "other", "title": "A letter"},
        hidden_from_partners=_lead_only_document,
    ),
    "document-detail": Target(
        pk=_document, category=DOCUMENTS, hidden_from_partners=_lead_only_document
    ),
    "document-content": Target(
        pk=_document, category=DOCUMENTS, hidden_from_partners=_lead_only_document
    ),
    "document-delete": Target(
        pk=_document,
        category=DOCUMENTS,
        payload=lambda w: {"reason": "Uploaded to the wrong case"},
        hidden_from_partners=_lead_only_document,
    ),
    "note-list": Target(
        pk=_note,
        category=NOTES,
        payload=lambda w: {"case": w.case.pk, "body": "Met today"},
        hidden_from_partners=_staff_only_note,
    ),
    "note-detail": Target(
        pk=_note,
        category=NOTES,
        payload=lambda w: {"body": "changed"},
        lead_writers=("advocate",),
        hidden_from_partners=_staff_only_note,
    ),
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
    # Outcome check-ins are the lead's working record: no consent shows them (issue 21). The
    # young person reads their own and answers in the portal (tests/api/test_check_ins_api.py).
    "check-in-list": Target(
        pk=_check_in,
        payload=lambda w: {"case": w.case.pk, "occasion": "other", "answered_by": "with_staff"},
    ),
    "check-in-detail": Target(pk=_check_in),
    "check-in-correct": Target(
        pk=_check_in, payload=lambda w: {"answered_by": "with_staff", "safety": "safe"}
    ),
    "check-in-code": Target(
        pk=_check_in, payload=lambda w: {"goal": _goal(w), "code": "some_progress"}
    ),
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
    "referral-accept": INCOMING_REFERRAL,
    "referral-decline": Target(
        pk=_referral, payload=lambda w: {"reason": "no_capacity"}, lead_writers=()
    ),
    "referral-start-service": INCOMING_REFERRAL,
    "referral-complete": Target(
        pk=_referral, payload=lambda w: {"outcome_note": "done"}, lead_writers=()
    ),
    "referral-close-without-service": Target(
        pk=_referral, payload=lambda w: {"note": "n"}, lead_writers=()
    ),
    "transfer-list": Target(
        pk=_transfer,
        payload=lambda w: {"case": w.case.pk, "to_organization": w.partner.pk, "reason": "moved"},
    ),
    "transfer-detail": Target(pk=_transfer),
    "transfer-accept": Target(
        pk=_transfer, payload=lambda w: {"primary_advocate": w.partner_staff.pk}, lead_writers=()
    ),
    "transfer-decline": Target(pk=_transfer, payload=lambda w: {"note": "no"}, lead_writers=()),
    "transfer-cancel": Target(pk=_transfer),
    # Every access to the young person's record, listed to the young person only.
    "me-access-log": Target(pk=_access_event, readers=("young_person",)),
    "consent-list": Target(
        pk=_consent,
        category=CONSENT_TERMS,
        payload=lambda w: {
            "case": w.case.pk,
            "recipient": w.partner.pk,
            "categories": ["plan"],
            "purpose": "referral",
        },
        partners_own_consent=True,
        hidden_from_partners=_consent,
    ),
    "consent-detail": Target(
        pk=_consent,
        category=CONSENT_TERMS,
        payload=lambda w: {"categories": ["identity"]},
        partners_own_consent=True,
        hidden_from_partners=_consent,
    ),
    "consent-submit": CONSENT,
    "consent-sign": Target(
        pk=_consent,
        category=CONSENT_TERMS,
        payload=lambda w: {"evidence": "signed form", "signed_at": "2026-01-01T10:00:00Z"},
        young_person_writes=True,
        partners_own_consent=True,
        hidden_from_partners=_consent,
    ),
    "consent-revoke": Target(
        pk=_consent,
        category=CONSENT_TERMS,
        payload=lambda w: {"channel": "staff_spoken", "reason": "asked"},
        young_person_writes=True,
        partners_own_consent=True,
        hidden_from_partners=_consent,
    ),
    "consent-renew": CONSENT,
    # Only the lead and the young person preview what a recipient would see.
    "consent-preview": Target(pk=_consent, partners_own_consent=True),
    "consent-fhir": CONSENT_EXPORT,
    "consent-receipt": CONSENT_EXPORT,
    "consent-receipt-html": CONSENT_EXPORT,
    "compelled-disclosure-list": Target(
        pk=_compelled_disclosure,
        payload=lambda w: {
            "case": w.case.pk,
            "authority": "court_order",
            "legal_authority": "Order 2026-JV-0002",
            "recipient_name": "County Juvenile Court",
            "categories": ["plan"],
            "disclosed_at": "2026-01-01T10:00:00Z",
        },
    ),
    "compelled-disclosure-detail": Target(pk=_compelled_disclosure),
    "follow-up-list": Target(
        pk=_follow_up,
        readers=STAFF_READERS,
        payload=lambda w: {
            "case": w.case.pk,
            "organization": w.lead.pk,
            "due_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "description": "Check the school enrolment",
        },
    ),
    "follow-up-detail": FOLLOW_UP,
    "follow-up-complete": Target(
        pk=_follow_up, readers=STAFF_READERS, payload=lambda w: {"note": "Called back"}
    ),
    "follow-up-cancel": Target(
        pk=_follow_up, readers=STAFF_READERS, payload=lambda w: {"note": "No longer needed"}
    ),
    "follow-up-reassign": Target(
        pk=_follow_up, readers=STAFF_READERS, payload=lambda w: {"assignee": w.other_advocate.pk}
    ),
    "inbox-list": INBOX,
    "inbox-read": INBOX,
    # Each user reads and replaces only their own settings (tests/api/test_inbox_api.py).
    "me-notification-settings": Target(
        pk=lambda w: w.advocate.pk,
        payload=lambda w: {"email_mode": "daily_digest"},
        case_data=False,
    ),
    # Aggregate counts of the lead organization, for its supervisors and admins (R22).
    "report-caseload": Target(
        pk=lambda w: w.lead.pk,
        case_data=False,
        readers=("supervisor", "org_admin"),
        query_param="organization",
    ),
    "organization-continuity-rules": Target(
        pk=lambda w: w.lead.pk,
        payload=lambda w: dict(CONTINUITY_RULES),
        case_data=False,
        readers=("supervisor", "org_admin"),
    ),
    # The community gap report, counts only (R22): staff of any member organization, in any
    # role; young people and people without a role get 404 (tests/reports/test_gaps.py).
    "report-outstanding-supports": Target(
        pk=lambda w: w.lead.pk,
        case_data=False,
        readers=("advocate", "other_advocate", "supervisor", "org_admin", "partner_staff"),
    ),
    "directory-service-list": Target(
        pk=_directory_service,
        payload=lambda w: {
            "organization": w.lead.pk,
            "service_type": f.service_type().pk,
            "name": "Drop-in centre",
            "areas": ["Cook County"],
            "languages": ["en", "es"],
        },
        case_data=False,
        readers=DIRECTORY_READERS,
        lead_writers=("org_admin",),
    ),
    "directory-service-detail": Target(
        pk=_directory_service,
        payload=lambda w: {"waitlist_weeks": 2},
        case_data=False,
        readers=DIRECTORY_READERS,
        lead_writers=("org_admin",),
    ),
    # Matches for a planned service: for those who may see it, not the young person (the
    # directory is for staff).
    "planned-service-directory-matches": Target(pk=_planned_service, readers=STAFF_READERS),
    # The HSDS downloads of the whole directory (the record: a service they must contain);
    # young people and people without an active role get 403.
    "directory-hsds": Target(pk=_directory_service, case_data=False, readers=DIRECTORY_READERS),
    "directory-hsds-zip": Target(pk=_directory_service, case_data=False, readers=DIRECTORY_READERS),
    # The records those downloads leave out as incomplete: same readers.
    "directory-hsds-incomplete": Target(
        pk=_directory_service, case_data=False, readers=DIRECTORY_READERS
    ),
}
