"""What the page authorization matrix needs: one world with a record of every kind, and the
``PageTarget`` each area's ``targets_<area>.py`` declares for each of its routes.

Personas (``PERSONAS``): the world's people, plus ``consented_partner``, staff of an
organization holding an active consent to the case for every category, while the world's
``partner_staff`` belongs to an organization holding none.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.checkins import CheckIn
from cases.models import CaseNote, Person, ServicePlan
from cases.services.checkins import CheckInAnswers, GoalAnswer, record_check_in
from cases.services.documents import upload_document
from cases.services.plans import start_plan_version, submit_plan_version
from cases.services.records import raise_flag
from cases.services.system_involvement import record_system_involvement, set_referral_source
from cases.services.transfers import record_transfer_request
from consent.models import Consent, ConsentPurpose
from consent.services import draft_consent, submit_for_signature
from providers.inviting import invite_member
from providers.models import Membership, Organization
from tasks.follow_ups import create_follow_up_by_hand
from tests import factories as f
from tests.conftest import World, build_world
from tests.consents import grant_consent
from tests.directory_factories import DirectoryProviderFactory, DirectoryServiceFactory
from tests.documents import PDF

PERSONAS = (
    "anonymous",
    "advocate",
    "other_advocate",
    "intake",
    "supervisor",
    "org_admin",
    "partner_staff",
    "consented_partner",
    "young_person",
    "other_young_person",
    "superuser",
)
LEAD_STAFF = ("advocate", "supervisor")
LEAD = ("advocate", "supervisor", "young_person")

SEEDED_BIRTH_DATE = date(timezone.now().year - 25, 3, 9)
# Distinctive strings that no page may show to a persona without a basis for them.
SEEDED_STRINGS = ("Zephyrine", "Marchbanks", "+1 555 0199 4321", "17 Thornapple Row")
# The note of the case's system-involvement event: only the lead staff ever read it.
SYSTEM_INVOLVEMENT_NOTE = "Found at the Gravenholt bus depot"


@dataclass
class PageWorld:
    """The world of tests/conftest.py with one record of every kind around its case."""

    world: World
    consented_partner: User
    consented_org: Organization
    active_consent: Consent
    pending_consent: Consent
    goal_id: int
    planned_service_id: int
    referral_id: int
    plan_version_id: int
    note_id: int
    contact_id: int
    follow_up_id: int
    membership_id: int
    # A published service of the lead organization's own directory entry.
    directory_service_id: int = 0
    # A pending invitation to the lead organization.
    invitation_id: int = 0
    # A pending invitation of an admin, from the site operator (the world's superuser).
    admin_invitation_id: int = 0
    # A current flag on the world's case.
    flag_id: int = 0
    # A relative of the young person, on the family record.
    family_member_id: int = 0
    # A transfer of the case to the partner organization, waiting for its answer (R41); the
    # world's partner_staff takes cases in there (intake) as well as being an advocate.
    transfer_id: int = 0
    # A document of the case marked for partners (the consented partner's consent covers it).
    document_id: int = 0
    # What the systems did (issue 21): the lead staff's own, released by no consent.
    system_involvement_id: int = 0
    # An outcome check-in of the case, with words on its goal (issue 21).
    check_in_id: int = 0

    @property
    def case_id(self) -> int:
        return self.world.case.pk

    def user(self, persona: str) -> User | None:
        if persona == "anonymous":
            return None
        if persona == "consented_partner":
            return self.consented_partner
        return getattr(self.world, persona)


@dataclass(frozen=True)
class PageTarget:
    """One page route: the URL arguments of the world's record, and who may read or post.

    ``readers`` get 200 on GET; everyone else signed in gets 403 or 404 and none of the
    seeded personal strings; anonymous people are sent to sign in. ``writers`` may POST
    (their outcome is the feature tests' business); a POST by anyone else is refused and
    changes nothing. ``get=False`` for a route that only takes POST.
    """

    kwargs: Callable[[PageWorld], dict[str, int]] = field(default=lambda pw: {})
    readers: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    get: bool = True
    post: bool = False
    # A query string that some GET pages need (e.g. "?case=12").
    query: Callable[[PageWorld], str] = field(default=lambda pw: "")


def _seed(world: World) -> None:
    person = world.case.person
    person.alias, person.legal_name = "Zephyrine", "Zephyrine Marchbanks"
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = SEEDED_BIRTH_DATE
    person.save()
    rule = person.safe_contact
    rule.phone, rule.address = "+1 555 0199 4321", "17 Thornapple Row"
    rule.save()


def build_page_world() -> PageWorld:
    world = build_world()
    _seed(world)
    case, advocate = world.case, world.advocate
    consented_org = f.OrganizationFactory(name="Consented Partner")
    consented_partner = f.MembershipFactory(
        organization=consented_org, role=Membership.Role.ADVOCATE
    ).user
    active = grant_consent(case, consented_org, list(DATA_CATEGORIES), by=advocate)
    pending = draft_consent(
        case=case,
        recipient=world.partner,
        categories=["plan"],
        purpose=ConsentPurpose.REFERRAL,
        actor=advocate,
        starts_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )
    pending = submit_for_signature(consent=pending, actor=advocate)
    plan, _ = ServicePlan.objects.get_or_create(case=case)
    goal = f.GoalFactory(plan=plan)
    service = f.PlannedServiceFactory(goal=goal, provider=consented_org)
    referral = f.ReferralFactory(
        case=case, to_organization=consented_org, planned_service=service, sent=True
    )
    version = start_plan_version(case=case, actor=advocate)
    submit_plan_version(version=version, actor=advocate)
    note = f.CaseNoteFactory(case=case, author=advocate, category=CaseNote.Category.GENERAL)
    contact = f.ContactFactory(case=case, staff=advocate)
    follow_up = create_follow_up_by_hand(
        case=case,
        organization=world.lead,
        actor=advocate,
        assignee=advocate,
        due_at=timezone.now() + timedelta(days=1),
        description="Call back about housing",
    )
    membership = Membership.objects.get(user=world.other_advocate, organization=world.lead)
    family_member = f.FamilyMemberFactory(person=case.person)
    directory_service = DirectoryServiceFactory(
        provider=DirectoryProviderFactory(member=world.lead, name=world.lead.name)
    )
    invitation = invite_member(
        organization=world.lead,
        email="invited@example.org",
        full_name="",
        role=Membership.Role.ADVOCATE,
        actor=world.org_admin,
    ).invitation
    admin_invitation = invite_member(
        organization=world.lead,
        email="invited.admin@example.org",
        full_name="",
        role=Membership.Role.ORG_ADMIN,
        actor=world.superuser,
    ).invitation
    f.MembershipFactory(
        organization=world.partner, user=world.partner_staff, role=Membership.Role.INTAKE
    )
    check_in = record_check_in(
        case=case,
        actor=advocate,
        occasion=CheckIn.Occasion.INTAKE,
        answered_by=CheckIn.AnsweredBy.WITH_STAFF,
        answers=CheckInAnswers(safety="mostly_safe", goals=(GoalAnswer(goal.pk, "Going ok"),)),
    )
    transfer = record_transfer_request(
        case=case, to_organization=world.partner, reason="Moved to the coast", actor=advocate
    )
    set_referral_source(case=case, actor=advocate, referral_source="juvenile_justice")
    event = record_system_involvement(
        case=case,
        actor=advocate,
        kind="missing_or_runaway",
        occurred_on=timezone.localdate() - timedelta(days=40),
        note=SYSTEM_INVOLVEMENT_NOTE,
    )
    return PageWorld(
        world=world,
        consented_partner=consented_partner,
        consented_org=consented_org,
        active_consent=active,
        pending_consent=pending,
        goal_id=goal.pk,
        planned_service_id=service.pk,
        referral_id=referral.pk,
        plan_version_id=version.pk,
        note_id=note.pk,
        contact_id=contact.pk,
        follow_up_id=follow_up.pk,
        membership_id=membership.pk,
        directory_service_id=directory_service.pk,
        invitation_id=invitation.pk,
        admin_invitation_id=admin_invitation.pk,
        family_member_id=family_member.pk,
        flag_id=raise_flag(
            case=case, actor=advocate, kind="court_date", text="Hearing on the 14th"
        ).pk,
        transfer_id=transfer.pk,
        system_involvement_id=event.pk,
        check_in_id=check_in.pk,
        document_id=upload_document(
            case=case,
            actor=advocate,
            kind="court_order",
            title="Custody order",
            content=PDF,
            shared_with_partners=True,
        ).pk,
    )
