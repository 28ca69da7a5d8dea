"""The access policy: the one place that answers "may this viewer do this to this record".

Bases (DESIGN.md, principle 1): being on the lead organization's care team, being a
supervisor of the lead organization, or being the young person. The consent engine adds
active consents. Superusers and organization admins get no case data from any basis.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from cases.history import PERSON_RECORD_TYPES, HistoryEntry, case_history
from cases.models import CareTeamMember, Case, CaseNote, CaseTransfer, Person, Referral
from consent.errors import AccessDenied, NotVisible
from providers.models import Membership

Role = Membership.Role
STAFF_ROLES = frozenset({Role.ADVOCATE, Role.SUPERVISOR, Role.INTAKE})


class Action(StrEnum):
    """What a viewer wants to do to a case or a record of it."""

    VIEW = "view"
    EDIT = "edit"
    VIEW_HISTORY = "view_history"
    MANAGE_TEAM = "manage_team"
    CLOSE = "close"
    TRANSFER = "transfer"
    APPROVE_PLAN = "approve_plan"


class Basis(StrEnum):
    """Why a viewer may see a case."""

    CARE_TEAM = "care_team"
    PRIMARY = "primary_advocate"
    SUPERVISOR = "supervisor"
    SUBJECT = "young_person"


_STAFF_WORK = frozenset(
    {Action.VIEW, Action.EDIT, Action.VIEW_HISTORY, Action.CLOSE, Action.TRANSFER}
)
ALLOWED_ACTIONS: Mapping[Basis, frozenset[Action]] = MappingProxyType(
    {
        Basis.CARE_TEAM: _STAFF_WORK,
        Basis.PRIMARY: _STAFF_WORK | {Action.MANAGE_TEAM},
        Basis.SUPERVISOR: _STAFF_WORK | {Action.MANAGE_TEAM},
        Basis.SUBJECT: frozenset({Action.VIEW, Action.APPROVE_PLAN}),
    }
)


@dataclass(frozen=True)
class Viewer:
    """Who is asking, computed once per request: active roles per organization, portal person."""

    user_id: int | None
    roles: Mapping[int, frozenset[str]] = field(default_factory=dict)
    person_id: int | None = None

    def organizations_with(self, *roles: str) -> frozenset[int]:
        return frozenset(org for org, held in self.roles.items() if held.intersection(roles))

    @property
    def staff_organizations(self) -> frozenset[int]:
        return self.organizations_with(*STAFF_ROLES)

    def has_role(self, organization_id: int, *roles: str) -> bool:
        return bool(self.roles.get(organization_id, frozenset()).intersection(roles))


ANONYMOUS = Viewer(user_id=None)


def viewer_for(user: User | None) -> Viewer:
    """Build the viewer in two queries: active roles at active organizations, portal person."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    roles: dict[int, set[str]] = {}
    rows = Membership.objects.filter(
        user_id=user.pk, is_active=True, organization__is_active=True
    ).values_list("organization_id", "role")
    for organization_id, role in rows:
        roles.setdefault(organization_id, set()).add(role)
    person_id = Person.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    return Viewer(
        user_id=user.pk,
        roles={org: frozenset(held) for org, held in roles.items()},
        person_id=person_id,
    )


def _current_team(viewer: Viewer) -> QuerySet[CareTeamMember]:
    """Care-team rows that give the viewer access: current, and they still work at the lead."""
    return CareTeamMember.objects.filter(
        user_id=viewer.user_id,
        until__isnull=True,
        case__lead_organization_id__in=viewer.staff_organizations,
    )


def _visibility(viewer: Viewer) -> Q:
    """One condition per basis; only the care team needs a subquery (the rest are in memory)."""
    if viewer.user_id is None:
        return Q(pk__in=[])
    condition = Q(pk__in=_current_team(viewer).values("case_id"))
    supervised = viewer.organizations_with(Role.SUPERVISOR)
    if supervised:
        condition |= Q(lead_organization_id__in=supervised)
    if viewer.person_id is not None:
        condition |= Q(person_id=viewer.person_id)
    return condition


def visible_cases(*, viewer: Viewer) -> QuerySet[Case]:
    """The only starting queryset for lists of cases and of their records."""
    return Case.objects.filter(_visibility(viewer))


def visible_case_ids(*, viewer: Viewer) -> QuerySet[Case]:
    """Ids of visible cases, for ``case_id__in=`` filters of records that belong to a case."""
    return visible_cases(viewer=viewer).values("pk")


