"""Write services of providers/: organizations and who works there."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from providers.models import Membership, Organization


@transaction.atomic
def create_organization(
    *, name: str, kind: str, service_area: list[str] | None = None
) -> Organization:
    """A member organization with the group that will hold its object permissions."""
    if Organization.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": ["An organization with this name already exists."]})
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
        raise ValidationError({"role": [f"Choose one of: {', '.join(Membership.Role.values)}."]})
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    if hasattr(user, "person"):
        raise ValidationError({"email": ["This account belongs to a young person's portal login."]})
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"is_active": True}
    )
    if not created:
        if membership.is_active:
            raise ValidationError({"role": ["This person already has this role here."]})
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def set_membership_active(*, membership: Membership, active: bool) -> Membership:
    """Suspend or restore a role; access that depends on it follows at once."""
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    return membership
