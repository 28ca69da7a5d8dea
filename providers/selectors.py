"""Read selectors of providers/: who changed which role at an organization, and what its
directory entry says it does."""

from django.db.models import QuerySet

from providers.models import DirectoryProvider, MembershipChange, Organization

RECENT_CHANGES = 20


def recent_membership_changes(
    *, organization_id: int, limit: int = RECENT_CHANGES
) -> QuerySet[MembershipChange]:
    """The organization's latest role changes, newest first, with who made them and for whom."""
    return MembershipChange.objects.filter(organization_id=organization_id).select_related(
        "actor", "member"
    )[:limit]


def member_description(organization: Organization) -> str:
    """What the organization's community directory entry says it does ("" before it says)."""
    provider = DirectoryProvider.objects.filter(member=organization).first()
    return provider.description if provider else ""
