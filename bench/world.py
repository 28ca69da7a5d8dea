"""Organizations, their staff, directory entries and inboxes: everything around the cases.

Organization 0 is the largest lead organization (its staff are the advocate and supervisor
personas); the last one is a small partner that leads nothing and sees only the cases whose
consents name it. Case counts per lead organization fall off as 1 / (rank + 20).
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from bench.loader import Loader
from bench.shape import (
    ADVOCATE_EMAIL,
    EMAIL_DOMAIN,
    PARTNER_EMAIL,
    SUPERVISOR_EMAIL,
    Scale,
)
from providers.models import (
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceLanguage,
    Membership,
    Organization,
    ServiceType,
)
from tasks.models import ContinuityRules, Notification

Role = Membership.Role
# Staff of each organization by position: who holds which role.
ROLES = (Role.ORG_ADMIN, Role.SUPERVISOR, Role.INTAKE, *([Role.ADVOCATE] * 7))
KINDS = [k for k in Organization.Kind.values if k != Organization.Kind.OTHER]
WORDS = (
    "Harbor", "Bridge", "Lantern", "Cedar", "River", "Compass", "Haven", "Summit", "Meadow",
    "Beacon", "Willow", "Anchor", "Horizon", "Pine", "Keystone", "Northstar", "Harvest", "Oak",
)  # fmt: skip
AREAS = [f"County {n:02d}" for n in range(1, 31)]
NOTIFICATIONS_PER_STAFF = 6


@dataclass
class Staff:
    user_id: int
    role: str


@dataclass
class Org:
    id: int
    group_id: int
    name: str
    staff: list[Staff] = field(default_factory=list)

    def with_role(self, role: str) -> list[int]:
        return [s.user_id for s in self.staff if s.role == role]

    @property
    def advocates(self) -> list[int]:
        return self.with_role(Role.ADVOCATE)

    @property
    def supervisor(self) -> int:
        return self.with_role(Role.SUPERVISOR)[0]


@dataclass
class World:
    """What the case generator needs to know about the organizations it built."""

    orgs: list[Org]
    lead_weights: list[float]
    # (id, code, name) of each service type of the seeded taxonomy.
    service_types: list[tuple[int, str, str]]
    unusable_password: str

    @property
    def group_of(self) -> dict[int, int]:
        return {org.id: org.group_id for org in self.orgs}

    @property
    def largest(self) -> Org:
        return self.orgs[0]

    @property
    def small_partner(self) -> Org:
        return self.orgs[-1]

    @property
    def leads(self) -> list[Org]:
        return self.orgs[:-1]

    def pick_lead(self, rng: random.Random) -> Org:
        return rng.choices(self.leads, weights=self.lead_weights)[0]

    def pick_partner(self, rng: random.Random, *, besides: set[int]) -> Org:
        """Another lead organization acting as a partner (never the small partner)."""
        while True:
            org = rng.choice(self.leads)
            if org.id not in besides:
                return org


def _email(org_index: int, position: int) -> str:
    if org_index == 0 and position == 3:
        return ADVOCATE_EMAIL
    if org_index == 0 and position == 1:
        return SUPERVISOR_EMAIL
    return f"staff-{org_index}-{position}@{EMAIL_DOMAIN}"


def build_world(loader: Loader, scale: Scale, rng: random.Random, now: datetime) -> World:
    password = make_password(None)
    service_types = list(ServiceType.objects.order_by("pk").values_list("pk", "code", "name"))
    orgs = []
    for index in range(scale.organizations):
        partner = index == scale.organizations - 1
        orgs.append(
            _organization(loader, index, partner, rng, now, password, scale.staff_per_organization)
        )
    for org in orgs:
        _directory_entry(loader, org, service_types, rng)
    weights = [1 / (rank + 20) for rank in range(len(orgs) - 1)]
    return World(orgs, weights, service_types, password)


def _organization(
    loader: Loader,
    index: int,
    partner: bool,
    rng: random.Random,
    now: datetime,
    password: str,
    scale_staff: int,
) -> Org:
    name = f"Small Partner {index}" if partner else f"{WORDS[index % len(WORDS)]} {index}"
    group = loader.add_new(Group, name=f"organization:{name}")
    organization = loader.add_new(
        Organization,
        name=name,
        kind=rng.choice(KINDS),
        service_area=rng.sample(AREAS, 2),
        group_id=group.pk,
        created_at=now - timedelta(days=800),
    )

    loader.add_new(ContinuityRules, organization_id=organization.pk)
    org = Org(id=organization.pk, group_id=group.pk, name=name)
    for position in range(scale_staff):
        role = ROLES[position % len(ROLES)]
        email = PARTNER_EMAIL if partner and position == 3 else _email(index, position)
        user = loader.add_new(
            User, email=email, full_name=f"Staff {index}-{position}", password=password
        )
        loader.add_new(Membership, user_id=user.pk, organization_id=organization.pk, role=role)
        loader.add_new(
            TOTPDevice,
            user_id=user.pk,
            name="Authenticator app",
            confirmed=True,
            key=rng.randbytes(20).hex(),
        )
        _inbox(loader, user.pk, rng, now)
        org.staff.append(Staff(user.pk, role))
    return org


def _inbox(loader: Loader, user_id: int, rng: random.Random, now: datetime) -> None:
    for n in range(NOTIFICATIONS_PER_STAFF):
        sent = now - timedelta(hours=rng.randint(1, 24 * 60))
        loader.add_new(
            Notification,
            key=f"bench:{user_id}:{n}",
            recipient_id=user_id,
            reason=rng.choice([Notification.Reason.FOLLOW_UP_DUE, Notification.Reason.ESCALATION]),
            channel=Notification.Channel.IN_APP,
            item_count=rng.randint(1, 6),
            status=Notification.Status.SENT,
            deliver_after=sent,
            attempts=1,
            last_attempt_at=sent,
            sent_at=sent,
            read_at=sent + timedelta(hours=2) if rng.random() < 0.5 else None,
        )


def _directory_entry(
    loader: Loader, org: Org, service_types: list[tuple[int, str, str]], rng: random.Random
) -> None:
    provider = loader.add_new(
        DirectoryProvider, member_id=org.id, name=f"Directory entry {org.id}", hsds_id=_uuid(rng)
    )

    for n in range(2):
        service = loader.add_new(
            DirectoryService,
            provider_id=provider.pk,
            service_type_id=rng.choice(service_types)[0],
            name=f"Service {org.id}-{n}",
            hsds_id=_uuid(rng),
            minimum_age=12,
            maximum_age=24,
        )
        loader.add_new(DirectoryServiceArea, service_id=service.pk, area=rng.choice(AREAS))
        loader.add_new(
            DirectoryServiceLanguage, service_id=service.pk, code=rng.choice(["en", "es"])
        )


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)
