"""The access policy: the one place that answers "may this viewer do this to this record".

Bases (DESIGN.md, principle 1): being on the lead organization's care team, being a
supervisor of the lead organization, being the young person, or an active, unexpired consent
covering the viewer's organization. The first three see every category; a consent shows only
its categories and only lets its holder read. Superusers and organization admins get no case
data from any basis.

Care-team and consent bases are read from the guardian rows ``consent.permissions`` keeps in
step; supervisors and the young person are answered from the viewer, so a list costs one
``pk IN (user rows UNION group rows)`` subquery whatever the number of cases.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from accounts.models import User
from cases.categories import DATA_CATEGORIES, DataCategory, category_permission
from cases.checkins import CHECK_IN_CATEGORY, CheckIn
from cases.history import PERSON_RECORD_TYPES, HistoryEntry, case_history
from cases.models import (
    Case,
    CaseDocument,
    CaseNote,
    CaseTransfer,
    FamilyMember,
    Person,
    PlanVersion,
    Referral,
    SystemInvolvementEvent,
)
from consent.access_log import (
    note_case_access,
    note_denied,
    note_referral_read,
    with_access_marks,
)
from consent.errors import AccessDenied, NotVisible
from consent.models import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Consent,
    ConsentPurpose,
    ConsentStatus,
)
from consent.permissions import VIEW_CASE, case_permission_ids
from providers.invitations import Invitation
from providers.models import CASE_READING_ROLES, Membership, MembershipChange, Organization
from providers.organization_changes import OrganizationChange

Role = Membership.Role
# The roles that reach case data here are the ones providers/ refuses as a self-grant: one set.
STAFF_ROLES = CASE_READING_ROLES


class Action(StrEnum):
    """What a viewer wants to do to a case or a record of it."""

    VIEW = "view"
    EDIT = "edit"
    VIEW_HISTORY = "view_history"
    MANAGE_TEAM = "manage_team"
    CLOSE = "close"
    TRANSFER = "transfer"
    APPROVE_PLAN = "approve_plan"
    GIVE_CONSENT = "give_consent"  # the young person signs or withdraws their own consents
    MANAGE_PORTAL = "manage_portal"  # give, renew or end the young person's portal login (R42)
    AUDIT_ACCESS = "audit_access"  # a supervisor reads who accessed the case (R26)
    ANSWER_CHECK_IN = "answer_check_in"  # the young person answers their own check-in


# How a refusal names the action: "You may see this case, but not <words>."
ACTION_WORDS: Mapping[Action, str] = MappingProxyType(
    {
        Action.VIEW: "see it",
        Action.EDIT: "change it",
        Action.VIEW_HISTORY: "read its change history",
        Action.MANAGE_TEAM: "manage its care team",
        Action.CLOSE: "close it",
        Action.TRANSFER: "transfer it to another organization",
        Action.APPROVE_PLAN: "approve its plan",
        Action.GIVE_CONSENT: "sign or withdraw its consents",
        Action.MANAGE_PORTAL: "give or end the young person's portal access",
        Action.AUDIT_ACCESS: "read who accessed it",
        Action.ANSWER_CHECK_IN: "answer its check-in",
    }
)


def may_see_but_not(action: Action) -> str:
    """The refusal for a viewer who may see the case but not do ``action`` to it (403)."""
    return f"You may see this case, but not {ACTION_WORDS[action]}."


class Basis(StrEnum):
    """Why a viewer may see a case."""

    CARE_TEAM = "care_team"
    PRIMARY = "primary_advocate"
    SUPERVISOR = "supervisor"
    SUBJECT = "young_person"
    CONSENT = "consent"


_STAFF_WORK = frozenset(
    {Action.VIEW, Action.EDIT, Action.VIEW_HISTORY, Action.CLOSE, Action.TRANSFER}
)
ALLOWED_ACTIONS: Mapping[Basis, frozenset[Action]] = MappingProxyType(
    {
        Basis.CARE_TEAM: _STAFF_WORK | {Action.MANAGE_PORTAL},
        Basis.PRIMARY: _STAFF_WORK | {Action.MANAGE_TEAM, Action.MANAGE_PORTAL},
        Basis.SUPERVISOR: _STAFF_WORK | {Action.MANAGE_TEAM},
        Basis.SUBJECT: frozenset(
            {Action.VIEW, Action.APPROVE_PLAN, Action.GIVE_CONSENT, Action.ANSWER_CHECK_IN}
        ),
        Basis.CONSENT: frozenset({Action.VIEW}),
    }
)
# Consents that have been in force have a receipt and an export; drafts and pending ones not.
RECEIPTED_STATUSES = frozenset({ConsentStatus.ACTIVE, ConsentStatus.REVOKED, ConsentStatus.EXPIRED})
LEAD_BASES = frozenset({Basis.CARE_TEAM, Basis.PRIMARY, Basis.SUPERVISOR, Basis.SUBJECT})


@dataclass(frozen=True)
class Viewer:
    """Who is asking, computed once per request: active roles per organization, portal person."""

    user_id: int | None
    roles: Mapping[int, frozenset[str]] = field(default_factory=dict)
    person_id: int | None = None
    groups: Mapping[int, int] = field(default_factory=dict)  # organization id -> its group id
    # A portal user's own time zone (Person.time_zone), for the dates their pages show.
    time_zone: str = ""
    # Staff: the time zone of each organization they hold a role at ("" where it set none), in
    # the organizations' name order, when the caller asked for it (the pages do: ``viewer_for``).
    organization_time_zones: Mapping[int, str] = field(default_factory=dict)

    def organizations_with(self, *roles: str) -> frozenset[int]:
        return frozenset(org for org, held in self.roles.items() if held.intersection(roles))

    @property
    def staff_organizations(self) -> frozenset[int]:
        return self.organizations_with(*STAFF_ROLES)

    def has_role(self, organization_id: int, *roles: str) -> bool:
        return bool(self.roles.get(organization_id, frozenset()).intersection(roles))

    @property
    def staff_group_ids(self) -> list[int]:
        """Groups that hold partner grants for the viewer: organizations they staff (not admin)."""
        return sorted(self.groups[org] for org in self.staff_organizations)


ANONYMOUS = Viewer(user_id=None)


def viewer_for(user: User | None, *, organization_time_zone: Subquery | None = None) -> Viewer:
    """Build the viewer: active roles at active organizations, and the portal person read in
    the same query (one query for staff; a second only for a user with no active role).

    ``organization_time_zone`` is an expression over a membership row giving its organization's
    time zone name; the pages pass the one of ``tasks`` (where the organization keeps it, above
    this layer), and it is read in the same query.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    roles: dict[int, set[str]] = {}
    groups: dict[int, int] = {}
    zones: dict[int, str] = {}
    own_person = Person.objects.filter(user_id=user.pk).values("pk")[:1]
    memberships = Membership.objects.filter(
        user_id=user.pk, is_active=True, organization__is_active=True
    ).annotate(
        own_person=Subquery(own_person),
        organization_zone=Value("") if organization_time_zone is None else organization_time_zone,
    )
    rows = list(
        memberships.order_by("organization__name", "organization_id").values_list(
            "organization_id", "role", "organization__group_id", "own_person", "organization_zone"
        )
    )
    for organization_id, role, group_id, _, zone in rows:
        roles.setdefault(organization_id, set()).add(role)
        groups[organization_id] = group_id
        zones[organization_id] = zone or ""
    time_zone = ""
    if rows:
        person_id = rows[0][3]
    else:
        own = Person.objects.filter(user_id=user.pk).values_list("pk", "time_zone").first()
        person_id, time_zone = own or (None, "")
    return Viewer(
        user_id=user.pk,
        roles={org: frozenset(held) for org, held in roles.items()},
        person_id=person_id,
        groups=groups,
        time_zone=time_zone,
        organization_time_zones=zones if organization_time_zone is not None else {},
    )


