"""The list behind each figure of the analytics page, through the access policy.

A list is its figure's records (``figures.records``) in the scope of
``tasks.continuity.supervised_cases``: the cases the policy shows the viewer as a supervisor
of the organization, so a list never shows a case the viewer may not see. The URL names the
figure, the period, and optionally a primary advocate or a partner, by id only.
"""

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from cases.models import Case, Contact, PlannedService, PlanVersion, Referral, ReferralTransition
from consent.errors import NotVisible
from consent.models import Consent
from consent.policy import Viewer
from providers.models import Membership, Organization
from reports.analytics.figures import (
    MODEL,
    NO_PRIMARY,
    REFERRAL_FIGURES,
    AdvocateChoice,
    Figure,
    Frame,
    Scope,
    current_primaries,
    records,
)
from tasks.continuity import supervised_cases, with_primary_advocate
from tasks.models import FollowUp


def _with_case_clocks(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate the primary advocate, the last contact and the plan's last review (else its
    approval)."""
    approved = PlanVersion.objects.filter(
        plan__case_id=OuterRef("pk"), status=PlanVersion.Status.APPROVED
    ).values("approved_at")[:1]
    return with_primary_advocate(cases).annotate(
        last_contact_at=Max("contacts__occurred_at"),
        plan_reviewed_at=Coalesce("plan__last_reviewed_at", Subquery(approved)),
    )


def _with_service_start(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate ``in_service_at``: when the referral went in service, if it did."""
    started = ReferralTransition.objects.filter(
        referral_id=OuterRef("pk"), to_status=Referral.Status.IN_SERVICE
    ).values("at")[:1]
    return referrals.annotate(in_service_at=Subquery(started))


def _shaped(figure: Figure, rows: QuerySet) -> QuerySet:
    """What each list shows beside its records, in its order."""
    model = MODEL[figure]
    if model is Case:
        rows = _with_case_clocks(rows)
        if figure in (Figure.LAST_CONTACT, Figure.NO_RECENT_CONTACT):
            return rows.order_by(F("last_contact_at").asc(nulls_first=True), "pk")
        if figure is Figure.PLANS_OVERDUE:
            return rows.order_by("plan_reviewed_at", "pk")
        return rows.order_by("opened_on", "pk")
    if model is FollowUp:
        return rows.select_related("assignee").order_by("due_at", "pk")
    if model is Referral:
        rows = _with_service_start(rows).select_related("to_organization", "service_type")
        return rows.order_by("sent_at", "pk")
    if model is PlannedService:
        return rows.select_related("service_type", "provider").order_by("lapses_at", "pk")
    if model is Consent:
        return rows.select_related("recipient").order_by("expires_at", "pk")
    if model is Contact:
        return rows.order_by("occurred_at", "pk")
    raise ValueError(figure)


def figure_rows(
    figure: Figure,
    *,
    viewer: Viewer,
    organization_id: int,
    frame: Frame,
    advocate: AdvocateChoice = None,
    partner_id: int | None = None,
) -> QuerySet:
    """The records behind ``figure`` that the viewer may see as a supervisor of the
    organization (none when they do not supervise it), of one primary advocate or partner."""
    scope = Scope(
        organization_id=organization_id,
        cases=supervised_cases(viewer=viewer, organization_id=organization_id),
        advocate=advocate,
    )
    rows = records(figure, scope=scope, frame=frame)
    if partner_id is not None and figure in REFERRAL_FIGURES:
        rows = rows.filter(to_organization_id=partner_id)
    return _shaped(figure, rows)


def advocate_name(*, advocate: AdvocateChoice, organization_id: int) -> str | None:
    """The name of the advocate a list is about: an advocate of the organization or the
    current primary of one of its cases. Anyone else is no advocate here (NotVisible)."""
    if advocate is None or advocate == NO_PRIMARY:
        return None
    primary_here = current_primaries().filter(case__lead_organization_id=organization_id)
    person = (
        User.objects.filter(pk=advocate)
        .filter(
            Q(
                memberships__organization_id=organization_id,
                memberships__role=Membership.Role.ADVOCATE,
            )
            | Q(pk__in=primary_here.values("user_id"))
        )
        .values_list("full_name", "email")
        .first()
    )
    if person is None:
        raise NotVisible("No such advocate.")
    return person[0] or person[1]


def partner_name(*, partner_id: int | None) -> str | None:
    """The name of the partner a referral list is about (NotVisible when there is none)."""
    if partner_id is None:
        return None
    name = Organization.objects.filter(pk=partner_id).values_list("name", flat=True).first()
    if name is None:
        raise NotVisible("No such partner.")
    return name
