"""What the partner pages read: referrals sent to the viewer's organizations, the services they
deliver, and a case as far as a consent in force releases it.

Every query starts from the policy (``visible_referrals``, ``visible_plan_versions``,
``visible_notes``, ``visible_family_members``, ``visible_consents``, ``visible_documents``)
and a page costs the same number of queries whatever the number of rows.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.categories import DATA_CATEGORIES, DataCategory
from cases.demographics import race_ethnicity_labels
from cases.documents import CaseDocument
from cases.models import (
    CaseNote,
    FamilyMember,
    Person,
    PlannedService,
    PlanVersion,
    Referral,
    SafeContactRule,
)
from consent.models import REDISCLOSURE_NOTICE, ConsentPurpose
from consent.policy import (
    CaseAccess,
    Viewer,
    releases_for_cases,
    visible_case_ids,
    visible_consents,
    visible_documents,
    visible_family_members,
    visible_notes,
    visible_plan_versions,
    visible_referrals,
)
from frontend.partner.forms import DECLINE_REASONS
from providers.seeded_labels import translated_label

Status = Referral.Status

# Names of the data categories as the pages say them.
CATEGORY_NAMES = {
    DataCategory.IDENTITY: _("Identity (name, alias, date of birth)"),
    DataCategory.CONTACT: _("Contact details and safe-contact rules"),
    DataCategory.PLAN: _("Service plan (approved version)"),
    DataCategory.NOTES: _("Case notes (not staff-only)"),
    DataCategory.DOCUMENTS: _("Documents"),
    DataCategory.FAMILY: _("Family"),
}
PURPOSE_NAMES = {
    ConsentPurpose.REFERRAL: _("Referral to a service"),
    ConsentPurpose.CARE_COORDINATION: _("Care coordination"),
    ConsentPurpose.BENEFITS: _("Benefits and eligibility"),
    ConsentPurpose.TRANSFER: _("Transferring services to this organization"),
    ConsentPurpose.OTHER: _("Other"),
}
STATUS_NAMES = {
    Status.SENT: _("Waiting for your answer"),
    Status.ACCEPTED: _("Accepted"),
    Status.IN_SERVICE: _("In service"),
    Status.DECLINED: _("Declined"),
    Status.WITHDRAWN: _("Withdrawn by the sender"),
    Status.COMPLETED: _("Completed"),
    Status.CLOSED_WITHOUT_SERVICE: _("Closed without service"),
    Status.DRAFT: _("Draft"),
}
SERVICE_STATUS_NAMES = {
    PlannedService.Status.PROPOSED: _("Proposed"),
    PlannedService.Status.REFERRED: _("Referred"),
    PlannedService.Status.ACTIVE: _("Active"),
    PlannedService.Status.COMPLETED: _("Completed"),
    PlannedService.Status.DECLINED: _("Declined"),
    PlannedService.Status.LAPSED: _("Lapsed"),
}
OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.IN_SERVICE)
CLOSED_STATUSES = (
    Status.DECLINED,
    Status.WITHDRAWN,
    Status.COMPLETED,
    Status.CLOSED_WITHOUT_SERVICE,
)
GROUP_TITLES = {
    Status.SENT: _("Waiting for your answer"),
    Status.ACCEPTED: _("Accepted, service not started"),
    Status.IN_SERVICE: _("In service"),
    "closed": _("Answered and closed (most recent)"),
}
RECENT_CLOSED = 50


DECLINE_NAMES = dict(DECLINE_REASONS)


def category_names(categories: list[str] | frozenset[str]) -> list[str]:
    return [str(CATEGORY_NAMES[c]) for c in DATA_CATEGORIES if c in categories]


def with_referral_details(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related("from_organization", "to_organization", "service_type")


def _describe(referral: Referral, now: datetime) -> Referral:
    """Labels the templates show, computed without a query."""
    referral.status_name = STATUS_NAMES.get(referral.status, referral.status)  # type: ignore[attr-defined]
    referral.category_names = category_names(referral.categories or [])  # type: ignore[attr-defined]
    referral.decline_reason_name = DECLINE_NAMES.get(referral.decline_reason, "")  # type: ignore[attr-defined]
    waited = (now - referral.sent_at).days if referral.sent_at else 0
    referral.waited_days = waited  # type: ignore[attr-defined]
    return referral


def incoming(viewer: Viewer) -> QuerySet[Referral]:
    """Referrals sent to an organization the viewer staffs (never drafts: the policy)."""
    return visible_referrals(viewer=viewer).filter(
        to_organization_id__in=viewer.staff_organizations
    )


@dataclass
class ReferralGroup:
    key: str
    title: str
    referrals: list[Referral]

    @property
    def waiting(self) -> bool:
        return self.key == Status.SENT


def incoming_referrals_by_status(*, viewer: Viewer) -> list[ReferralGroup]:
    """Open referrals by status (longest waiting first), then the most recent closed ones.

    Two queries, whatever the number of referrals.
    """
    now = timezone.now()
    open_rows = with_referral_details(incoming(viewer).filter(status__in=OPEN_STATUSES)).order_by(
        "sent_at", "pk"
    )
    closed_rows = with_referral_details(
        incoming(viewer).filter(status__in=CLOSED_STATUSES)
    ).order_by("-sent_at", "-pk")[:RECENT_CLOSED]
    by_status: dict[str, list[Referral]] = {status: [] for status in OPEN_STATUSES}
    for referral in open_rows:
        by_status[referral.status].append(_describe(referral, now))
    groups = [
        ReferralGroup(str(status), str(GROUP_TITLES[status]), rows)
        for status, rows in by_status.items()
    ]
    closed = [_describe(referral, now) for referral in closed_rows]
    groups.append(ReferralGroup("closed", str(GROUP_TITLES["closed"]), closed))
    return groups


def referral_detail(referral_id: int) -> Referral:
    """The referral with its organizations, service type and moves (already access-checked)."""
    referral = (
        with_referral_details(Referral.objects.filter(pk=referral_id))
        .prefetch_related("transitions")
        .get()
    )
    for transition in referral.transitions.all():
        transition.to_name = STATUS_NAMES.get(transition.to_status, transition.to_status)
    return _describe(referral, timezone.now())


def _service_status(status: str) -> str:
    return str(SERVICE_STATUS_NAMES.get(status, status))


@dataclass(frozen=True)
class PlannedRow:
    """A service of an approved plan released to the viewer, delivered by their organization."""

    case_id: int
    goal: str
    service_type: str
    status: str
    starts_on: str | None
    ends_on: str | None
    partner_view: bool


@dataclass
class DeliveredServices:
    referrals: list[Referral] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)


def delivered_services(*, viewer: Viewer) -> DeliveredServices:
    """Accepted and running referrals, and the approved-plan services naming the viewer's
    organizations as provider on cases whose plan is released to them. Four queries."""
    now = timezone.now()
    referrals = [
        _describe(referral, now)
        for referral in with_referral_details(
            incoming(viewer).filter(status__in=(Status.ACCEPTED, Status.IN_SERVICE))
        ).order_by("sent_at", "pk")
    ]
    versions = list(
        visible_plan_versions(viewer=viewer)
        .filter(
            status=PlanVersion.Status.APPROVED,
            plan__case_id__in=visible_case_ids(viewer=viewer, category=DataCategory.PLAN),
        )
        .select_related("plan")
        .order_by("plan__case_id")
    )
    releases = releases_for_cases(viewer=viewer, case_ids=[v.plan.case_id for v in versions])
    mine = viewer.staff_organizations
    planned = [
        PlannedRow(
            case_id=version.plan.case_id,
            goal=goal.get("description", ""),
            service_type=translated_label((service.get("service_type") or {}).get("name", "")),
            status=_service_status(service.get("status", "")),
            starts_on=service.get("starts_on"),
            ends_on=service.get("ends_on"),
            partner_view=not releases[version.plan.case_id].is_lead,
        )
        for version in versions
        for goal in (version.content or {}).get("goals", [])
        for service in goal.get("services", [])
        if (service.get("provider") or {}).get("id") in mine
    ]
    return DeliveredServices(referrals=referrals, planned=planned)


@dataclass(frozen=True)
class GrantShown:
    consent_id: int
    purpose: str
    categories: list[str]
    expires_at: datetime | None
    notice: str


@dataclass
class ReleasedCase:
    """A case as one partner organization may see it."""

    access: CaseAccess
    released: list[str]
    withheld: list[str]
    grants: list[GrantShown]
    notices: list[str]
    person: Person | None = None
    birth: str = ""
    race_ethnicity: list[str] = field(default_factory=list)
    contact: SafeContactRule | None = None
    contact_channels: list[str] = field(default_factory=list)
    plan: PlanVersion | None = None
    plan_goals: list[dict[str, Any]] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    family: list[FamilyMember] = field(default_factory=list)
    plan_released: bool = False
    notes_released: bool = False
    family_released: bool = False
    documents_released: bool = False
    documents: list[CaseDocument] = field(default_factory=list)

    @property
    def case(self) -> Any:
        return self.access.case


def _birth(person: Person) -> str:
    precision = Person.BirthDatePrecision
    if person.birth_date_precision == precision.EXACT and person.birth_date:
        return person.birth_date.isoformat()
    if person.birth_date_precision == precision.YEAR and person.birth_year:
        return str(person.birth_year)
    if person.birth_date_precision == precision.AGE_RANGE and person.age_range_min is not None:
        return f"{person.age_range_min}-{person.age_range_max or ''}"
    return ""


def released_case(*, viewer: Viewer, access: CaseAccess) -> ReleasedCase:
    """Load only the categories the release covers; the withheld ones are never queried."""
    release, case = access.release, access.case
    shown = release.categories
    consents = {
        row["pk"]: row
        for row in visible_consents(viewer=viewer)
        .filter(pk__in=[grant.consent_id for grant in release.grants])
        .values("pk", "expires_at", "redisclosure_notice")
    }
    grants = [
        GrantShown(
            consent_id=grant.consent_id,
            purpose=str(PURPOSE_NAMES.get(grant.purpose, grant.purpose)),
            categories=category_names(grant.categories),
            expires_at=consents.get(grant.consent_id, {}).get("expires_at"),
            notice=consents.get(grant.consent_id, {}).get("redisclosure_notice", ""),
        )
        for grant in release.grants
    ]
    result = ReleasedCase(
        access=access,
        released=category_names(shown),
        withheld=[str(CATEGORY_NAMES[c]) for c in release.withheld_categories],
        grants=grants,
        notices=list(dict.fromkeys(g.notice for g in grants if g.notice)) or [REDISCLOSURE_NOTICE],
    )
    if DataCategory.IDENTITY in shown:
        result.person = case.person
        result.birth = _birth(case.person)
        result.race_ethnicity = race_ethnicity_labels(case.person.race_ethnicity_codes)
    if DataCategory.CONTACT in shown:
        result.contact = SafeContactRule.objects.filter(person_id=case.person_id).first()
        if result.contact is not None:
            names = dict(SafeContactRule.Channel.choices)
            result.contact_channels = [
                str(names.get(c, c)) for c in result.contact.allowed_channels or []
            ]
    result.plan_released = DataCategory.PLAN in shown
    result.notes_released = DataCategory.NOTES in shown
    result.family_released = DataCategory.FAMILY in shown
    if result.plan_released:
        result.plan = (
            visible_plan_versions(viewer=viewer)
            .filter(plan__case_id=case.pk, status=PlanVersion.Status.APPROVED)
            .first()
        )
        if result.plan is not None:
            result.plan_goals = [
                {
                    **goal,
                    "services": [
                        {**service, "status_name": _service_status(service.get("status", ""))}
                        for service in goal.get("services", [])
                    ],
                }
                for goal in (result.plan.content or {}).get("goals", [])
            ]
    if result.notes_released:
        result.notes = list(
            visible_notes(viewer=viewer)
            .filter(case_id=case.pk, staff_only=False)
            .order_by("-created_at", "-pk")
        )
    if result.family_released:
        result.family = list(
            # Relatives taken off the record are no longer shown as family.
            visible_family_members(viewer=viewer)
            .filter(person_id=case.person_id, ended_on__isnull=True)
            .order_by("pk")
        )
    result.documents_released = DataCategory.DOCUMENTS in shown
    if result.documents_released:
        # Only those the lead marked for partners: the policy's answer.
        result.documents = list(
            visible_documents(viewer=viewer)
            .filter(case_id=case.pk, deleted_at__isnull=True)
            .order_by("-uploaded_at", "-pk")
        )
    return result
