"""Write services of providers/: organizations and who works there.

Every change of a role goes through ``add_membership``, ``set_membership_active`` or
``change_membership_role``, which refuse a self-grant of a case-reading role and record the
change (``MembershipChange``); tasks/ tells the organization's supervisors from that record.
Any future door (accepting an invitation, a management command) calls these and inherits both.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from providers.errors import SelfGrantRefused
from providers.models import (
    CASE_READING_ROLES,
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    PRIVACY_CONTACT_FIELDS,
    DirectoryProvider,
    Membership,
    MembershipChange,
    Organization,
)
from providers.organization_changes import OrganizationChange


@transaction.atomic
def create_organization(
    *, name: str, kind: str, service_area: list[str] | None = None
) -> Organization:
    """A member organization with the group that will hold its object permissions."""
    if Organization.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": [_("An organization with this name already exists.")]})
    group = Group.objects.create(name=f"organization:{name.strip()[:120]}")
    return Organization.objects.create(
        name=name.strip(), kind=kind, service_area=service_area or [], group=group
    )


def check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise ValidationError(
            {
                "role": [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(Membership.Role.values)}
                ]
            }
        )


def refuse_self_grant(*, actor: User | None, member_id: int, role: str) -> None:
    """Nobody gives themself a role that reads case data: otherwise an organization admin,
    who sees no case data by virtue of that role (DESIGN.md), is one request away from it.
    ``actor`` None is the site operator (a management command, the demo seeding)."""
    if actor is not None and actor.pk == member_id and role in CASE_READING_ROLES:
        raise SelfGrantRefused(
            _(
                "You cannot give yourself a role that reads case data. Another admin of "
                "this organization must give it to you."
            )
        )


def refuse_operator_account(user: User | None) -> None:
    """The site operator's account takes no role in an organization: it must stay without
    case data (consent/policy.py ``can_operate_site``)."""
    if user is not None and user.is_staff:
        raise ValidationError(
            {
                "email": [
                    _(
                        "This is a site operator's account; it takes no role in an "
                        "organization. Invite the person with another e-mail address."
                    )
                ]
            }
        )


def _record(
    *,
    actor: User | None,
    membership: Membership,
    action: str,
    from_role: str = "",
    from_active: bool | None = None,
) -> MembershipChange:
    return MembershipChange.objects.create(
        organization_id=membership.organization_id,
        actor=actor,
        member_id=membership.user_id,
        action=action,
        from_role=from_role,
        to_role=membership.role,
        from_active=from_active,
        to_active=membership.is_active,
    )


@transaction.atomic
def add_membership(
    *,
    organization: Organization,
    email: str,
    role: str,
    actor: User | None,
    full_name: str = "",
) -> Membership:
    """Give a person a role at the organization, creating their account (no password yet) if
    new. ``actor`` (None: the site operator) may not give themself a case-reading role; the
    change is recorded. An invitation, when it exists, is accepted through this service."""
    check_role(role)
    email = email.strip().lower()
    user = User.objects.with_email(email).first()
    refuse_operator_account(user)
    if user is not None:
        refuse_self_grant(actor=actor, member_id=user.pk, role=role)
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    if hasattr(user, "person"):
        raise ValidationError(
            {"email": [_("This account belongs to a young person's portal login.")]}
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"is_active": True}
    )
    if created:
        _record(actor=actor, membership=membership, action=MembershipChange.Action.ADDED)
        return membership
    if membership.is_active:
        raise ValidationError({"role": [_("This person already has this role here.")]})
    return _set_active(membership=membership, active=True, actor=actor)


@transaction.atomic
def set_membership_active(
    *, membership: Membership, active: bool, actor: User | None
) -> Membership:
    """Suspend or restore a role; access that depends on it follows at once. The last
    active admin of an organization cannot be suspended; nobody restores their own
    case-reading role. The change is recorded."""
    return _set_active(membership=membership, active=active, actor=actor)


def _set_active(*, membership: Membership, active: bool, actor: User | None) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.is_active == active:
        return locked
    if active:
        refuse_self_grant(actor=actor, member_id=locked.user_id, role=locked.role)
    else:
        _keep_an_admin(locked)
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    _record(
        actor=actor,
        membership=locked,
        action=MembershipChange.Action.RESTORED if active else MembershipChange.Action.SUSPENDED,
        from_role=locked.role,
        from_active=not active,
    )
    return locked


@transaction.atomic
def change_membership_role(*, membership: Membership, role: str, actor: User | None) -> Membership:
    """Move a person's role at the organization to another role (one row per role).

    An organization keeps at least one active admin: the last one cannot move away. Nobody
    moves their own role onto a case-reading one. The change is recorded.
    """
    check_role(role)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == role:
        return locked
    refuse_self_grant(actor=actor, member_id=locked.user_id, role=role)
    taken = Membership.objects.filter(
        user_id=locked.user_id, organization_id=locked.organization_id, role=role
    ).exists()
    if taken:
        raise ValidationError(
            {"role": [_("This person already has this role here (restore it if it is suspended).")]}
        )
    _keep_an_admin(locked)
    from_role = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    _record(
        actor=actor,
        membership=locked,
        action=MembershipChange.Action.ROLE_CHANGED,
        from_role=from_role,
        from_active=locked.is_active,
    )
    return locked


def _keep_an_admin(membership: Membership) -> None:
    if membership.role != Membership.Role.ORG_ADMIN or not membership.is_active:
        return
    others = Membership.objects.filter(
        organization_id=membership.organization_id,
        role=Membership.Role.ORG_ADMIN,
        is_active=True,
        user__is_active=True,
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(
            {"role": [_("The organization must keep at least one active admin.")]}
        )


@transaction.atomic
def _record_rename_and_kind(
    organization: Organization, actor: User | None, *, name: str, kind: str
) -> None:
    if name != organization.name:
        OrganizationChange.objects.create(
            organization=organization,
            actor=actor,
            action=OrganizationChange.Action.RENAMED,
            before=organization.name,
            after=name,
        )
    if kind != organization.kind:
        OrganizationChange.objects.create(
            organization=organization,
            actor=actor,
            action=OrganizationChange.Action.KIND_CHANGED,
            before=organization.kind,
            after=kind,
        )


def update_directory_entry(
    *,
    organization: Organization,
    name: str,
    kind: str,
    service_area: list[str],
    names_staff_to_young_people: bool,
    closed_case_retention_days: int | None = None,
    privacy_contact: dict[str, str] | None = None,
    description: str | None = None,
    actor: User | None = None,
    collects_sexual_orientation: bool | None = None,
) -> Organization:
    """The organization's entry in the network directory, as its admins describe it, how long
    its closed cases keep identifying data and its own privacy contact (R39), the last two
    unchanged when not given. The description (unchanged when not given) is its community
    directory entry's, which HSDS requires. Whether intake asks sexual orientation
    (issue 21) stays unchanged when not given."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if description is not None and not description.strip():
        errors["description"] = [
            _("Say what the organization does: the community directory requires it.")
        ]
    if closed_case_retention_days is not None:
        errors.update(retention_errors(closed_case_retention_days))
    contact = {key: value.strip() for key, value in (privacy_contact or {}).items()}
    errors.update(privacy_contact_errors(contact))
    if not name:
        errors["name"] = [_("Give the organization's name.")]
    elif Organization.objects.filter(name__iexact=name).exclude(pk=organization.pk).exists():
        errors["name"] = [_("An organization with this name already exists.")]
    if kind not in Organization.Kind.values:
        errors["kind"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Organization.Kind.values)}
        ]
    if errors:
        raise ValidationError(errors)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    _record_rename_and_kind(locked, actor, name=name, kind=kind)
    locked.name = name
    locked.kind = kind
    locked.service_area = [area.strip() for area in service_area if area.strip()]
    locked.names_staff_to_young_people = names_staff_to_young_people
    fields = ["name", "kind", "service_area", "names_staff_to_young_people"]
    if closed_case_retention_days is not None:
        locked.closed_case_retention_days = closed_case_retention_days
        fields.append("closed_case_retention_days")
    if collects_sexual_orientation is not None:
        locked.collects_sexual_orientation = collects_sexual_orientation
        fields.append("collects_sexual_orientation")
    for field, value in contact.items():
        setattr(locked, field, value)
        fields.append(field)
    locked.save(update_fields=fields)
    if description is not None:
        provider, _created = DirectoryProvider.objects.get_or_create(
            member=locked, defaults={"name": locked.name}
        )
        provider.description = description.strip()
        provider.save(update_fields=["description", "updated_at"])
    return locked


