"""What each outcome measure counts, written once.

Two kinds of records, each read in a fixed number of queries whatever the number of cases (a
row per record, as plain values; no query per case):

- ``case_rows``: the cases served in the period (opened on or before its last day, and not
  closed before its first), with their young person's groups (``dimensions``), whether a
  system-involvement event was recorded during service, how the young person came, and the
  first and latest answer of each check-in domain.
- ``referral_rows``: the referrals the lead organization sent in the period (as the continuity
  analytics count them, ``reports.analytics.figures``), with when they went in service.

``classify`` puts each row in one category of each measure (or in none: not in that measure's
records). The numbers count the categories; the lists behind them keep the rows of one
category and group. So a number and its list cannot disagree.

Definitions (the period's bounds are whole days):

- No new system involvement: cases served in the period with no event (not removed) that
  occurred on or after the case's opening, up to its closing or the period's end.
- Community-led share: cases opened in the period whose young person came through themselves,
  family or friends, a community organization, a school, health care or a hotline, of those
  whose source is recorded as community-led or system (law enforcement, child welfare,
  juvenile justice). "Other" and "not recorded" are shown apart and are not in the share.
- Change between the first and latest check-in, per domain: cases served in the period with
  two or more check-ins answered in that domain, up to the period's end, a corrected check-in
  replaced by its correction. "I'd rather not say" and skipped answers are left out; cases with
  fewer than two answers are excluded and counted as such. Better, same or worse along the
  domain's order of answers (``cases.checkins.answer_rank``).
- Referral acceptance: referrals sent in the period and answered; accepted (whatever came
  after) of those. Unanswered referrals are excluded and counted.
- Time to first service: referrals sent in the period that went in service; the median days
  from sending to the start of the service.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.db.models import (
    BooleanField,
    Case,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.checkins import DOMAINS, PREFERS_NOT, CheckIn, answer_rank
from cases.demographics import ReferralSource
from cases.models import Case as CaseRecord
from cases.models import Referral, ReferralTransition
from cases.system_involvement import SystemInvolvementEvent
from reports.outcomes.dimensions import PERSON_FIELDS


@dataclass(frozen=True)
class Window:
    """The period: whole days ``start`` to ``end``, and their bounds as moments."""

    start: date
    end: date
    since: datetime
    until: datetime  # midnight after ``end``


class Measure(StrEnum):
    NO_SYSTEM_INVOLVEMENT = "no-system-involvement"
    COMMUNITY_LED = "community-led"
    SAFETY = "change-safety"
    HOUSING = "change-housing"
    SCHOOL_OR_WORK = "change-school-or-work"
    TRUSTED_ADULT = "change-trusted-adult"
    HEALTH_CARE = "change-health-care"
    ACCEPTANCE = "referral-acceptance"
    TIME_TO_SERVICE = "time-to-first-service"


CHECK_IN_MEASURES = {
    Measure.SAFETY: "safety",
    Measure.HOUSING: "housing",
    Measure.SCHOOL_OR_WORK: "school_or_work",
    Measure.TRUSTED_ADULT: "trusted_adult",
    Measure.HEALTH_CARE: "health_care",
}
REFERRAL_MEASURES = frozenset({Measure.ACCEPTANCE, Measure.TIME_TO_SERVICE})

COMMUNITY_LED = frozenset(
    {
        ReferralSource.SELF,
        ReferralSource.FAMILY_OR_FRIEND,
        ReferralSource.COMMUNITY_ORGANIZATION,
        ReferralSource.SCHOOL,
        ReferralSource.HEALTH_CARE,
        ReferralSource.HOTLINE,
    }
)
SYSTEM = frozenset(
    {
        ReferralSource.LAW_ENFORCEMENT,
        ReferralSource.CHILD_WELFARE,
        ReferralSource.JUVENILE_JUSTICE,
    }
)

# Categories (stable slugs: they are in the lists' URLs and the CSV).
NONE, INVOLVED = "none", "involved"
COMMUNITY, SYSTEM_LED, OTHER_SOURCE, SOURCE_NOT_RECORDED = (
    "community",
    "system",
    "other",
    "not-recorded",
)
BETTER, SAME, WORSE, TOO_FEW = "better", "same", "worse", "fewer-than-two"
ACCEPTED, DECLINED, UNANSWERED = "accepted", "declined", "unanswered"
IN_SERVICE, NOT_IN_SERVICE = "in-service", "not-in-service"

CATEGORY_LABELS: dict[str, Promise] = {
    NONE: _("No new involvement"),
    INVOLVED: _("Some involvement"),
    COMMUNITY: _("Community-led"),
    SYSTEM_LED: _("System"),
    OTHER_SOURCE: _("Other source"),
    SOURCE_NOT_RECORDED: _("Source not recorded"),
    BETTER: _("Better"),
    SAME: _("Same"),
    WORSE: _("Worse"),
    TOO_FEW: _("Fewer than two answers"),
    ACCEPTED: _("Accepted"),
    DECLINED: _("Declined"),
    UNANSWERED: _("Not answered"),
    IN_SERVICE: _("Went in service"),
    NOT_IN_SERVICE: _("Not (yet) in service"),
}


@dataclass(frozen=True)
class Spec:
    """One measure: its categories in the base (they add up to it), the one whose share is the
    rate, and the categories it excludes (counted, and said)."""

    measure: Measure
    title: Promise
    unit: Promise  # what the base counts
    base: Promise  # the base, in words
    excludes: Promise  # what is left out, in words
    categories: tuple[str, ...]
    rate_of: str
    excluded: tuple[str, ...] = ()
    median: bool = False  # shows a median of days instead of a share

    @property
    def about_referrals(self) -> bool:
        return self.measure in REFERRAL_MEASURES


def _check_in_spec(measure: Measure, title: Promise) -> Spec:
    return Spec(
        measure,
        title,
        _("young people"),
        _(
            "young people served in the period with two or more check-ins answered in this "
            "domain by the period's end"
        ),
        _(
            "young people with fewer than two answers in this domain; answers “I'd rather not "
            "say” and skipped questions are not answers; a corrected check-in counts as its "
            "correction"
        ),
        (BETTER, SAME, WORSE),
        BETTER,
        (TOO_FEW,),
    )


SPECS: dict[Measure, Spec] = {
    Measure.NO_SYSTEM_INVOLVEMENT: Spec(
        Measure.NO_SYSTEM_INVOLVEMENT,
        _("No new system involvement during service"),
        _("young people"),
        _("young people served in the period (case open on at least one of its days)"),
        _(
            "events that were removed, and events before the case opened or after it closed or "
            "after the period"
        ),
        (NONE, INVOLVED),
        NONE,
    ),
    Measure.COMMUNITY_LED: Spec(
        Measure.COMMUNITY_LED,
        _("Community-led share of referrals in"),
        _("young people"),
        _("cases opened in the period whose source is community-led or a system"),
        _("cases whose source is “Other” or not recorded (shown apart)"),
        (COMMUNITY, SYSTEM_LED),
        COMMUNITY,
        (OTHER_SOURCE, SOURCE_NOT_RECORDED),
    ),
    Measure.SAFETY: _check_in_spec(
        Measure.SAFETY, _("Feeling safe: change since the first check-in")
    ),
    Measure.HOUSING: _check_in_spec(Measure.HOUSING, _("Housing: change since the first check-in")),
    Measure.SCHOOL_OR_WORK: _check_in_spec(
        Measure.SCHOOL_OR_WORK, _("School, training or work: change since the first check-in")
    ),
    Measure.TRUSTED_ADULT: _check_in_spec(
        Measure.TRUSTED_ADULT, _("A trusted adult: change since the first check-in")
    ),
    Measure.HEALTH_CARE: _check_in_spec(
        Measure.HEALTH_CARE, _("Health care: change since the first check-in")
    ),
    Measure.ACCEPTANCE: Spec(
        Measure.ACCEPTANCE,
        _("Referral acceptance"),
        _("referrals"),
        _("referrals the organization sent in the period that were answered"),
        _("referrals not answered yet; drafts never sent"),
        (ACCEPTED, DECLINED),
        ACCEPTED,
        (UNANSWERED,),
    ),
    Measure.TIME_TO_SERVICE: Spec(
        Measure.TIME_TO_SERVICE,
        _("Time to first service"),
        _("referrals"),
        _("referrals the organization sent in the period"),
        _("the median counts only referrals that went in service"),
        (IN_SERVICE, NOT_IN_SERVICE),
        IN_SERVICE,
        median=True,
    ),
}


# --- the rows -------------------------------------------------------------------------------


def _person_values(path: str) -> dict[str, F]:
    return {name: F(f"{path}person__{field}") for name, field in PERSON_FIELDS.items()}


def _race_words(path: str) -> Case:
    return Case(
        When(**{f"{path}person__race_ethnicity": ""}, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


def served(window: Window) -> Q:
    return Q(opened_on__lte=window.end) & (
        Q(closed_on__isnull=True) | Q(closed_on__gte=window.start)
    )


def case_rows(cases: QuerySet[CaseRecord], window: Window) -> list[dict]:
    """One row (a dict) per case of ``cases`` served in the period, oldest first: three
    queries (the cases, their system involvement, their check-ins), whatever their number."""
    served_cases = cases.filter(served(window))
    rows = list(
        served_cases.values("pk", "opened_on", "referral_source")
        .annotate(**_person_values(""), race_words=_race_words(""))
        .order_by("pk")
    )
    involved = _involved_case_ids(served_cases, window)
    answers = _answers(served_cases, window)
    for row in rows:
        row["involved"] = row["pk"] in involved
        row.update(NO_ANSWERS)
        row.update(answers.get(row["pk"], {}))
    return rows


def _involved_case_ids(served_cases: QuerySet[CaseRecord], window: Window) -> set[int]:
    """The served cases with an event (not removed) from their opening to their closing or
    the period's end: one query."""
    events = SystemInvolvementEvent.objects.filter(
        case_id__in=served_cases.values("pk"),
        removed_at__isnull=True,
        occurred_on__gte=F("case__opened_on"),
        occurred_on__lte=window.end,
    ).filter(Q(case__closed_on__isnull=True) | Q(occurred_on__lte=F("case__closed_on")))
    return set(events.values_list("case_id", flat=True).distinct())


