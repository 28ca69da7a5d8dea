"""The demo's coded demographics, referral sources and system involvement (issue 21), spread
over the stories so the later charts have something to count. Written through the services
intake and the case page use; every word is invented."""

from datetime import date, timedelta
from typing import Any

from accounts.models import User
from cases.demographics import RaceEthnicity, ReferralSource, Sex, SexualOrientation
from cases.models import Case
from cases.services.system_involvement import record_system_involvement
from cases.system_involvement import SystemInvolvementKind as Kind
from providers.models import Organization
from providers.services import update_directory_entry

Race = RaceEthnicity
RACES: tuple[tuple[str, ...], ...] = (
    (Race.BLACK_AFRICAN_AMERICAN,),
    (Race.HISPANIC_LATINO,),
    (Race.WHITE,),
    (),  # this story's young person declined the question (casework._person_fields)
    (Race.HISPANIC_LATINO, Race.WHITE),
    (Race.AMERICAN_INDIAN_ALASKA_NATIVE,),
    (Race.ASIAN,),
    (),
    (Race.BLACK_AFRICAN_AMERICAN, Race.HISPANIC_LATINO),
    (Race.MIDDLE_EASTERN_NORTH_AFRICAN,),
    (Race.NATIVE_HAWAIIAN_PACIFIC_ISLANDER,),
    (),
    (Race.NOT_ASKED,),
)
SEXES = (Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.PREFERS_NOT_TO_ANSWER, Sex.FEMALE, Sex.DOES_NOT_KNOW)
GENDERS = ("girl", "", "nonbinary", "", "young woman", "boy", "", "still figuring it out")
ORIENTATIONS = (SexualOrientation.QUESTIONING, SexualOrientation.PREFERS_NOT_TO_ANSWER, "", "")
# What the systems did, per story (by its index, cycling): each kind with its day counted from
# the case's opening (before intake when negative; never after today).
EVENTS: tuple[tuple[tuple[str, int], ...], ...] = (
    ((Kind.MISSING_OR_RUNAWAY, -40), (Kind.LAW_ENFORCEMENT_CONTACT, 12)),
    ((Kind.CHILD_WELFARE_INVESTIGATION, -200), (Kind.REMOVAL_OR_PLACEMENT, -180)),
    (),
    ((Kind.ARREST, -60), (Kind.DETENTION, -59), (Kind.JUVENILE_COURT, 20)),
    ((Kind.MISSING_OR_RUNAWAY, 15),),
    (),
    ((Kind.LAW_ENFORCEMENT_CONTACT, -10),),
)


def demographic_fields(*, index: int, asks_sexual_orientation: bool) -> dict[str, Any]:
    """The coded answers of one story's young person, as intake records them."""
    fields: dict[str, Any] = {
        "sex": SEXES[index % len(SEXES)],
        "gender": GENDERS[index % len(GENDERS)],
        "primary_language": "es" if index % 3 == 0 else "en",
    }
    if index % 4 != 3:  # the fourth of each four declined the race question
        fields["race_ethnicity_codes"] = list(RACES[index % len(RACES)])
    if index % 7 == 5:
        fields["tribal_affiliation"] = "Example River Band (demo)"
    if asks_sexual_orientation:
        fields["sexual_orientation"] = ORIENTATIONS[index % len(ORIENTATIONS)]
    return fields


def referral_source(index: int) -> str:
    return ReferralSource.values[index % len(ReferralSource.values)]


def ask_sexual_orientation(organization: Organization, actor: User | None) -> Organization:
    """The demo lead asks sexual orientation (an org admin's choice on its directory entry)."""
    if organization.collects_sexual_orientation:
        return organization
    return update_directory_entry(
        organization=organization,
        name=organization.name,
        kind=organization.kind,
        service_area=organization.service_area,
        names_staff_to_young_people=organization.names_staff_to_young_people,
        collects_sexual_orientation=True,
        actor=actor,
    )


def write_system_involvement(*, case: Case, staff: User, index: int, today: date) -> None:
    """The story's system-involvement events, recorded by its advocate."""
    for kind, day in EVENTS[index % len(EVENTS)]:
        occurred_on = min(case.opened_on + timedelta(days=day), today)
        record_system_involvement(case=case, actor=staff, kind=kind, occurred_on=occurred_on)