def privacy_contact_errors(contact: dict[str, str]) -> dict[str, list[str]]:
    """What is wrong with an organization's privacy contact (R39), keyed by field; a blank
    field is allowed and means "the installation's"."""
    errors: dict[str, list[str]] = {}
    for field, value in contact.items():
        if field not in PRIVACY_CONTACT_FIELDS:
            errors[field] = [_("Not a privacy contact field.")]
        elif len(value) > Organization._meta.get_field(field).max_length:
            errors[field] = [_("This is too long.")]
    if contact.get("privacy_contact_email"):
        try:
            validate_email(contact["privacy_contact_email"])
        except ValidationError:
            errors["privacy_contact_email"] = [_("Enter a valid e-mail address.")]
    if contact.get("privacy_policy_url"):
        try:
            URLValidator(schemes=["https"])(contact["privacy_policy_url"])
        except ValidationError:
            errors["privacy_policy_url"] = [_("Enter the policy's https:// address.")]
    return errors


def retention_errors(days: int) -> dict[str, list[str]]:
    """What is wrong with a retention period for closed cases (R35), keyed by field."""
    if MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        return {}
    message = _("Choose between %(low)d and %(high)d days.") % {
        "low": MIN_RETENTION_DAYS,
        "high": MAX_RETENTION_DAYS,
    }
    return {"closed_case_retention_days": [message]}


@transaction.atomic
def set_closed_case_retention(*, organization: Organization, days: int) -> Organization:
    """How many days the organization's closed cases keep identifying data (R35)."""
    errors = retention_errors(days)
    if errors:
        raise ValidationError(errors)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    locked.closed_case_retention_days = days
    locked.save(update_fields=["closed_case_retention_days"])
    return locked