def _answers(served_cases: QuerySet[CaseRecord], window: Window) -> dict[int, dict[str, object]]:
    """Per served case and domain, the first and latest answer by the period's end, and
    whether there is a second one (``second_<domain>``: True). One query over the check-ins
    in case and time order, a corrected check-in replaced by its correction: a correlated
    subquery per case and domain cost fifteen index probes a case (26 s for 19,000 cases)."""
    domains = list(DOMAINS)
    check_ins = (
        CheckIn.objects.filter(
            case_id__in=served_cases.values("pk"),
            corrected_by__isnull=True,
            recorded_at__lt=window.until,
        )
        .order_by("case_id", "recorded_at", "pk")
        .values_list("case_id", *domains)
    )
    found: dict[int, dict[str, object]] = {}
    names = [(f"first_{d}", f"second_{d}", f"latest_{d}") for d in domains]  # not per row
    # Fetched whole: a server-side cursor (``iterator()``) makes PostgreSQL plan for the first
    # rows, a nested loop that took 205 s where this takes 0.4 s (20k cases).
    for case_id, *answers in check_ins:
        row = found.setdefault(case_id, {})
        for (first, second, latest), answer in zip(names, answers, strict=True):
            if answer in ("", PREFERS_NOT):
                continue
            if first not in row:
                row[first] = answer
            else:
                row[second] = True
            row[latest] = answer
    return found


