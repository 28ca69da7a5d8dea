"""What a generated case is made of, decided before any row is written: a ``CaseSpec``.

Random cases draw theirs (``random_spec``: about a fifth shared with one or two partners,
referrals in every status); the cases the personas see have fixed ones (``shared_spec``,
``showcase_spec``), so every measured page finds the same records at every scale.
"""

import random
from dataclasses import dataclass, field

from bench.world import Org, World
from cases.categories import DATA_CATEGORIES
from cases.models import Referral
from consent.models import Consent

RS = Referral.Status
CS = Consent.Status
# The moves that lead to each referral status (DESIGN.md, referral lifecycle).
REFERRAL_PATHS = {
    RS.DRAFT: [],
    RS.SENT: [RS.SENT],
    RS.ACCEPTED: [RS.SENT, RS.ACCEPTED],
    RS.DECLINED: [RS.SENT, RS.DECLINED],
    RS.WITHDRAWN: [RS.SENT, RS.WITHDRAWN],
    RS.IN_SERVICE: [RS.SENT, RS.ACCEPTED, RS.IN_SERVICE],
    RS.COMPLETED: [RS.SENT, RS.ACCEPTED, RS.IN_SERVICE, RS.COMPLETED],
    RS.CLOSED_WITHOUT_SERVICE: [RS.SENT, RS.ACCEPTED, RS.CLOSED_WITHOUT_SERVICE],
}


@dataclass
class ServiceSpec:
    provider: Org | None
    referral: str | None = None  # a referral status, when one was made


@dataclass
class ConsentSpec:
    recipient: Org
    status: str
    categories: list[str]
    expires_in_days: int | None = None  # else drawn at random


@dataclass
class CaseSpec:
    lead: Org
    primary: int
    status: str
    opened_days_ago: int
    age: int | None
    portal_email: str | None = None
    secondary: int | None = None
    former_primary: int | None = None
    goals: list[list[ServiceSpec]] = field(default_factory=list)
    versions: str = "approved"
    consents: list[ConsentSpec] = field(default_factory=list)
    notes: int = 1
    contacts: int = 1
    flag: bool = False
    follow_ups: int = 2
    events: int = 2
    compelled: bool = False
    transfer: str | None = None
    transfer_to: Org | None = None
    # The personas' case: its follow-ups are fixed (due, overdue, upcoming, then closed ones).
    showcase: bool = False


def _subset(rng: random.Random) -> list[str]:
    return sorted({*rng.sample(DATA_CATEGORIES, rng.randint(1, 4)), "plan"})


def random_spec(world: World, rng: random.Random, *, follow_ups: float, events: float) -> CaseSpec:
    """A case drawn from the realistic mix (about a fifth shared with one or two partners)."""
    lead = world.pick_lead(rng)
    advocates = lead.advocates
    status = rng.choices(["open", "active", "closed"], weights=[25, 60, 15])[0]
    spec = CaseSpec(
        lead=lead,
        primary=rng.choice(advocates),
        status=status,
        opened_days_ago=rng.randint(3, 900),
        age=rng.choice([None, *range(12, 25)]),
        follow_ups=rng.randint(0, round(2 * follow_ups)),
        events=rng.randint(0, round(2 * events)),
        notes=rng.randint(0, 2),
        contacts=rng.randint(0, 2) if status != "open" else 0,
        flag=rng.random() < 0.05,
        compelled=rng.random() < 0.002,
        transfer=rng.choice(["requested", "declined", "cancelled"])
        if rng.random() < 0.005
        else None,
    )
    if rng.random() < 0.3:
        spec.portal_email = "portal"
    if rng.random() < 0.25:
        spec.secondary = rng.choice([a for a in advocates if a != spec.primary])
    if rng.random() < 0.1:
        spec.former_primary = rng.choice([a for a in advocates if a != spec.primary])
    if rng.random() < 0.2:
        partners: set[int] = {lead.id}
        for _ in range(rng.choice([1, 1, 2])):
            partner = world.pick_partner(rng, besides=partners)
            partners.add(partner.id)
            consent_status = rng.choices(
                [CS.ACTIVE, CS.REVOKED, CS.EXPIRED, CS.PENDING_SIGNATURE, CS.DRAFT],
                weights=[70, 10, 10, 5, 5],
            )[0]
            spec.consents.append(ConsentSpec(partner, consent_status, _subset(rng)))
    spec.versions = {
        "open": rng.choice(["none", "draft"]),
        "closed": "approved",
        "active": rng.choices(
            ["approved", "superseded+approved", "approved+awaiting"], weights=[60, 25, 15]
        )[0],
    }[status]
    goals = 0 if status == "open" and spec.versions == "none" else rng.randint(1, 3)
    spec.goals = [
        [_service(world, rng, spec) for _ in range(rng.randint(1, 2))] for _ in range(goals)
    ]
    return spec