def _granted_case_ids(viewer: Viewer, codename: str, *, partners: bool = True) -> QuerySet:
    """Case ids the viewer holds ``codename`` on: care-team rows UNION partner rows in force."""
    permission_id = case_permission_ids()[codename]
    granted = CaseUserObjectPermission.objects.filter(
        user_id=viewer.user_id, permission_id=permission_id
    ).values("content_object_id")
    if partners and viewer.staff_group_ids:
        now = timezone.now()
        granted = granted.union(
            CaseGroupObjectPermission.objects.filter(
                group_id__in=viewer.staff_group_ids,
                permission_id=permission_id,
                valid_from__lte=now,
                valid_until__gt=now,
            ).values("content_object_id")
        )
    return granted


def _granted_probe(viewer: Viewer, codename: str, *, partners: bool) -> Q:
    """``_granted_case_ids`` as index probes of the case at hand (``OuterRef("pk")``)."""
    permission_id = case_permission_ids()[codename]
    condition = Q(
        Exists(
            CaseUserObjectPermission.objects.filter(
                user_id=viewer.user_id,
                permission_id=permission_id,
                content_object_id=OuterRef("pk"),
            )
        )
    )
    if partners and viewer.staff_group_ids:
        now = timezone.now()
        condition |= Q(
            Exists(
                CaseGroupObjectPermission.objects.filter(
                    group_id__in=viewer.staff_group_ids,
                    permission_id=permission_id,
                    valid_from__lte=now,
                    valid_until__gt=now,
                    content_object_id=OuterRef("pk"),
                )
            )
        )
    return condition


def _visibility(
    viewer: Viewer,
    codename: str = VIEW_CASE,
    *,
    partners: bool = True,
    subject: bool = True,
    one_case: bool = False,
) -> Q:
    """One subquery for the granted bases; supervisor and young person come from memory.

    ``one_case``: for reading a case by its key, the granted bases are probed for that case
    alone; the subquery would first gather every case the viewer holds (3.4 ms for an
    advocate on 725 cases at 200k) to test one.
    """
    if viewer.user_id is None:
        return Q(pk__in=[])
    if one_case:
        condition = _granted_probe(viewer, codename, partners=partners)
    else:
        condition = Q(pk__in=_granted_case_ids(viewer, codename, partners=partners))
    supervised = viewer.organizations_with(Role.SUPERVISOR)
    if supervised:
        condition |= Q(lead_organization_id__in=supervised)
    if subject and viewer.person_id is not None:
        condition |= Q(person_id=viewer.person_id)
    return condition


def visible_cases(*, viewer: Viewer, category: str | None = None) -> QuerySet[Case]:
    """The only starting queryset for lists of cases and of their records.

    With ``category``, only cases where the viewer may see that category (every case they
    hold a lead basis on, and those a consent releases the category of).
    """
    codename = VIEW_CASE if category is None else category_permission(category)
    return Case.objects.filter(_visibility(viewer, codename))


def lead_cases(*, viewer: Viewer) -> QuerySet[Case]:
    """Cases the viewer sees on a lead basis (care team, supervisor, young person): no consents."""
    return Case.objects.filter(_visibility(viewer, partners=False))


