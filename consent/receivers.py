"""Keep guardian rows in step with the records they are derived from.

Care teams, memberships and organizations live in layers below consent/, which may not call
up into it; these receivers run ``sync_case_permissions`` inside the same transaction as the
save or delete that changed a basis, whichever door or script made it.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import CareTeamMember, Case
from consent.permissions import sync_case_permissions, sync_cases_led_by, sync_cases_of_user_at
from providers.models import Membership, Organization


@receiver([post_save, post_delete], sender=CareTeamMember)
def care_team_changed(sender: type, instance: CareTeamMember, **kwargs: Any) -> None:
    sync_case_permissions(instance.case_id)


@receiver(post_save, sender=Case)
def case_saved(sender: type, instance: Case, created: bool, **kwargs: Any) -> None:
    # A transfer moves the lead organization: the old team loses its basis.
    if not created:
        sync_case_permissions(instance.pk)


@receiver([post_save, post_delete], sender=Membership)
def membership_changed(sender: type, instance: Membership, **kwargs: Any) -> None:
    sync_cases_of_user_at(user_id=instance.user_id, organization_id=instance.organization_id)


# What rows rest on in an organization: its standing, and the group that holds its grants.
ORGANIZATION_BASES = frozenset({"is_active", "group", "group_id"})


@receiver(post_save, sender=Organization)
def organization_saved(
    sender: type,
    instance: Organization,
    created: bool,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    # A directory edit or a retention setting names its fields and moves no basis: re-deriving
    # every case the organization leads would cost seconds for nothing.
    if created or (update_fields is not None and not ORGANIZATION_BASES & update_fields):
        return
    sync_cases_led_by(instance.pk)