def bases_for(*, viewer: Viewer, case: Case, on_team: bool, is_primary: bool) -> frozenset[Basis]:
    """All bases the viewer holds for a case (``on_team``/``is_primary`` come from one query)."""
    bases = set()
    if on_team:
        bases.add(Basis.CARE_TEAM)
    if is_primary:
        bases.add(Basis.PRIMARY)
    if viewer.has_role(case.lead_organization_id, Role.SUPERVISOR):
        bases.add(Basis.SUPERVISOR)
    if viewer.person_id is not None and case.person_id == viewer.person_id:
        bases.add(Basis.SUBJECT)
    return frozenset(bases)


def allowed_actions(bases: frozenset[Basis]) -> frozenset[Action]:
    actions: set[Action] = set()
    for basis in bases:
        actions |= ALLOWED_ACTIONS[basis]
    return frozenset(actions)


@dataclass(frozen=True)
class CaseAccess:
    """A case the viewer may see, with the bases they hold and what those let them do."""

    case: Case
    bases: frozenset[Basis]

    @property
    def actions(self) -> frozenset[Action]:
        return allowed_actions(self.bases)


def access_case(*, viewer: Viewer, case_id: int, action: Action = Action.VIEW) -> CaseAccess:
    """Fetch a case in one query: 404 when invisible, 403 when the action is not the viewer's."""
    team = _current_team(viewer).filter(case_id=OuterRef("pk"))
    case = (
        visible_cases(viewer=viewer)
        .select_related("person", "lead_organization")
        .annotate(on_team=Exists(team), is_primary=Exists(team.filter(role="primary")))
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotVisible("No such case.")
    bases = bases_for(viewer=viewer, case=case, on_team=case.on_team, is_primary=case.is_primary)
    access = CaseAccess(case=case, bases=bases)
    if action not in access.actions:
        raise AccessDenied(f"You may see this case but not {action.value.replace('_', ' ')} it.")
    return access


def access_person(*, viewer: Viewer, person_id: int, action: Action = Action.VIEW) -> Person:
    """The young person's record, through any of their cases that lets the viewer do ``action``."""
    case_ids = list(
        visible_cases(viewer=viewer).filter(person_id=person_id).values_list("pk", flat=True)
    )
    if not case_ids:
        raise NotVisible("No such person.")
    denied: AccessDenied | None = None
    for case_id in case_ids:
        try:
            return access_case(viewer=viewer, case_id=case_id, action=action).case.person
        except AccessDenied as exc:
            denied = exc
    raise denied or NotVisible("No such person.")


def visible_people(*, viewer: Viewer) -> QuerySet[Person]:
    """Young people with at least one case the viewer may see."""
    return Person.objects.filter(pk__in=visible_cases(viewer=viewer).values("person_id"))


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


def visible_transfers(*, viewer: Viewer) -> QuerySet[CaseTransfer]:
    """Transfers of visible cases, and those offered to an organization the viewer takes in for."""
    receiving = viewer.organizations_with(Role.SUPERVISOR, Role.INTAKE)
    return CaseTransfer.objects.filter(
        Q(case_id__in=visible_case_ids(viewer=viewer)) | Q(to_organization_id__in=receiving)
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


def can_open_case_at(*, viewer: Viewer, organization_id: int) -> bool:
    """Advocates, intake workers and supervisors open cases for their own organization."""
    return viewer.has_role(organization_id, *STAFF_ROLES)


def can_manage_memberships(*, viewer: Viewer, organization_id: int) -> bool:
    """Organization admins manage who works at their organization."""
    return viewer.has_role(organization_id, Role.ORG_ADMIN)


def visible_memberships(*, viewer: Viewer) -> QuerySet[Membership]:
    """Own memberships, and those of organizations the viewer administers or supervises."""
    managed = viewer.organizations_with(Role.ORG_ADMIN, Role.SUPERVISOR)
    return Membership.objects.filter(Q(user_id=viewer.user_id) | Q(organization_id__in=managed))


def visible_notes(*, viewer: Viewer) -> QuerySet[CaseNote]:
    """Notes of visible cases; the young person never reads the staff-only notes of their own."""
    notes = CaseNote.objects.filter(case_id__in=visible_case_ids(viewer=viewer))
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


def readable_case_history(*, access: CaseAccess) -> list[HistoryEntry]:
    """The case's change history, for bases that may read it.

    The young person's own records are shared by all their cases, so a change to them names
    the changer only when that is the young person or someone of this case's lead
    organization: otherwise the history would tell which other organizations serve them.
    """
    if Action.VIEW_HISTORY not in access.actions:
        raise AccessDenied("You may see this case but not view history of it.")
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
    they may then learn nothing about the case."""
    if transfer.status == CaseTransfer.Status.ACCEPTED:
        return False
    return transfer.to_organization_id in viewer.organizations_with(Role.SUPERVISOR, Role.INTAKE)