def shared_spec(
    world: World, rng: random.Random, *, lead: Org, partner: Org, per_case: dict[str, float]
) -> CaseSpec:
    """A random active case of ``lead`` that an active consent shares with ``partner``, with
    a referral sent there: how the personas' organizations come to see other cases."""
    spec = random_spec(world, rng, **per_case)
    spec.lead, spec.primary = lead, lead.advocates[0]
    spec.secondary = spec.former_primary = spec.transfer = None
    spec.status, spec.versions = "active", "approved"
    spec.consents = [ConsentSpec(partner, CS.ACTIVE, ["identity", "notes", "plan"])]
    spec.goals = [[ServiceSpec(partner, RS.SENT), ServiceSpec(lead)]]
    return spec


def _service(world: World, rng: random.Random, spec: CaseSpec) -> ServiceSpec:
    kind = rng.choices(["none", "lead", "partner"], weights=[20, 40, 40])[0]
    if kind == "none":
        return ServiceSpec(None)
    if kind == "lead":
        return ServiceSpec(spec.lead)
    consented = [
        c.recipient for c in spec.consents if c.status in (CS.ACTIVE, CS.REVOKED, CS.EXPIRED)
    ]
    if consented and rng.random() < 0.7:
        return ServiceSpec(rng.choice(consented), rng.choice(list(REFERRAL_PATHS)))
    partner = world.pick_partner(rng, besides={spec.lead.id})
    return ServiceSpec(partner, RS.DRAFT if rng.random() < 0.3 else None)


def showcase_spec(world: World, *, portal_email: str) -> CaseSpec:
    """The personas' case: every kind of record, the same at every scale."""
    lead, partner = world.largest, world.small_partner
    other, third, fourth, fifth = (world.leads[n % len(world.leads)] for n in (1, 2, 3, 4))
    advocates = lead.advocates
    return CaseSpec(
        lead=lead,
        primary=advocates[0],
        secondary=advocates[1],
        former_primary=advocates[2],
        status="active",
        opened_days_ago=200,
        age=16,
        portal_email=portal_email,
        goals=[
            [ServiceSpec(partner, RS.IN_SERVICE), ServiceSpec(lead)],
            [ServiceSpec(other, RS.DECLINED), ServiceSpec(third, RS.DRAFT), ServiceSpec(None)],
            [ServiceSpec(fifth, RS.SENT)],
        ],
        versions="superseded+approved+awaiting",
        consents=[
            ConsentSpec(partner, CS.ACTIVE, list(DATA_CATEGORIES)),
            ConsentSpec(other, CS.REVOKED, ["identity", "plan"]),
            ConsentSpec(third, CS.EXPIRED, ["plan"]),
            ConsentSpec(fourth, CS.PENDING_SIGNATURE, ["contact", "plan"]),
            ConsentSpec(fifth, CS.ACTIVE, ["plan"], expires_in_days=20),
        ],
        notes=3,
        contacts=2,
        flag=True,
        follow_ups=5,
        events=6,
        compelled=True,
        transfer="declined",
        showcase=True,
    )
