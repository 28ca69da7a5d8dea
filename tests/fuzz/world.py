"""The fuzzed API's world: the conftest world with a record behind every route, a consent in
force for the partner, a token per persona, and the ids the fuzzer aims its requests at.

Random integers almost never name a record, so without aim every detail route and every
write would stop at 404 or at a field error and the code behind them would go untested.
"""

from dataclasses import dataclass

from django.urls import resolve
from rest_framework.authtoken.models import Token

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from providers.models import ServiceType
from tests import factories as f
from tests.conftest import World, build_world
from tests.consents import grant_consent
from tests.matrix_targets import TARGETS

# The three people issue 6 names: the primary advocate (the care team), staff of a partner
# organization holding a consent in force for every category, and the young person signed in
# to the portal.
PERSONAS = ("lead_advocate", "partner_with_consent", "young_person")
# The site operator (the world's superuser: staff, every permission, no role), for the
# operations that are the operator's own (issue 17).
OPERATOR = "site_operator"

# Request fields (body and query) that name a record, and what in the world they name.
FIELD_KINDS = {
    "case": "case",
    "person": "person",
    "person_id": "person",
    "organization": "organization",
    "lead_organization": "organization",
    "recipient": "organization",
    "to_organization": "organization",
    "provider": "organization",
    "user": "user",
    "assignee": "user",
    "primary_advocate": "user",
    "responsible": "user",
    "care_team_member": "care_team_member",
    "goal": "goal",
    "planned_service": "planned_service",
    "family_member": "family_member",
    "service_type": "service_type",
    "document": "document",
}


@dataclass
class FuzzWorld:
    world: World
    tokens: dict[str, str]  # persona -> token key
    route_ids: dict[str, list[int]]  # URL name -> ids of records behind the route
    field_ids: dict[str, list[int]]  # kind of FIELD_KINDS -> ids
    payloads: dict[str, dict]  # URL name -> a body that would be valid for a reader

    def user(self, persona: str) -> User:
        return persona_user(self.world, persona)

    def ids_for_path(self, path: str) -> list[int]:
        """The records behind an OpenAPI path such as ``/api/v1/cases/{id}/``."""
        name = resolve(path.replace("{id}", "1").replace("{case_pk}", "1")).url_name
        return self.route_ids.get(name, [])

    def payload_for_path(self, path: str) -> dict:
        """A valid body for the route: list routes create, detail routes update."""
        name = resolve(path.replace("{id}", "1").replace("{case_pk}", "1")).url_name
        return self.payloads.get(name, {})


def build_fuzz_world() -> FuzzWorld:
    world = build_world()
    case = world.case
    partner_consent = grant_consent(case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    # Records the partner acts on: a transfer to its organization (a case has one pending at
    # most, so the matrix targets pick this one up), a referral to it, and its consent.
    f.CaseTransferFactory(case=case, to_organization=world.partner)
    route_ids = {name: [target.pk(world)] for name, target in TARGETS.items()}
    incoming = f.ReferralFactory(case=case, to_organization=world.partner, sent=True).pk
    for name, ids in route_ids.items():
        if name.startswith("referral-"):
            ids.append(incoming)
        elif name.startswith("consent-"):
            ids.append(partner_consent.pk)
    plan_services = f.PlannedService.objects.filter(goal__plan__case=case)
    field_ids = {
        "case": [case.pk],
        "person": [case.person_id],
        "organization": [world.lead.pk, world.partner.pk],
        "user": [world.advocate.pk, world.other_advocate.pk, world.partner_staff.pk],
        "care_team_member": list(case.care_team.values_list("pk", flat=True)),
        "goal": list(case.plan.goals.values_list("pk", flat=True)),
        "planned_service": list(plan_services.values_list("pk", flat=True)),
        "family_member": list(case.person.family_members.values_list("pk", flat=True)),
        "service_type": list(ServiceType.objects.values_list("pk", flat=True)[:3]),
        "document": list(case.documents.values_list("pk", flat=True)),
    }
    # Token authentication: API requests with a token count as past the second factor.
    tokens = {
        persona: Token.objects.create(user=persona_user(world, persona)).key
        for persona in (*PERSONAS, OPERATOR)
    }
    payloads = {name: target.payload(world) for name, target in TARGETS.items()}
    return FuzzWorld(world, tokens, route_ids, field_ids, payloads)


def persona_user(world: World, persona: str) -> User:
    return {
        "lead_advocate": world.advocate,
        "partner_with_consent": world.partner_staff,
        "young_person": world.young_person,
        OPERATOR: world.superuser,
    }[persona]