NO_ANSWERS = {
    f"{which}_{domain}": None for domain in DOMAINS for which in ("first", "latest", "second")
}


def referral_rows(referrals: QuerySet[Referral], window: Window) -> QuerySet:
    """One row (a dict) per referral of ``referrals`` sent in the period: one query."""
    started = ReferralTransition.objects.filter(
        referral_id=OuterRef("pk"), to_status=Referral.Status.IN_SERVICE
    ).values("at")[:1]
    return (
        referrals.filter(sent_at__gte=window.since, sent_at__lt=window.until)
        .values("pk", "case_id", "status", "sent_at", "answered_at")
        .annotate(
            opened_on=F("case__opened_on"),
            **_person_values("case__"),
            race_words=_race_words("case__"),
            in_service_at=Subquery(started),
        )
        .order_by("pk")
    )


# --- the categories --------------------------------------------------------------------------


def _source(row: Mapping, window: Window) -> str | None:
    if not window.start <= row["opened_on"] <= window.end:
        return None
    source = row["referral_source"]
    if source in COMMUNITY_LED:
        return COMMUNITY
    if source in SYSTEM:
        return SYSTEM_LED
    return OTHER_SOURCE if source else SOURCE_NOT_RECORDED


def change(domain: str, first: str | None, latest: str | None, second: int | None) -> str:
    if second is None or first is None or latest is None:
        return TOO_FEW
    before, after = answer_rank(domain, first), answer_rank(domain, latest)
    if before is None or after is None:
        return TOO_FEW
    return BETTER if after > before else SAME if after == before else WORSE


def _check_in(domain: str) -> Callable[[Mapping, Window], str]:
    first, latest, second = f"first_{domain}", f"latest_{domain}", f"second_{domain}"

    def classify(row: Mapping, window: Window) -> str:
        return change(domain, row[first], row[latest], row[second])

    return classify


def _acceptance(row: Mapping, window: Window) -> str:
    if row["answered_at"] is None:
        return UNANSWERED
    return DECLINED if row["status"] == Referral.Status.DECLINED else ACCEPTED


def days_to_service(row: Mapping) -> float | None:
    if row["in_service_at"] is None:
        return None
    return (row["in_service_at"] - row["sent_at"]).total_seconds() / 86400


CLASSIFY: dict[Measure, Callable[[Mapping, Window], str | None]] = {
    Measure.NO_SYSTEM_INVOLVEMENT: lambda row, window: INVOLVED if row["involved"] else NONE,
    Measure.COMMUNITY_LED: _source,
    **{measure: _check_in(domain) for measure, domain in CHECK_IN_MEASURES.items()},
    Measure.ACCEPTANCE: _acceptance,
    Measure.TIME_TO_SERVICE: lambda row, window: (
        NOT_IN_SERVICE if row["in_service_at"] is None else IN_SERVICE
    ),
}


def classify(measure: Measure, row: Mapping, window: Window) -> str | None:
    """The category of ``row`` in ``measure``; None when the row is not one of its records."""
    return CLASSIFY[measure](row, window)
