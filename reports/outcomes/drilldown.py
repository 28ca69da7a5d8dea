"""Whose figures: the organization's cases and referrals for the numbers, the policy's for
the lists behind them, and the community's for the report that leaves the organization.

As in ``reports.analytics.figures``: the numbers count every case the organization leads (a
supervisor of the organization sees every one of them by role), the lists start from
``tasks.continuity.supervised_cases``, the policy's own answer, so a list never shows a case
the viewer may not see. Both read the same rows (``measures``) and keep them with the same
``classify``.
"""

from django.db.models import F, QuerySet

from cases.models import Case, Referral
from consent.policy import Viewer
from reports.outcomes.dimensions import Dimension
from reports.outcomes.measures import SPECS, Measure, Window, case_rows, referral_rows
from reports.outcomes.report import matching
from tasks.continuity import supervised_cases


def organization_cases(organization_id: int) -> QuerySet[Case]:
    return Case.objects.filter(lead_organization_id=organization_id)


def community_cases(organization_id: int | None = None) -> QuerySet[Case]:
    """Every member's cases (the community report), or one organization's."""
    if organization_id is None:
        return Case.objects.all()
    return organization_cases(organization_id)


def referrals_of(cases: QuerySet[Case]) -> QuerySet[Referral]:
    """Referrals of ``cases`` sent by their lead organization (as the analytics count them)."""
    return Referral.objects.filter(
        case_id__in=cases.values("pk"), from_organization_id=F("case__lead_organization_id")
    )


def figure_records(
    measure: Measure,
    *,
    viewer: Viewer,
    organization_id: int,
    window: Window,
    category: str | None = None,
    dimension: Dimension | None = None,
    group: str | None = None,
    source: str | None = None,
) -> QuerySet:
    """The cases (or referrals) behind one figure that the viewer may see as a supervisor of
    the organization (none when they do not supervise it), oldest first."""
    cases = supervised_cases(viewer=viewer, organization_id=organization_id)
    if SPECS[measure].about_referrals:
        rows = referral_rows(referrals_of(cases), window)
    else:
        rows = case_rows(cases, window)
    ids = matching(
        rows,
        measure=measure,
        window=window,
        category=category,
        dimension=dimension,
        group=group,
        source=source,
    )
    if SPECS[measure].about_referrals:
        return (
            Referral.objects.filter(pk__in=ids)
            .select_related("to_organization", "service_type")
            .order_by("sent_at", "pk")
        )
    return Case.objects.filter(pk__in=ids).order_by("opened_on", "pk")