def lead_staff_cases(*, viewer: Viewer) -> QuerySet[Case]:
    """Cases the viewer works on as the lead organization's staff (care team, supervisors):
    not the young person's own, and no consent."""
    return Case.objects.filter(_visibility(viewer, partners=False, subject=False))


def visible_case_ids(*, viewer: Viewer, category: str | None = None) -> QuerySet[Case]:
    """Ids of cases whose records the viewer may list, for ``case_id__in=`` filters.

    Without ``category`` the records are the lead organization's working records (care team,
    flags, live plan, contacts, referrals, transfers), which no consent releases; with one,
    consents releasing that category count too.
    """
    if category is None:
        return lead_cases(viewer=viewer).values("pk")
    return visible_cases(viewer=viewer, category=category).values("pk")


@dataclass(frozen=True)
class ConsentGrant:
    """A consent in force that lets the viewer's organization see part of a case."""

    consent_id: int
    organization_id: int
    categories: frozenset[str]
    purpose: str


def consents_in_force(*, viewer: Viewer, case_ids: list[int]) -> dict[int, list[ConsentGrant]]:
    """Active, started, unexpired consents to the viewer's organizations, per case (one query).

    Read from the consents themselves, so an expired consent grants nothing even before the
    expiry sweep removed its rows (R14). A consent to transfer the case grants no reading
    (R41): its recipient sees only the offer until it accepts and leads the case.
    """
    if not viewer.staff_organizations or not case_ids:
        return {}
    now = timezone.now()
    rows = (
        Consent.objects.filter(
            Q(resign_due_at__isnull=True) | Q(resign_due_at__gt=now),
            case_id__in=case_ids,
            recipient_id__in=viewer.staff_organizations,
            status=Consent.Status.ACTIVE,
            starts_at__lte=now,
            expires_at__gt=now,
        )
        .exclude(purpose=ConsentPurpose.TRANSFER)
        .values_list("pk", "case_id", "recipient_id", "categories", "purpose")
    )
    grants: dict[int, list[ConsentGrant]] = {}
    for pk, case_id, recipient_id, categories, purpose in rows.order_by("pk"):
        grant = ConsentGrant(pk, recipient_id, frozenset(categories), purpose)
        grants.setdefault(case_id, []).append(grant)
    return grants


def bases_for(
    *,
    viewer: Viewer,
    case: Case,
    on_team: bool,
    is_primary: bool,
    grants: tuple["ConsentGrant", ...] = (),
) -> frozenset[Basis]:
    """All bases the viewer holds for a case (``on_team``/``is_primary`` come from one query)."""
    bases = set()
    if on_team:
        bases.add(Basis.CARE_TEAM)
    if on_team and is_primary:
        bases.add(Basis.PRIMARY)
    if viewer.has_role(case.lead_organization_id, Role.SUPERVISOR):
        bases.add(Basis.SUPERVISOR)
    if viewer.person_id is not None and case.person_id == viewer.person_id:
        bases.add(Basis.SUBJECT)
    if grants:
        bases.add(Basis.CONSENT)
    return frozenset(bases)


def allowed_actions(bases: frozenset[Basis]) -> frozenset[Action]:
    actions: set[Action] = set()
    for basis in bases:
        actions |= ALLOWED_ACTIONS[basis]
    return frozenset(actions)


@dataclass(frozen=True)
class Release:
    """What of a record the viewer may see: everything on a lead basis, else what consents
    in force release (the categories, and the consents relied on)."""

    is_lead: bool
    grants: tuple[ConsentGrant, ...] = ()

    @property
    def categories(self) -> frozenset[str]:
        if self.is_lead:
            return frozenset(DATA_CATEGORIES)
        return frozenset().union(*(grant.categories for grant in self.grants))

    @property
    def withheld_categories(self) -> list[str]:
        return [c for c in DATA_CATEGORIES if c not in self.categories]


@dataclass(frozen=True)
class CaseAccess:
    """A case the viewer may see, with the bases they hold and what those let them do."""

    case: Case
    bases: frozenset[Basis]
    grants: tuple[ConsentGrant, ...] = ()

    @property
    def actions(self) -> frozenset[Action]:
        return allowed_actions(self.bases)

    @property
    def is_lead(self) -> bool:
        """Care team, supervisor or the young person: every category, and more than reading."""
        return bool(self.bases & LEAD_BASES)

    @property
    def release(self) -> Release:
        return Release(is_lead=self.is_lead, grants=self.grants)

    @property
    def categories(self) -> frozenset[str]:
        return self.release.categories


