"""Issue 3: list endpoints cost the same number of queries with 1 or 50 visible cases, and with
10 or 10,000 invisible ones, for the care-team advocate, a supervisor and a partner.

Counts are compared between sizes, never hard-coded, so the tests hold however many queries a
list needs (the access log's one insert per page included). Each list is also checked for
what it returns: every record of a visible case a persona must see, never one of an invisible
case.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.documents import CaseDocument
from cases.models import CareTeamMember, Case, CaseNote, FamilyMember, Person, PlanVersion
from cases.system_involvement import SystemInvolvementEvent
from consent.models import CaseUserObjectPermission
from consent.permissions import CARE_TEAM_PERMISSIONS, case_permission_ids
from providers.models import Membership
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

# List route -> the records it lists, by the attribute of ``Records`` that holds their ids.
LISTS = {
    "case-list": "cases",
    "person-list": "people",
    "family-member-list": "family_members",
    "note-list": "notes",
    "referral-list": "referrals",
    "plan-version-list": "plan_versions",
    "consent-list": "consents",
    "care-team-list": "care_team",
    "flag-list": "flags",
    "contact-list": "contacts",
    "goal-list": "goals",
    "planned-service-list": "planned_services",
    "document-list": "documents",
    "system-involvement-list": "system_involvement",
    "check-in-list": "check_ins",
}
PERSONAS = ("advocate", "supervisor", "partner_staff")
# A partner holding a consent to every category finds these records of the consented cases
# (plan versions: the approved ones); the lead's working records (care team, flags, contacts,
# the live plan's goals and services, check-ins) no consent releases.
PARTNER_SEES = frozenset(
    {
        "case-list",
        "person-list",
        "family-member-list",
        "note-list",
        "referral-list",
        "plan-version-list",
        "consent-list",
        "document-list",
    }
)
INVISIBLE_MANY = 10_000


@dataclass
class Records:
    """Ids of the records made for a set of cases, one set per list."""

    cases: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    family_members: set[int] = field(default_factory=set)
    notes: set[int] = field(default_factory=set)
    referrals: set[int] = field(default_factory=set)
    plan_versions: set[int] = field(default_factory=set)
    consents: set[int] = field(default_factory=set)
    care_team: set[int] = field(default_factory=set)
    flags: set[int] = field(default_factory=set)
    contacts: set[int] = field(default_factory=set)
    goals: set[int] = field(default_factory=set)
    planned_services: set[int] = field(default_factory=set)
    documents: set[int] = field(default_factory=set)
    system_involvement: set[int] = field(default_factory=set)
    check_ins: set[int] = field(default_factory=set)

    def of(self, route: str) -> set[int]:
        return getattr(self, LISTS[route])


def list_routes() -> list[str]:
    """The list routes this build has (a route still to come is left out, not failed)."""
    routes = []
    for route in LISTS:
        try:
            reverse(route)
        except NoReverseMatch:
            continue
        routes.append(route)
    return routes


def furnish(case: Case, world: World, records: Records, *, team: CareTeamMember | None) -> None:
    """Give a visible case one record of each kind, and a consent to the partner for all."""
    advocate = world.advocate
    member = team or f.CareTeamMemberFactory(case=case, user=advocate)
    parent = f.FamilyMemberFactory(
        person=case.person, relation=FamilyMember.Relation.MOTHER, contact_is_safe=True
    )
    goal = f.GoalFactory(plan=case.plan)
    version = f.PlanVersionFactory(
        plan=case.plan,
        number=1,
        status=PlanVersion.Status.APPROVED,
        approved_at=timezone.now(),
        approval_channel="portal",
    )
    records.cases.add(case.pk)
    records.people.add(case.person_id)
    records.family_members.add(parent.pk)
    records.care_team.add(member.pk)
    records.notes.add(f.CaseNoteFactory(case=case, author=advocate).pk)
    records.flags.add(f.FlagFactory(case=case).pk)
    records.contacts.add(f.ContactFactory(case=case).pk)
    records.goals.add(goal.pk)
    records.planned_services.add(f.PlannedServiceFactory(goal=goal).pk)
    check_in = f.CheckInFactory(case=case)
    f.GoalProgressFactory(check_in=check_in, goal=goal)
    records.check_ins.add(check_in.pk)
    records.plan_versions.add(version.pk)
    records.referrals.add(f.ReferralFactory(case=case, to_organization=world.partner, sent=True).pk)
    shared = document(case, advocate)
    shared.save()
    records.documents.add(shared.pk)
    records.system_involvement.add(f.SystemInvolvementEventFactory(case=case).pk)
    consent = grant_consent(case, world.partner, list(DATA_CATEGORIES), by=advocate)
    records.consents.add(consent.pk)


def document(case: Case, uploader: User | None) -> CaseDocument:
    """A document's row marked for partners (a list reads rows, never the stored files)."""
    return CaseDocument(
        case=case,
        organization_id=case.lead_organization_id,
        kind="other",
        title="A letter",
        shared_with_partners=True,
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        storage_name="unread.bin",
        uploaded_by=uploader,
        uploaded_at=timezone.now(),
    )


def add_visible_cases(world: World, records: Records, count: int) -> None:
    """``count`` more cases of the lead organization, each seen by all three personas."""
    for _ in range(count):
        furnish(f.CaseFactory(lead_organization=world.lead), world, records, team=None)


