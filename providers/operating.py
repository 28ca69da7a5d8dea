"""The site operator's services (issue 17): organizations created, renamed, switched between
leading cases and only receiving referrals, deactivated and reactivated; each change recorded
in ``OrganizationChange`` with who and when.

Deactivating an organization ends its members' access at once (the access policy reads only
roles at active organizations) and ends its pending invitations; its cases, consents and
records stay as history.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from providers.invitations import Invitation
from providers.models import Organization
from providers.organization_changes import OrganizationChange
from providers.services import create_organization, update_directory_entry


def _record(
    organization: Organization, actor: User | None, action: str, before: str = "", after: str = ""
) -> None:
    OrganizationChange.objects.create(
        organization=organization, actor=actor, action=action, before=before, after=after
    )


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@transaction.atomic
def open_organization(
    *, name: str, kind: str, leads_cases: bool, actor: User | None
) -> Organization:
    """A new member organization. ``actor`` None is a management command."""
    organization = create_organization(name=name, kind=kind)
    if not leads_cases:
        organization.leads_cases = False
        organization.save(update_fields=["leads_cases"])
    _record(organization, actor, OrganizationChange.Action.CREATED, after=organization.name)
    return organization


@transaction.atomic
def change_organization(
    *,
    organization: Organization,
    actor: User | None,
    name: str | None = None,
    kind: str | None = None,
    leads_cases: bool | None = None,
    is_active: bool | None = None,
) -> Organization:
    """Rename, re-kind, switch leading cases, deactivate or reactivate; fields left None stay."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if name is not None or kind is not None:
        locked = update_directory_entry(
            organization=locked,
            name=locked.name if name is None else name,
            kind=locked.kind if kind is None else kind,
            service_area=locked.service_area,
            names_staff_to_young_people=locked.names_staff_to_young_people,
            actor=actor,
        )
    if leads_cases is not None and leads_cases != locked.leads_cases:
        _record(
            locked,
            actor,
            OrganizationChange.Action.LEADS_CASES_CHANGED,
            _yes_no(locked.leads_cases),
            _yes_no(leads_cases),
        )
        locked.leads_cases = leads_cases
        locked.save(update_fields=["leads_cases"])
    if is_active is not None and is_active != locked.is_active:
        _set_active(locked, is_active, actor)
    return locked


def _set_active(organization: Organization, active: bool, actor: User | None) -> None:
    organization.is_active = active
    organization.save(update_fields=["is_active"])
    if active:
        _record(organization, actor, OrganizationChange.Action.REACTIVATED)
        return
    _record(organization, actor, OrganizationChange.Action.DEACTIVATED)
    Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, ended_at__isnull=True
    ).update(ended_at=timezone.now())
