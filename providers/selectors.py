"""Read selectors of providers/: who changed which role at an organization, and what its
directory entry says it does."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.versions import record_version
from providers.invitations import Invitation
from providers.models import DirectoryProvider, Membership, MembershipChange, Organization
from providers.organization_changes import OrganizationChange

RECENT_CHANGES = 20


def recent_membership_changes(
    *, organization_id: int, limit: int = RECENT_CHANGES
) -> QuerySet[MembershipChange]:
    """The organization's latest role changes, newest first, with who made them and for whom."""
    return MembershipChange.objects.filter(organization_id=organization_id).select_related(
        "actor", "member"
    )[:limit]


def directory_entry_version(
    organization: Organization, provider: DirectoryProvider | None = None
) -> str:
    """The version of an organization's directory entry (R44): its own row and its directory
    provider's, where the description lives, so a change to either is seen."""
    if provider is None:
        provider = DirectoryProvider.objects.filter(member=organization).first()
    provider_version = record_version(provider) if provider is not None else ""
    return f"{record_version(organization)}.{provider_version}"


def member_description(organization: Organization) -> str:
    """What the organization's community directory entry says it does ("" before it says)."""
    provider = DirectoryProvider.objects.filter(member=organization).first()
    return provider.description if provider else ""


def organizations_for_the_operator() -> QuerySet[Organization]:
    """Every organization, active or not, with its active admins and waiting invitations
    counted: what the site operator needs to see, and nothing about cases."""
    pending = Invitation.objects.pending().filter(organization=OuterRef("pk"))
    return Organization.objects.annotate(
        active_admins=Count(
            "memberships",
            filter=Q(memberships__role=Membership.Role.ORG_ADMIN, memberships__is_active=True),
        ),
        waiting_invitations=Coalesce(
            Subquery(pending.values("organization").annotate(n=Count("pk")).values("n")[:1]),
            0,
        ),
    ).order_by("-is_active", "name", "pk")


def organization_admins(*, organization_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization_id=organization_id, role=Membership.Role.ORG_ADMIN)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email", "pk")
    )


def waiting_admin_invitations(*, organization_id: int) -> QuerySet[Invitation]:
    return (
        Invitation.objects.pending()
        .filter(organization_id=organization_id, role=Membership.Role.ORG_ADMIN)
        .order_by("email", "pk")
    )


def recent_organization_changes(
    *, organization_id: int, limit: int = RECENT_CHANGES
) -> QuerySet[OrganizationChange]:
    return OrganizationChange.objects.filter(organization_id=organization_id).select_related(
        "actor"
    )[:limit]
