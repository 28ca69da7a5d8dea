"""Write services of providers/: organizations and who works there."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from providers.models import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    Membership,
    Organization,
)


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


@transaction.atomic
def add_membership(
    *, organization: Organization, email: str, role: str, full_name: str = ""
) -> Membership:
    """Give a person a role at the organization, creating their account (no password yet) if new."""
    if role not in Membership.Role.values:
        raise ValidationError(
            {
                "role": [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(Membership.Role.values)}
                ]
            }
        )
    email = email.strip().lower()
    user = User.objects.with_email(email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    if hasattr(user, "person"):
        raise ValidationError(
            {"email": [_("This account belongs to a young person's portal login.")]}
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"is_active": True}
    )
    if not created:
        if membership.is_active:
            raise ValidationError({"role": [_("This person already has this role here.")]})
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def set_membership_active(*, membership: Membership, active: bool) -> Membership:
    """Suspend or restore a role; access that depends on it follows at once. The last
    active admin of an organization cannot be suspended."""
    if not active:
        _keep_an_admin(membership)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def change_membership_role(*, membership: Membership, role: str) -> Membership:
    """Move a person's role at the organization to another role (one row per role).

    An organization keeps at least one active admin: the last one cannot move away.
    """
    if role not in Membership.Role.values:
        raise ValidationError(
            {
                "role": [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(Membership.Role.values)}
                ]
            }
        )
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == role:
        return locked
    taken = Membership.objects.filter(
        user_id=locked.user_id, organization_id=locked.organization_id, role=role
    ).exists()
    if taken:
        raise ValidationError(
            {"role": [_("This person already has this role here (restore it if it is suspended).")]}
        )
    _keep_an_admin(locked)
    locked.role = role
    locked.save(update_fields=["role"])
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
def update_directory_entry(
    *,
    organization: Organization,
    name: str,
    kind: str,
    service_area: list[str],
    names_staff_to_young_people: bool,
    closed_case_retention_days: int | None = None,
) -> Organization:
    """The organization's entry in the network directory, as its admins describe it, and how
    long its closed cases keep identifying data (unchanged when not given)."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if closed_case_retention_days is not None:
        errors.update(retention_errors(closed_case_retention_days))
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
    locked.name = name
    locked.kind = kind
    locked.service_area = [area.strip() for area in service_area if area.strip()]
    locked.names_staff_to_young_people = names_staff_to_young_people
    fields = ["name", "kind", "service_area", "names_staff_to_young_people"]
    if closed_case_retention_days is not None:
        locked.closed_case_retention_days = closed_case_retention_days
        fields.append("closed_case_retention_days")
    locked.save(update_fields=fields)
    return locked


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