def visible_world(world: World) -> Records:
    """The world's case, furnished: the advocate is already on its care team."""
    records = Records()
    team = CareTeamMember.objects.get(case=world.case, user=world.advocate)
    furnish(world.case, world, records, team=team)
    return records


def add_invisible_cases(count: int, records: Records) -> None:
    """Cases of another organization, with a care team and records of their own: written in
    bulk (with the guardian rows the sync would give their team), so 10,000 stay quick."""
    elsewhere = f.OrganizationFactory()
    stranger = f.MembershipFactory(organization=elsewhere, role=Membership.Role.ADVOCATE).user
    people = Person.objects.bulk_create(Person(alias=f"Invisible {n}") for n in range(count))
    today, now = timezone.localdate(), timezone.now()
    cases = Case.objects.bulk_create(
        Case(person=person, lead_organization=elsewhere, opened_on=today) for person in people
    )
    members = CareTeamMember.objects.bulk_create(
        CareTeamMember(case=case, user=stranger, role="primary", since=today) for case in cases
    )
    ids = case_permission_ids()
    CaseUserObjectPermission.objects.bulk_create(
        (
            CaseUserObjectPermission(
                user=stranger, permission_id=ids[codename], content_object=case
            )
            for case in cases
            for codename in CARE_TEAM_PERMISSIONS
        ),
        batch_size=2000,
    )
    notes = CaseNote.objects.bulk_create(
        CaseNote(case=case, organization=elsewhere, author=stranger, body="Invisible.")
        for case in cases
    )
    documents = CaseDocument.objects.bulk_create(document(case, stranger) for case in cases)
    events = SystemInvolvementEvent.objects.bulk_create(
        SystemInvolvementEvent(
            case=case, organization=elsewhere, kind="arrest", occurred_on=today, recorded_at=now
        )
        for case in cases
    )
    relatives = FamilyMember.objects.bulk_create(
        FamilyMember(person=person, name="Relative", relation="mother") for person in people
    )
    records.cases.update(c.pk for c in cases)
    records.people.update(p.pk for p in people)
    records.care_team.update(m.pk for m in members)
    records.notes.update(n.pk for n in notes)
    records.family_members.update(r.pk for r in relatives)
    records.documents.update(d.pk for d in documents)
    records.system_involvement.update(e.pk for e in events)


@dataclass(frozen=True)
class Listing:
    queries: int
    ids: set[int]


def get_lists(client: APIClient, routes: list[str]) -> dict[str, Listing]:
    """GET each list (one page of up to 200) and count the queries it made."""
    listings = {}
    for route in routes:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(route), {"page_size": 200})
        assert response.status_code == 200, (route, response.status_code)
        assert response.data.get("next") is None, f"{route}: more than one page"
        listings[route] = Listing(len(queries), {row["id"] for row in response.data["results"]})
    return listings


def check_contents(
    persona: str, listings: dict[str, Listing], visible: Records, invisible: Records
) -> None:
    for route, listing in listings.items():
        assert not listing.ids & invisible.of(route), f"{persona} sees invisible {route} rows"
        if persona == "partner_staff" and route not in PARTNER_SEES:
            assert not listing.ids, f"a partner sees the lead's {route} rows"
        else:
            assert listing.ids == visible.of(route), f"{persona}: {route} rows"


def counts(listings: dict[str, Listing]) -> dict[str, int]:
    return {route: listing.queries for route, listing in listings.items()}


@pytest.fixture
def clients(world: World, api_for: Callable[[User | None], APIClient]) -> dict[str, APIClient]:
    return {persona: api_for(getattr(world, persona)) for persona in PERSONAS}


def test_list_queries_are_the_same_with_1_and_50_visible_cases(world, clients):
    routes = list_routes()
    one_case = visible_world(world)
    for client in clients.values():
        get_lists(client, routes)  # first requests fill per-process caches
    one = {persona: get_lists(client, routes) for persona, client in clients.items()}

    fifty_cases = copy.deepcopy(one_case)
    add_visible_cases(world, fifty_cases, 49)
    fifty = {persona: get_lists(client, routes) for persona, client in clients.items()}

    for persona in PERSONAS:
        check_contents(persona, one[persona], one_case, Records())
        check_contents(persona, fifty[persona], fifty_cases, Records())
        assert len(fifty[persona]["case-list"].ids) == 50
        assert counts(fifty[persona]) == counts(one[persona]), persona


def test_list_queries_are_the_same_with_10_and_10000_invisible_cases(world, clients):
    routes = list_routes()
    visible = visible_world(world)
    add_visible_cases(world, visible, 2)
    invisible = Records()
    add_invisible_cases(10, invisible)
    for client in clients.values():
        get_lists(client, routes)
    few = {persona: get_lists(client, routes) for persona, client in clients.items()}

    add_invisible_cases(INVISIBLE_MANY - 10, invisible)
    assert Case.objects.count() >= INVISIBLE_MANY
    lots = {persona: get_lists(client, routes) for persona, client in clients.items()}

    for persona in PERSONAS:
        check_contents(persona, few[persona], visible, invisible)
        check_contents(persona, lots[persona], visible, invisible)
        assert counts(lots[persona]) == counts(few[persona]), persona