def access_case(*, viewer: Viewer, case_id: int, action: Action = Action.VIEW) -> CaseAccess:
    """Fetch a case: 404 when invisible, 403 when the action is not the viewer's.

    One query for the case and the lead bases; a partner costs one more, for the consents in
    force (checked on the consents themselves, not only on the rows).
    """
    visible = Case.objects.filter(_visibility(viewer, one_case=True))
    case = (
        with_access_marks(visible, viewer=viewer)
        .select_related("person", "lead_organization")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        note_denied(viewer, case_id, action)
        raise NotVisible("No such case.")
    bases = bases_for(viewer=viewer, case=case, on_team=case.on_team, is_primary=case.is_primary)
    grants: tuple[ConsentGrant, ...] = ()
    if not bases & LEAD_BASES:
        grants = tuple(consents_in_force(viewer=viewer, case_ids=[case.pk]).get(case.pk, []))
        if not grants:
            note_denied(viewer, case_id, action)
            raise NotVisible("No such case.")
        bases = bases | {Basis.CONSENT}
    access = CaseAccess(case=case, bases=bases, grants=grants)
    if action not in access.actions:
        note_denied(viewer, case_id, action)
        raise AccessDenied(may_see_but_not(action))
    note_case_access(viewer, access, action)
    return access


def access_person(
    *,
    viewer: Viewer,
    person_id: int,
    action: Action = Action.VIEW,
    category: str = DataCategory.IDENTITY,
) -> Person:
    """The young person's record, through any case that shows ``category`` and allows ``action``."""
    cases = visible_cases(viewer=viewer, category=category).filter(person_id=person_id)
    case_ids = list(cases.values_list("pk", flat=True))
    if not case_ids:
        raise NotVisible("No such person.")
    denied: AccessDenied | None = None
    for case_id in case_ids:
        try:
            return access_case(viewer=viewer, case_id=case_id, action=action).case.person
        except AccessDenied as exc:
            denied = exc
    raise denied or NotVisible("No such person.")


def visible_people(*, viewer: Viewer, category: str = DataCategory.IDENTITY) -> QuerySet[Person]:
    """Young people with a case whose ``category`` the viewer may see (identity by default)."""
    cases = visible_cases(viewer=viewer, category=category)
    return Person.objects.filter(pk__in=cases.values("person_id"))


def visible_referrals(*, viewer: Viewer) -> QuerySet[Referral]:
    """Referrals of visible cases, and referrals sent to an organization the viewer staffs."""
    incoming = Q(
        to_organization_id__in=viewer.staff_organizations,
        status__in=[s for s in Referral.Status if s != Referral.Status.DRAFT],
    )
    return Referral.objects.filter(Q(case_id__in=visible_case_ids(viewer=viewer)) | incoming)


def is_recipient_of(*, viewer: Viewer, referral: Referral) -> bool:
    """True when the viewer sees the referral as staff of the receiving organization."""
    return referral.to_organization_id in viewer.staff_organizations


def access_incoming_referral(*, viewer: Viewer, referral_id: int) -> Referral:
    """A referral the viewer may answer: sent to an organization they staff, and not a draft."""
    referral = visible_referrals(viewer=viewer).filter(pk=referral_id).first()
    if referral is None:
        raise NotVisible("No such referral.")
    if not is_recipient_of(viewer=viewer, referral=referral):
        raise AccessDenied("Only staff of the receiving organization can answer a referral.")
    return referral


# A referral travels for the purpose "referral"; a care-coordination consent covers it too.
REFERRAL_PURPOSES = (ConsentPurpose.REFERRAL, ConsentPurpose.CARE_COORDINATION)


@dataclass(frozen=True)
class ReferralRelease:
    """What of a referral its receiving organization may read now.

    While consents in force to that organization, for a referral purpose, cover every
    category the referral carries (``grants``), everything it carries: the sender's message,
    its categories, the notes of its moves. Otherwise only the closing record the partner
    needs for its own books (service type, status, dates): the consent it travelled under
    was withdrawn or has expired, and R13 withholds what came under it.
    """

    grants: tuple[ConsentGrant, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def in_force(self) -> bool:
        return bool(self.grants) and not self.missing


def referral_releases(referrals: Iterable[Referral]) -> dict[int, ReferralRelease]:
    """Per referral, the consents in force that release it to its recipient (one query).

    Read from the consents themselves, so an expired consent releases nothing even before
    the expiry sweep has run (R14).
    """
    referrals = list(referrals)
    if not referrals:
        return {}
    now = timezone.now()
    rows = Consent.objects.filter(
        Q(resign_due_at__isnull=True) | Q(resign_due_at__gt=now),
        case_id__in={r.case_id for r in referrals},
        recipient_id__in={r.to_organization_id for r in referrals},
        status=Consent.Status.ACTIVE,
        purpose__in=REFERRAL_PURPOSES,
        starts_at__lte=now,
        expires_at__gt=now,
    ).values_list("pk", "case_id", "recipient_id", "categories", "purpose")
    by_pair: dict[tuple[int, int], list[ConsentGrant]] = {}
    for pk, case_id, recipient_id, categories, purpose in rows.order_by("pk"):
        grant = ConsentGrant(pk, recipient_id, frozenset(categories), purpose)
        by_pair.setdefault((case_id, recipient_id), []).append(grant)
    releases = {}
    for referral in referrals:
        grants = tuple(by_pair.get((referral.case_id, referral.to_organization_id), ()))
        covered = frozenset().union(*(grant.categories for grant in grants))
        carried = set(referral.categories or ())
        missing = tuple(sorted(carried - covered)) if grants else tuple(sorted(carried))
        releases[referral.pk] = ReferralRelease(grants=grants, missing=missing)
    return releases


def referral_release(referral: Referral) -> ReferralRelease:
    """``referral_releases`` for one referral."""
    return referral_releases([referral])[referral.pk]


def note_incoming_referral_reads(
    *,
    viewer: Viewer,
    referrals: Iterable[Referral],
    releases: Mapping[int, ReferralRelease],
    action: str = "view",
) -> None:
    """Record the receiving organization's reads of referrals (R24): allowed under the
    consents that released each one, denied (its content withheld) when none is in force.
    Never an allowed read without a basis."""
    for referral in referrals:
        release = releases[referral.pk]
        note_referral_read(
            viewer,
            case_id=referral.case_id,
            organization_id=referral.to_organization_id,
            categories=referral.categories or (),
            grants=release.grants if release.in_force else (),
            action=action,
        )


def visible_transfers(*, viewer: Viewer) -> QuerySet[CaseTransfer]:
    """Transfers of visible cases, and those offered to an organization the viewer takes in for
    while they wait for its answer: a declined or withdrawn transfer leaves the receiving
    organization nothing, not even the offer (R41)."""
    receiving = viewer.organizations_with(Role.SUPERVISOR, Role.INTAKE)
    return CaseTransfer.objects.filter(
        Q(case_id__in=visible_case_ids(viewer=viewer))
        | Q(to_organization_id__in=receiving, status=CaseTransfer.Status.REQUESTED)
    )


def access_incoming_transfer(*, viewer: Viewer, transfer_id: int) -> CaseTransfer:
    """A transfer the viewer may accept or decline: supervisor or intake of the receiving org."""
    transfer = visible_transfers(viewer=viewer).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotVisible("No such transfer.")
    if not viewer.has_role(transfer.to_organization_id, Role.SUPERVISOR, Role.INTAKE):
        raise AccessDenied(
            "Only a supervisor or intake worker of the receiving organization can answer."
        )
    return transfer


def access_case_audit(*, viewer: Viewer, case_id: int) -> Case:
    """A case whose access history the viewer may read (R26): supervisors of its lead
    organization only; anyone else, its care team included, is refused as if the case did not
    exist. The reading is logged as an access naming no data category."""
    case = (
        visible_cases(viewer=viewer)
        .filter(pk=case_id, lead_organization_id__in=viewer.organizations_with(Role.SUPERVISOR))
        .first()
    )
    if case is None:
        note_denied(viewer, case_id, Action.AUDIT_ACCESS)
        raise NotVisible("No such case.")
    access = CaseAccess(case=case, bases=frozenset({Basis.SUPERVISOR}))
    note_case_access(viewer, access, Action.AUDIT_ACCESS, categories=())
    return case


def can_open_case_at(*, viewer: Viewer, organization_id: int) -> bool:
    """Advocates, intake workers and supervisors open cases for their own organization."""
    return viewer.has_role(organization_id, *STAFF_ROLES)


def can_read_reports(*, viewer: Viewer, organization_id: int) -> bool:
    """Aggregate, suppressed reports of an organization: its supervisors and admins (R22)."""
    return viewer.has_role(organization_id, Role.SUPERVISOR, Role.ORG_ADMIN)


def can_read_community_report(*, viewer: Viewer, organization_id: int | None = None) -> bool:
    """The de-identified community gap report (R22): any active staff member of an active
    member organization, whatever the role; narrowed to one organization's cases, its staff."""
    if organization_id is None:
        return bool(viewer.roles)
    return bool(viewer.roles.get(organization_id))


OPERATE_SITE = "providers.operate_site"


def can_operate_site(*, viewer: Viewer, user: User) -> bool:
    """The site operator (issue 17): an active staff account with the site-operator permission
    and no active role in any organization. It creates organizations and invites their first
    admins; having no role, it reads no case data anywhere in this policy."""
    return bool(
        viewer.user_id is not None
        and viewer.user_id == user.pk
        and user.is_active
        and user.is_staff
        and not viewer.roles
        and user.has_perm(OPERATE_SITE)
    )


def can_manage_memberships(*, viewer: Viewer, organization_id: int) -> bool:
    """Organization admins manage who works at their organization."""
    return viewer.has_role(organization_id, Role.ORG_ADMIN)


def invitable_organizations(*, viewer: Viewer, user: User) -> QuerySet[Organization]:
    """Active organizations the viewer may invite people to: those they administer; for the
    site operator, every one (for its admins only: ``can_invite``). Anyone else: none."""
    active = Organization.objects.filter(is_active=True)
    if can_operate_site(viewer=viewer, user=user):
        return active
    return active.filter(pk__in=viewer.organizations_with(Role.ORG_ADMIN))


def may_send_invitations(*, viewer: Viewer, user: User) -> bool:
    """Whether the viewer invites anyone anywhere: an org admin, or the site operator."""
    return bool(viewer.organizations_with(Role.ORG_ADMIN)) or can_operate_site(
        viewer=viewer, user=user
    )


def can_invite(*, viewer: Viewer, user: User, organization_id: int, role: str) -> bool:
    """Org admins invite people to any role at their organization (issue 17); the site
    operator invites an organization's first admin (role org_admin, while it has no active
    admin) and no one else: from then on its admins invite its people."""
    if can_manage_memberships(viewer=viewer, organization_id=organization_id):
        return True
    has_admin = Membership.objects.filter(
        organization_id=organization_id, role=Role.ORG_ADMIN, is_active=True
    ).exists()
    return role == Role.ORG_ADMIN and not has_admin and can_operate_site(viewer=viewer, user=user)


def visible_invitations(*, viewer: Viewer, user: User) -> QuerySet[Invitation]:
    """Pending invitations of organizations the viewer administers; for the site operator,
    pending invitations of organization admins everywhere. Admins resend and cancel these."""
    pending = Invitation.objects.pending()
    if can_operate_site(viewer=viewer, user=user):
        return pending.filter(role=Role.ORG_ADMIN)
    return pending.filter(organization_id__in=viewer.organizations_with(Role.ORG_ADMIN))


def can_search_directory(*, viewer: Viewer) -> bool:
    """The community resource directory (no case data): staff of any active member
    organization, in any role. Young people and people without a role get nothing."""
    return bool(viewer.roles)


def can_edit_directory_entry(*, viewer: Viewer, organization_id: int) -> bool:
    """Organization admins publish and edit their own organization's directory services."""
    return viewer.has_role(organization_id, Role.ORG_ADMIN)


def visible_memberships(*, viewer: Viewer) -> QuerySet[Membership]:
    """Own memberships, and those of organizations the viewer administers or supervises."""
    managed = viewer.organizations_with(Role.ORG_ADMIN, Role.SUPERVISOR)
    return Membership.objects.filter(Q(user_id=viewer.user_id) | Q(organization_id__in=managed))


def visible_membership_changes(*, viewer: Viewer) -> QuerySet[MembershipChange]:
    """Role changes of organizations the viewer administers or supervises (issue 16)."""
    managed = viewer.organizations_with(Role.ORG_ADMIN, Role.SUPERVISOR)
    return MembershipChange.objects.filter(organization_id__in=managed)


def visible_organization_changes(*, viewer: Viewer, user: User) -> QuerySet[OrganizationChange]:
    """Changes of organizations (issue 17): all of them for the site operator, its own for an
    organization's admins."""
    if can_operate_site(viewer=viewer, user=user):
        return OrganizationChange.objects.all()
    return OrganizationChange.objects.filter(
        organization_id__in=viewer.organizations_with(Role.ORG_ADMIN)
    )


def visible_notes(*, viewer: Viewer) -> QuerySet[CaseNote]:
    """Notes of cases the viewer leads, and the shareable notes of cases a consent releases
    notes of; the young person never reads the staff-only notes of their own."""
    led = CaseNote.objects.filter(case_id__in=visible_case_ids(viewer=viewer))
    released = CaseNote.objects.filter(
        case_id__in=visible_case_ids(viewer=viewer, category=DataCategory.NOTES), staff_only=False
    )
    # One subquery of the union, rather than an OR of two, keeps the plan a semi-join.
    either = led.order_by().values("pk").union(released.order_by().values("pk"))
    notes = CaseNote.objects.filter(pk__in=either)
    if viewer.person_id is not None:
        notes = notes.exclude(staff_only=True, case__person_id=viewer.person_id)
    return notes


def access_note(*, viewer: Viewer, note_id: int, action: Action = Action.VIEW) -> CaseNote:
    """A note the viewer may read (else 404), if they may also ``action`` its case (else 403)."""
    note = visible_notes(viewer=viewer).filter(pk=note_id).first()
    if note is None:
        raise NotVisible("No such note.")
    if action is not Action.VIEW:
        access_case(viewer=viewer, case_id=note.case_id, action=action)
    return note


def visible_documents(*, viewer: Viewer) -> QuerySet[CaseDocument]:
    """Documents of cases the viewer leads, the young person's own included, and the ones
    marked for partners of cases a consent releases documents of (R43). A deleted document's
    record is the lead staff's: nobody else sees that it existed."""
    led = CaseDocument.objects.filter(case_id__in=visible_case_ids(viewer=viewer))
    released = CaseDocument.objects.filter(
        case_id__in=visible_case_ids(viewer=viewer, category=DataCategory.DOCUMENTS),
        shared_with_partners=True,
        deleted_at__isnull=True,
    )
    either = led.order_by().values("pk").union(released.order_by().values("pk"))
    documents = CaseDocument.objects.filter(pk__in=either)
    if viewer.person_id is not None:
        documents = documents.exclude(case__person_id=viewer.person_id, deleted_at__isnull=False)
    return documents


def access_document(
    *, viewer: Viewer, document_id: int, action: Action = Action.VIEW
) -> CaseDocument:
    """A document the viewer may read (else 404, recorded as refused), if they may also
    ``action`` its case (else 403)."""
    document = visible_documents(viewer=viewer).filter(pk=document_id).first()
    if document is None:
        # A refused try at a real document goes into its case's log, like any other (R24).
        case_id = CaseDocument.objects.filter(pk=document_id).values_list("case_id").first()
        note_denied(viewer, case_id[0] if case_id else None, action, (DataCategory.DOCUMENTS,))
        raise NotVisible("No such document.")
    if action is not Action.VIEW:
        access_case(viewer=viewer, case_id=document.case_id, action=action)
    return document


def visible_system_involvement(*, viewer: Viewer) -> QuerySet[SystemInvolvementEvent]:
    """System-involvement events (issue 21) of the cases the viewer works on as lead staff.

    They never leave the lead organization (R17): no consent releases them, whatever its
    categories, and the young person's portal does not show them; reports that leave count
    them, suppressed (R22)."""
    return SystemInvolvementEvent.objects.filter(
        case_id__in=lead_staff_cases(viewer=viewer).values("pk")
    )


def access_case_system_involvement(
    *, viewer: Viewer, case_id: int, action: Action = Action.VIEW
) -> CaseAccess:
    """A case whose system involvement the viewer reads (VIEW) or records (EDIT): its lead
    staff; anyone else, a consent holder or the young person included, as if it did not exist."""
    if not lead_staff_cases(viewer=viewer).filter(pk=case_id).exists():
        note_denied(viewer, case_id, action)
        raise NotVisible("No such case.")
    return access_case(viewer=viewer, case_id=case_id, action=action)


def access_system_involvement(
    *, viewer: Viewer, event_id: int, action: Action = Action.VIEW
) -> SystemInvolvementEvent:
    """An event the viewer may read (else 404, recorded as refused), if they may also
    ``action`` its case (else 403)."""
    event = visible_system_involvement(viewer=viewer).filter(pk=event_id).first()
    if event is None:
        case_id = SystemInvolvementEvent.objects.filter(pk=event_id).values_list("case_id").first()
        note_denied(viewer, case_id[0] if case_id else None, action)
        raise NotVisible("No such event.")
    access_case(viewer=viewer, case_id=event.case_id, action=action)
    return event


def visible_check_ins(*, viewer: Viewer) -> QuerySet[CheckIn]:
    """Check-ins of cases the viewer holds a lead basis on, the young person's own included.

    A check-in is the lead organization's working record of how the young person is doing
    (safety, housing, progress on the live plan's goals): like the live plan, no consent
    releases it, so partners see none, whatever categories they hold (issue 21).
    """
    return CheckIn.objects.filter(case_id__in=visible_case_ids(viewer=viewer))


def access_check_in(*, viewer: Viewer, check_in_id: int, action: Action = Action.VIEW) -> CheckIn:
    """A check-in the viewer may read (else 404, recorded as refused), if they may also
    ``action`` its case (else 403)."""
    check_in = visible_check_ins(viewer=viewer).filter(pk=check_in_id).first()
    if check_in is None:
        case_id = CheckIn.objects.filter(pk=check_in_id).values_list("case_id").first()
        note_denied(viewer, case_id[0] if case_id else None, action, (CHECK_IN_CATEGORY,))
        raise NotVisible("No such check-in.")
    if action is not Action.VIEW:
        access_case(viewer=viewer, case_id=check_in.case_id, action=action)
    return check_in


def readable_case_history(*, access: CaseAccess) -> list[HistoryEntry]:
    """The case's change history, for bases that may read it.

    The young person's own records are shared by all their cases, so a change to them names
    the changer only when that is the young person or someone of this case's lead
    organization: otherwise the history would tell which other organizations serve them.
    """
    if Action.VIEW_HISTORY not in access.actions:
        raise AccessDenied(may_see_but_not(Action.VIEW_HISTORY))
    young_person = access.case.person.user_id
    return [
        entry
        if entry.record_type not in PERSON_RECORD_TYPES
        or entry.changed_by_id is None
        or entry.changer_works_at_lead
        or entry.changed_by_id == young_person
        else replace(entry, changed_by_id=None, changed_by_name="")
        for entry in case_history(access.case)
    ]


def access_outgoing_referral(*, viewer: Viewer, referral_id: int) -> Referral:
    """A referral the viewer may change, send or withdraw: they may EDIT its case (else 403)."""
    referral = visible_referrals(viewer=viewer).filter(pk=referral_id).first()
    if referral is None:
        raise NotVisible("No such referral.")
    try:
        access = access_case(viewer=viewer, case_id=referral.case_id, action=Action.EDIT)
    except NotVisible as exc:
        raise AccessDenied("Only the sending organization can change a referral.") from exc
    referral.case = access.case
    return referral


def access_outgoing_transfer(*, viewer: Viewer, transfer_id: int) -> CaseTransfer:
    """A transfer the viewer may cancel: they may TRANSFER its case (else 403)."""
    transfer = visible_transfers(viewer=viewer).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotVisible("No such transfer.")
    try:
        access = access_case(viewer=viewer, case_id=transfer.case_id, action=Action.TRANSFER)
    except NotVisible as exc:
        raise AccessDenied("Only the sending organization can cancel a transfer.") from exc
    transfer.case = access.case
    return transfer


def is_receiver_of(*, viewer: Viewer, transfer: CaseTransfer) -> bool:
    """True when the viewer sees a transfer as the receiving organization before it accepted:
    they may then learn nothing about the case but its non-identifying offer (R41)."""
    if transfer.status == CaseTransfer.Status.ACCEPTED:
        return False
    return transfer.to_organization_id in viewer.organizations_with(Role.SUPERVISOR, Role.INTAKE)


LEAD_RELEASE = Release(is_lead=True)
NOTHING_RELEASED = Release(is_lead=False)


def releases_for_cases(*, viewer: Viewer, case_ids: list[int]) -> dict[int, Release]:
    """Per case of a page: lead basis, or the consents in force. At most two queries."""
    if not case_ids:
        return {}
    led = set(lead_cases(viewer=viewer).filter(pk__in=case_ids).values_list("pk", flat=True))
    grants = consents_in_force(viewer=viewer, case_ids=[c for c in case_ids if c not in led])
    return {
        case_id: LEAD_RELEASE if case_id in led else Release(False, tuple(grants.get(case_id, ())))
        for case_id in case_ids
    }


def releases_from_accesses(accesses: Mapping[int, CaseAccess | None]) -> dict[int, Release]:
    """The releases ``releases_for_cases`` would give, from a page's accesses already found
    (``consent.access_log.note_page_access``): a lead basis releases everything, else the
    consents relied on; no case-level basis releases nothing. No query."""
    return {
        case_id: NOTHING_RELEASED
        if access is None
        else LEAD_RELEASE
        if access.bases & LEAD_BASES
        else Release(False, access.grants)
        for case_id, access in accesses.items()
    }


def releases_for_people(*, viewer: Viewer, person_ids: list[int]) -> dict[int, Release]:
    """Per young person of a page, over all their cases the viewer may see. Two queries."""
    if not person_ids:
        return {}
    led = set(
        lead_cases(viewer=viewer)
        .filter(person_id__in=person_ids)
        .values_list("person_id", flat=True)
    )
    others = Case.objects.filter(person_id__in=[p for p in person_ids if p not in led])
    case_people = dict(others.values_list("pk", "person_id"))
    grants: dict[int, list[ConsentGrant]] = {}
    for case_id, case_grants in consents_in_force(
        viewer=viewer, case_ids=list(case_people)
    ).items():
        grants.setdefault(case_people[case_id], []).extend(case_grants)
    return {
        person_id: LEAD_RELEASE
        if person_id in led
        else Release(False, tuple(grants.get(person_id, ())))
        for person_id in person_ids
    }


def visible_family_members(*, viewer: Viewer) -> QuerySet[FamilyMember]:
    """Family of young people whose family the viewer may see (lead basis, or released)."""
    people = visible_people(viewer=viewer, category=DataCategory.FAMILY)
    return FamilyMember.objects.filter(person_id__in=people.values("pk"))


def visible_plan_versions(*, viewer: Viewer) -> QuerySet[PlanVersion]:
    """Every version of plans the viewer leads; the approved version where the plan is released."""
    led = PlanVersion.objects.filter(plan__case_id__in=visible_case_ids(viewer=viewer))
    released = PlanVersion.objects.filter(
        plan__case_id__in=visible_case_ids(viewer=viewer, category=DataCategory.PLAN),
        status=PlanVersion.Status.APPROVED,
    )
    either = led.order_by().values("pk").union(released.order_by().values("pk"))
    return PlanVersion.objects.filter(pk__in=either)


def _addressed_consents(viewer: Viewer) -> Q:
    """In force for an organization the viewer staffs, but not a consent to transfer a case to
    it: that names the case (R41)."""
    now = timezone.now()
    return Q(
        recipient_id__in=viewer.staff_organizations,
        status=Consent.Status.ACTIVE,
        starts_at__lte=now,
        expires_at__gt=now,
    ) & ~Q(purpose=ConsentPurpose.TRANSFER)


def visible_consents(*, viewer: Viewer) -> QuerySet[Consent]:
    """Consents of cases the viewer leads, and those in force for an organization they staff
    (but not a consent to transfer a case to it: that names the case, R41)."""
    led = Q(case_id__in=visible_case_ids(viewer=viewer))
    return Consent.objects.filter(led | _addressed_consents(viewer))


def _leads_case_of(viewer: Viewer) -> Q:
    """For one row that has a ``case``: the viewer leads it (``visible_case_ids``'s rule),
    probed for that row's case alone (``_visibility``'s ``one_case``)."""
    if viewer.user_id is None:
        return Q(pk__in=[])
    led = Case.objects.filter(_visibility(viewer, partners=False, one_case=True))
    return Q(Exists(led.filter(pk=OuterRef("case_id"))))


def visible_consent(
    *, viewer: Viewer, consent_id: int, consents: QuerySet[Consent] | None = None
) -> Consent | None:
    """The consent of this id if ``visible_consents`` holds it (else None), read by its key
    with the same rule probed for that row alone. ``consents``: the queryset to read it from
    (what it loads with it)."""
    consents = Consent.objects.all() if consents is None else consents
    rule = _leads_case_of(viewer) | _addressed_consents(viewer)
    return consents.filter(pk=consent_id).filter(rule).first()


def access_consent(*, viewer: Viewer, consent_id: int, action: Action = Action.VIEW) -> Consent:
    """A consent the viewer may see (else 404) and ``action`` on (else 403).

    Staff who may edit the case draft, submit, record signatures and withdrawals; the young
    person signs and withdraws their own in the portal. Asked for GIVE_CONSENT, anyone but
    the young person is held to EDIT instead.
    """
    consent = visible_consent(viewer=viewer, consent_id=consent_id)
    if consent is None:
        raise NotVisible("No such consent.")
    if action is Action.GIVE_CONSENT and not is_own_consent(viewer=viewer, consent=consent):
        action = Action.EDIT  # staff record the young person's decision
    try:
        # Also what records the read or write in the access log, with its basis.
        access = access_case(viewer=viewer, case_id=consent.case_id, action=action)
    except NotVisible as exc:
        raise AccessDenied("Only the lead organization and the young person can do that.") from exc
    consent.case = access.case
    return consent


def is_own_consent(*, viewer: Viewer, consent: Consent) -> bool:
    """True when the viewer is the young person the consent is about (the portal)."""
    return viewer.person_id is not None and consent.subject_id == viewer.person_id


def access_consent_exports(
    *, viewer: Viewer, consent_id: int, unsigned_too: bool = False
) -> Consent:
    """A consent whose receipt and FHIR export the viewer may read, or ``NotVisible`` (404).

    Readers: the lead organization's care team and supervisors, and the young person. The
    recipient reads the released data, not the receipt. Drafts and consents awaiting
    signatures have no receipt yet, which the message says only to those who may see them;
    ``unsigned_too`` lets them through (the FHIR export states them as draft or proposed).
    """
    consent = (
        Consent.objects.select_related("case__lead_organization", "case__person", "recipient")
        .prefetch_related("signatures")
        .filter(pk=consent_id)
        .first()
    )
    # Forbidden looks like missing: the same answer, not the case's "No such case.".
    try:
        access = None if consent is None else access_case(viewer=viewer, case_id=consent.case_id)
    except NotVisible:
        access = None
    if consent is None or access is None or not access.is_lead:
        raise NotVisible("No such consent.")
    if not unsigned_too and consent.status not in (
        Consent.Status.ACTIVE,
        Consent.Status.REVOKED,
        Consent.Status.EXPIRED,
    ):
        raise NotVisible(
            "This consent has no receipt yet: it is a draft or still waiting for signatures."
        )
    return consent
