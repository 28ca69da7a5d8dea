"""A small crafted data set for the outcome tests, every figure worked out by hand.

Organization A, its supervisor Sue; organization B, whose cases must never count. The period
is 1 to 21 March 2027 (Chicago days).

Cases of A (opened; young person: race codes, birth, gender words; source):
  g1..g6   opened 10 Jan: girls ("Girl", "mujer", " Trans  Woman ", "girl", "niña", "woman"),
           race Black (g1..g4), Black + Hispanic (g5), Hispanic (g6); born 1 Jun 2012 exactly
           (14 at opening); sources self (g1..g3), child welfare (g4, g5), hotline (g6)
  b1..b5   opened 2 Mar (in the period): boys ("boy", "Hombre", "male", "boy", "chico"), White;
           birth year 2011 (15 or 16 at opening: "15 to 17"); sources law enforcement (b1),
           school (b2..b5)
  n1       opened 5 Mar: "nonbinary", no race code but own words; age range 14 to 16 (spans
           two bands: not recorded); source other
  x1       opened 1 Feb: no gender, no race, no birth; no source
  old      closed 1 Feb 2027 (before the period): not served, never counted
Served in the period: 13 (g 6, b 5, n1, x1). Opened in the period: 6 (b1..b5, n1).

System involvement (after opening, not removed): g1 (5 Feb), b1 (10 Mar). Not counted: g2's
event removed; g3's event before its opening (1 Jan); g4's after the period (1 Apr).
  No new involvement: 11 of 13; involved 2 (g1, b1).

Check-ins (safety): g1 not_safe -> safe (better); g2 mostly_safe -> mostly_safe (same); g3
safe -> a_little_safe (worse); g4 a_little_safe -> prefers_not -> safe (better: the declined
one is skipped); g5 one answer only (fewer than two); g6 not_safe -> (corrected to) safe: the
corrected check-in is replaced by its correction: not_safe -> safe (better), and one after
the period is not read. Others: fewer than two. Base 5: better 3, same 1, worse 1.

Referrals sent by A in the period: g1 accepted and in service after 2 days; g2 declined; g3
unanswered; b1 accepted, in service after 4 days.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from accounts.models import User
from cases.checkins import CheckIn
from cases.models import Case, Person, Referral, ReferralTransition
from providers.models import Membership, Organization
from reports.outcomes.measures import Window
from tests import factories as f

CHICAGO = ZoneInfo("America/Chicago")
START, END = date(2027, 3, 1), date(2027, 3, 21)
WINDOW = Window(
    START,
    END,
    datetime(2027, 3, 1, tzinfo=CHICAGO),
    datetime(2027, 3, 22, tzinfo=CHICAGO),
)


def chicago(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=CHICAGO)


@dataclass
class Outcomes:
    a: Organization
    b: Organization
    sue: User
    cases: dict[str, Case]


def _person(**fields: object) -> Person:
    return f.PersonFactory(**fields)


def _case(org: Organization, opened: date, person: Person, **fields: object) -> Case:
    return f.CaseFactory(lead_organization=org, opened_on=opened, person=person, **fields)


def _check_in(case: Case, when: datetime, safety: str, **fields: object) -> CheckIn:
    return f.CheckInFactory(case=case, recorded_at=when, safety=safety, housing="", **fields)


def build() -> Outcomes:
    a = f.OrganizationFactory(name="A")
    b = f.OrganizationFactory(name="B")
    sue = f.UserFactory(full_name="Sue")
    f.MembershipFactory(organization=a, user=sue, role=Membership.Role.SUPERVISOR)
    cases: dict[str, Case] = {}
    girls = ["Girl", "mujer", " Trans  Woman ", "girl", "niña", "woman"]
    races = [["black_african_american"]] * 4 + [
        ["black_african_american", "hispanic_latino"],
        ["hispanic_latino"],
    ]
    sources = ["self", "self", "self", "child_welfare", "child_welfare", "hotline"]
    for n, (words, codes, source) in enumerate(zip(girls, races, sources, strict=True), 1):
        person = _person(
            gender=words,
            race_ethnicity_codes=codes,
            birth_date_precision="exact",
            birth_date=date(2012, 6, 1),
        )
        cases[f"g{n}"] = _case(a, date(2027, 1, 10), person, referral_source=source)
    boys = ["boy", "Hombre", "male", "boy", "chico"]
    for n, words in enumerate(boys, 1):
        person = _person(
            gender=words, race_ethnicity_codes=["white"], birth_date_precision="year",
            birth_year=2011,
        )  # fmt: skip
        source = "law_enforcement" if n == 1 else "school"
        cases[f"b{n}"] = _case(a, date(2027, 3, 2), person, referral_source=source)
    person = _person(
        gender="nonbinary", race_ethnicity="mixed", birth_date_precision="age_range",
        age_range_min=14, age_range_max=16,
    )  # fmt: skip
    cases["n1"] = _case(a, date(2027, 3, 5), person, referral_source="other")
    cases["x1"] = _case(a, date(2027, 2, 1), _person())
    cases["old"] = _case(
        a, date(2026, 6, 1), _person(gender="girl"), referral_source="self", closed=True,
        closed_on=date(2027, 2, 1),
    )  # fmt: skip
    # B's case: every kind of record, never counted.
    cases["b_other"] = _case(b, date(2027, 3, 3), _person(gender="girl"), referral_source="self")
    f.SystemInvolvementEventFactory(case=cases["b_other"], occurred_on=date(2027, 3, 4))
    f.ReferralFactory(case=cases["b_other"], sent=True, sent_at=chicago(3, 5))

    event = f.SystemInvolvementEventFactory
    event(case=cases["g1"], occurred_on=date(2027, 2, 5))
    event(case=cases["b1"], occurred_on=date(2027, 3, 10))
    event(
        case=cases["g2"], occurred_on=date(2027, 2, 5), removed_at=chicago(2, 6),
        removal_reason="Recorded on the wrong case",
    )  # fmt: skip
    event(case=cases["g3"], occurred_on=date(2027, 1, 1))
    event(case=cases["g4"], occurred_on=date(2027, 4, 1))

    intake = {"occasion": CheckIn.Occasion.INTAKE}
    _check_in(cases["g1"], chicago(1, 10), "not_safe", **intake)
    _check_in(cases["g1"], chicago(3, 1), "safe")
    _check_in(cases["g2"], chicago(1, 10), "mostly_safe", **intake)
    _check_in(cases["g2"], chicago(3, 1), "mostly_safe")
    _check_in(cases["g3"], chicago(1, 10), "safe", **intake)
    _check_in(cases["g3"], chicago(3, 1), "a_little_safe")
    _check_in(cases["g4"], chicago(1, 10), "a_little_safe", **intake)
    _check_in(cases["g4"], chicago(2, 1), "prefers_not")
    _check_in(cases["g4"], chicago(3, 1), "safe")
    _check_in(cases["g5"], chicago(1, 10), "safe", **intake)
    _check_in(cases["g5"], chicago(3, 1), "")
    # g6: the intake said "safe" by mistake; its correction says "not safe"; then "safe" at
    # review: not_safe -> safe, better. A check-in after the period is not read.
    wrong = _check_in(cases["g6"], chicago(1, 10), "safe", **intake)
    _check_in(cases["g6"], chicago(1, 11), "not_safe", corrects=wrong, **intake)
    _check_in(cases["g6"], chicago(3, 2), "safe")
    _check_in(cases["g6"], chicago(3, 25), "not_safe")

    _referral(cases["g1"], chicago(3, 2), answered=chicago(3, 3), service=chicago(3, 4))
    _referral(cases["g2"], chicago(3, 3), answered=chicago(3, 4), declined=True)
    _referral(cases["g3"], chicago(3, 4))
    _referral(cases["b1"], chicago(3, 5), answered=chicago(3, 6), service=chicago(3, 9))
    return Outcomes(a=a, b=b, sue=sue, cases=cases)


def _referral(
    case: Case,
    sent: datetime,
    *,
    answered: datetime | None = None,
    declined: bool = False,
    service: datetime | None = None,
) -> Referral:
    status = Referral.Status.SENT
    if answered is not None:
        status = Referral.Status.DECLINED if declined else Referral.Status.ACCEPTED
    if service is not None:
        status = Referral.Status.IN_SERVICE
    referral = f.ReferralFactory(
        case=case,
        status=status,
        sent_at=sent,
        answered_at=answered,
        decline_reason="No capacity" if declined else "",
    )
    if service is not None:
        ReferralTransition.objects.create(
            referral=referral,
            from_status=Referral.Status.ACCEPTED,
            to_status=Referral.Status.IN_SERVICE,
            organization=referral.to_organization,
            at=service,
        )
    return referral


def grow(crafted: Outcomes, copies: int) -> None:
    """``copies`` more cases at A (for query-count tests), each with check-ins, an event and
    a referral in the period, and a young person in another group each time."""
    genders = ["girl", "boy", "nonbinary", ""]
    for n in range(copies):
        person = _person(
            gender=genders[n % 4], race_ethnicity_codes=[["asian"], ["white"], []][n % 3],
            birth_date_precision="year", birth_year=2008 + n % 8,
        )  # fmt: skip
        case = _case(crafted.a, date(2027, 1, 20), person, referral_source="school")
        _check_in(case, chicago(1, 20), "not_safe", occasion=CheckIn.Occasion.INTAKE)
        _check_in(case, chicago(3, 3), "safe")
        f.SystemInvolvementEventFactory(case=case, occurred_on=date(2027, 3, 3))
        _referral(case, chicago(3, 3), answered=chicago(3, 4), service=chicago(3, 6))
