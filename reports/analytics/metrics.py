"""The numbers of the analytics page: per primary advocate, for the organization, per partner.

A fixed number of aggregate queries whatever the number of cases: one ``GROUP BY`` of each
kind of record by the case's current primary advocate, one for the organization's referral
medians and one for the partners (see ``figures`` for the definitions and why the numbers
count on ``lead_organization_id``). Organization totals of counts are the sums of the
advocate rows, which include a row for cases without a primary advocate.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, FilteredRelation, Q, QuerySet

from accounts.models import User
from cases.models import Case, PlannedService, Referral
from consent.models import Consent
from providers.models import Membership
from reports.aggregates import DaysBetween, Median
from reports.analytics.figures import (
    CASE_PATH,
    NO_PRIMARY,
    AdvocateChoice,
    Figure,
    Frame,
    Scope,
    base,
    by_primary_advocate,
    condition,
)
from tasks.models import FollowUp

# The counted figures of the advocate table, grouped by the kind of record they count.
GROUPS: tuple[tuple[type, tuple[Figure, ...]], ...] = (
    (Case, (Figure.OPEN_CASES, Figure.NO_RECENT_CONTACT, Figure.PLANS_OVERDUE)),
    (Consent, (Figure.CONSENTS_EXPIRING,)),
    (FollowUp, (Figure.FOLLOW_UPS_DUE, Figure.FOLLOW_UPS_ON_TIME, Figure.FOLLOW_UPS_OVERDUE)),
    (PlannedService, (Figure.SERVICES_LAPSED,)),
)
REFERRAL_COUNTS = (
    Figure.REFERRALS_SENT,
    Figure.REFERRALS_ANSWERED,
    Figure.REFERRALS_ACCEPTED,
    Figure.REFERRALS_IN_SERVICE,
)
COUNTED = tuple(f for _, figures in GROUPS for f in figures) + REFERRAL_COUNTS
IN_SERVICE = "in_service_move"
DAYS_TO_ANSWER = DaysBetween("answered_at", "sent_at")
DAYS_TO_SERVICE = DaysBetween(f"{IN_SERVICE}__at", "sent_at")


@dataclass(frozen=True)
class Row:
    """One line of the advocate table (or the organization's total)."""

    advocate: AdvocateChoice
    name: str
    counts: dict[Figure, int]
    median_days_to_answer: float | None = None
    median_days_to_service: float | None = None

    def __getitem__(self, figure: Figure) -> int:
        return self.counts.get(figure, 0)

    @property
    def acceptance_rate(self) -> float | None:
        return rate(self[Figure.REFERRALS_ACCEPTED], self[Figure.REFERRALS_ANSWERED])


@dataclass(frozen=True)
class PartnerRow:
    """Referrals sent in the period to one partner, answered, and accepted."""

    organization_id: int
    name: str
    sent: int
    answered: int
    accepted: int
    median_days_to_answer: float | None

    @property
    def acceptance_rate(self) -> float | None:
        return rate(self.accepted, self.answered)


@dataclass(frozen=True)
class Metrics:
    frame: Frame
    organization_id: int
    advocates: list[Row]
    total: Row
    partners: list[PartnerRow] = field(default_factory=list)

    @property
    def caseload_limit(self) -> int:
        return self.frame.rules.caseload_limit

    def over_limit(self, row: Row) -> bool:
        return row.advocate not in (None, NO_PRIMARY) and row[Figure.OPEN_CASES] > (
            self.caseload_limit
        )

    @property
    def advocates_over_limit(self) -> int:
        return sum(1 for row in self.advocates if self.over_limit(row))


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _counts(figures: Iterable[Figure], frame: Frame) -> dict[str, Count]:
    return {f.value: Count("pk", filter=condition(f, frame)) for f in figures}


def _referrals(scope: Scope, frame: Frame) -> QuerySet:
    """Referrals sent in the period, each with its move into service (LEFT JOIN, one at most)."""
    return (
        base(Referral, scope)
        .filter(condition(Figure.REFERRALS_SENT, frame))
        .annotate(
            **{
                IN_SERVICE: FilteredRelation(
                    "transitions",
                    condition=Q(transitions__to_status=Referral.Status.IN_SERVICE),
                )
            }
        )
    )


MEDIANS = {"median_answer": Median(DAYS_TO_ANSWER), "median_service": Median(DAYS_TO_SERVICE)}


def advocate_counts(scope: Scope, frame: Frame) -> dict[int | None, dict]:
    """Every counted figure and the referral medians, by primary advocate: one query a kind."""
    found: dict[int | None, dict] = {}
    for model, figures in GROUPS:
        grouped = by_primary_advocate(base(model, scope), CASE_PATH[model])
        for row in grouped.annotate(**_counts(figures, frame)).order_by():
            found.setdefault(row.pop("advocate"), {}).update(row)
    referrals = by_primary_advocate(_referrals(scope, frame), "case")
    for row in referrals.annotate(**_counts(REFERRAL_COUNTS, frame), **MEDIANS).order_by():
        found.setdefault(row.pop("advocate"), {}).update(row)
    return found


def _row(advocate: AdvocateChoice, name: str, values: dict) -> Row:
    return Row(
        advocate=advocate,
        name=name,
        counts={f: values.get(f.value, 0) for f in COUNTED},
        median_days_to_answer=values.get("median_answer"),
        median_days_to_service=values.get("median_service"),
    )


def _advocate_names(organization_id: int, seen: Iterable[int]) -> dict[int, str]:
    """Active advocates of the organization and anyone else currently primary on its cases."""
    people = (
        User.objects.filter(
            Q(pk__in=list(seen))
            | Q(
                is_active=True,
                memberships__organization_id=organization_id,
                memberships__role=Membership.Role.ADVOCATE,
                memberships__is_active=True,
            )
        )
        .distinct()
        .values_list("pk", "full_name", "email")
    )
    return {pk: full_name or email for pk, full_name, email in people}


def partner_rows(scope: Scope, frame: Frame) -> list[PartnerRow]:
    """Per recipient organization: referrals sent in the period, answered, accepted."""
    rows = (
        base(Referral, scope)
        .filter(condition(Figure.REFERRALS_SENT, frame))
        .values("to_organization_id", "to_organization__name")
        .annotate(
            **_counts(
                (Figure.REFERRALS_SENT, Figure.REFERRALS_ANSWERED, Figure.REFERRALS_ACCEPTED),
                frame,
            ),
            median_answer=Median(DAYS_TO_ANSWER),
        )
        .order_by("to_organization__name", "to_organization_id")
    )
    return [
        PartnerRow(
            organization_id=row["to_organization_id"],
            name=row["to_organization__name"],
            sent=row[Figure.REFERRALS_SENT.value],
            answered=row[Figure.REFERRALS_ANSWERED.value],
            accepted=row[Figure.REFERRALS_ACCEPTED.value],
            median_days_to_answer=row["median_answer"],
        )
        for row in rows
    ]


def organization_metrics(*, organization_id: int, frame: Frame) -> Metrics:
    """Every number of the analytics page for the organization. The caller has checked that
    the viewer supervises it (see ``figures``: its supervisors see every case it leads)."""
    scope = Scope(organization_id=organization_id)
    found = advocate_counts(scope, frame)
    names = _advocate_names(organization_id, (key for key in found if key is not None))
    advocates = [_row(pk, name, found.get(pk, {})) for pk, name in names.items()]
    advocates.sort(key=lambda row: (-row[Figure.OPEN_CASES], row.name.lower()))
    if None in found:
        advocates.append(_row(NO_PRIMARY, "", found[None]))
    # Medians do not add up: the organization's come from their own query.
    medians = _referrals(scope, frame).aggregate(**MEDIANS)
    totals = {f.value: sum(row[f] for row in advocates) for f in COUNTED}
    total = _row(None, "", {**totals, **medians})
    return Metrics(
        frame=frame,
        organization_id=organization_id,
        advocates=advocates,
        total=total,
        partners=partner_rows(scope, frame),
    )
