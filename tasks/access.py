"""Who sees and works on which follow-up: the access rules of follow-ups, beside the policy.

Follow-ups are the lead organization's working records, so a consent never shows them. They
live here rather than in ``consent.policy`` because consent/ sits below tasks/ and cannot
import the follow-up model; the case rules themselves still come from the policy.

A staff member sees a follow-up in a queue of an organization they staff when they see its
case on a lead basis (care team, supervisor), when it waits on a referral sent to that
organization (the recipient's side: no case data beyond the referral), or when they wrote it
by hand while they could see the case. Anyone also sees the follow-ups assigned or escalated
to them. Organization admins, superusers and young people see none.
"""

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Value

from consent.errors import AccessDenied, NotVisible
from consent.policy import Action, Viewer, access_case, lead_cases, visible_cases
from tasks.models import FollowUp


def visible_follow_ups(*, viewer: Viewer) -> QuerySet[FollowUp]:
    """The only starting queryset for follow-ups: one query, whatever their number."""
    queues = viewer.staff_organizations
    if viewer.user_id is None or not queues:
        # Annotated all the same: the API filters on ``case_shown`` whoever asks.
        return with_case_shown(FollowUp.objects.none(), viewer=viewer)
    in_queue = Q(organization_id__in=queues)
    led = lead_cases(viewer=viewer).values("pk")
    seen = visible_cases(viewer=viewer).values("pk")
    condition = (
        in_queue & Q(case_id__in=led)
        | in_queue & Q(about_referral__to_organization_id=F("organization_id"))
        | in_queue & Q(created_by_id=viewer.user_id, case_id__in=seen)
        | Q(assignee_id=viewer.user_id)
        | Q(escalated_to_id=viewer.user_id)
    )
    return with_case_shown(FollowUp.objects.filter(condition), viewer=viewer)


def with_case_shown(queryset: QuerySet[FollowUp], *, viewer: Viewer) -> QuerySet[FollowUp]:
    """Annotate ``on_lead_case`` (the viewer leads the case) and ``case_shown`` (the viewer may
    learn which case it is: they lead it, or wrote the follow-up and still see the case)."""
    if viewer.user_id is None:
        no = Value(False, output_field=BooleanField())
        return queryset.annotate(on_lead_case=no, case_shown=no)
    led = Q(case_id__in=lead_cases(viewer=viewer).values("pk"))
    own = Q(created_by_id=viewer.user_id, case_id__in=visible_cases(viewer=viewer).values("pk"))
    return queryset.annotate(
        on_lead_case=ExpressionWrapper(led, output_field=BooleanField()),
        case_shown=ExpressionWrapper(led | own, output_field=BooleanField()),
    )


def works_on(*, viewer: Viewer, follow_up: FollowUp) -> bool:
    """Staff of the follow-up's queue, its assignee, or the supervisor it was escalated to."""
    return (
        follow_up.organization_id in viewer.staff_organizations
        or follow_up.assignee_id == viewer.user_id
        or follow_up.escalated_to_id == viewer.user_id
    )


def access_follow_up(
    *, viewer: Viewer, follow_up_id: int, action: Action = Action.VIEW
) -> FollowUp:
    """A follow-up the viewer may see (else 404) and ``action`` on (else 403).

    VIEW reads it; EDIT completes, cancels or reassigns it (the services add their own rules).
    On the lead's side a write is also a write to the case: the policy checks it and records
    it in the access log with its basis.
    """
    follow_up = (
        visible_follow_ups(viewer=viewer)
        .select_related("assignee", "organization")
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        raise NotVisible("No such follow-up.")
    if action is Action.VIEW:
        return follow_up
    if action is not Action.EDIT:
        raise AccessDenied(f"You may see this follow-up but not {action.value} it.")
    if follow_up.on_lead_case:
        access_case(viewer=viewer, case_id=follow_up.case_id, action=Action.EDIT)
    elif not works_on(viewer=viewer, follow_up=follow_up):
        raise AccessDenied("Only staff of the follow-up's organization can work on it.")
    return follow_up
