"""Coded demographics (issue 21): the choices intake offers, and the rules every door shares.

Race and ethnicity follow the combined question of the 2024 US federal standard (OMB SPD 15):
several answers may be chosen, but "prefers not to answer" and "not asked" stand alone. Sex
follows HUD's HMIS FY2026 element 4.21, kept apart from gender identity (the young person's own
words) so a funder export never guesses one from the other. Every field is optional (R34): an
empty value is "not recorded", and for the race question, with the person's words kept, "not
coded".
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RaceEthnicity(models.TextChoices):
    AMERICAN_INDIAN_ALASKA_NATIVE = (
        "american_indian_alaska_native",
        _("American Indian or Alaska Native"),
    )
    ASIAN = "asian", _("Asian")
    BLACK_AFRICAN_AMERICAN = "black_african_american", _("Black or African American")
    HISPANIC_LATINO = "hispanic_latino", _("Hispanic or Latino")
    MIDDLE_EASTERN_NORTH_AFRICAN = (
        "middle_eastern_north_african",
        _("Middle Eastern or North African"),
    )
    NATIVE_HAWAIIAN_PACIFIC_ISLANDER = (
        "native_hawaiian_pacific_islander",
        _("Native Hawaiian or Pacific Islander"),
    )
    WHITE = "white", _("White")
    PREFERS_NOT_TO_ANSWER = "prefers_not_to_answer", _("Prefers not to answer")
    NOT_ASKED = "not_asked", _("Not asked")


# Answers that are not a race or ethnicity: each is the whole answer or absent.
RACE_ETHNICITY_STANDALONE = frozenset(
    {RaceEthnicity.PREFERS_NOT_TO_ANSWER, RaceEthnicity.NOT_ASKED}
)


class Sex(models.TextChoices):
    """HMIS FY2026 element 4.21, as US federal reporting asks it."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    DOES_NOT_KNOW = "does_not_know", _("Client doesn't know")
    PREFERS_NOT_TO_ANSWER = "prefers_not_to_answer", _("Client prefers not to answer")
    NOT_COLLECTED = "not_collected", _("Data not collected")


class SexualOrientation(models.TextChoices):
    """Asked only where the organization chose to (``collects_sexual_orientation``)."""

    STRAIGHT = "straight", _("Straight or heterosexual")
    GAY = "gay", _("Gay")
    LESBIAN = "lesbian", _("Lesbian")
    BISEXUAL = "bisexual", _("Bisexual")
    QUESTIONING = "questioning", _("Questioning or unsure")
    OTHER = "other", _("Another orientation")
    PREFERS_NOT_TO_ANSWER = "prefers_not_to_answer", _("Prefers not to answer")


class ReferralSource(models.TextChoices):
    """How the young person came to the lead organization, recorded at intake."""

    SELF = "self", _("Self")
    FAMILY_OR_FRIEND = "family_or_friend", _("Family or friend")
    COMMUNITY_ORGANIZATION = "community_organization", _("Community organization")
    SCHOOL = "school", _("School")
    HEALTH_CARE = "health_care", _("Health care")
    HOTLINE = "hotline", _("Hotline")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    JUVENILE_JUSTICE = "juvenile_justice", _("Juvenile justice")
    OTHER = "other", _("Other")


# A coded answer that says "prefers not to answer", per field of the young person's record that
# can be declined (Person.DECLINABLE_FIELDS): answering so and listing the field in
# ``declined_fields`` are one fact, kept the same by the intake service. Sexual orientation,
# asked only where an organization chose to, is declined by its own code alone.
DECLINED_CODES = {
    "race_ethnicity_codes": RaceEthnicity.PREFERS_NOT_TO_ANSWER.value,
    "sex": Sex.PREFERS_NOT_TO_ANSWER.value,
}
# The name under which ``declined_fields`` lists each coded field.
DECLINED_NAME = {"race_ethnicity_codes": "race_ethnicity", "sex": "sex"}


def race_ethnicity_errors(codes: object) -> list[str]:
    """What is wrong with a race and ethnicity answer (a list of codes); empty when valid."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return [gettext("Give a list of race and ethnicity codes.")]
    unknown = sorted(set(codes) - set(RaceEthnicity.values))
    if unknown:
        return [gettext("Not a race or ethnicity code: %(codes)s.") % {"codes": ", ".join(unknown)}]
    if len(codes) != len(set(codes)):
        return [gettext("Give each race or ethnicity once.")]
    if len(codes) > 1 and RACE_ETHNICITY_STANDALONE & set(codes):
        return [
            gettext("“Prefers not to answer” and “Not asked” cannot be chosen with other answers.")
        ]
    return []


def validate_race_ethnicity_codes(codes: object) -> None:
    """Model-field validator: the rules of ``race_ethnicity_errors``."""
    errors = race_ethnicity_errors(codes)
    if errors:
        raise ValidationError(errors)


def ordered_race_ethnicity(codes: Iterable[str]) -> list[str]:
    """The codes in the standard's order, so equal answers are stored the same way."""
    chosen = set(codes)
    return [code for code in RaceEthnicity.values if code in chosen]


def race_ethnicity_labels(codes: Iterable[str]) -> list[str]:
    """The codes as words, in the standard's order."""
    labels = dict(RaceEthnicity.choices)
    return [str(labels[code]) for code in ordered_race_ethnicity(codes)]


def check_referral_source(value: str) -> None:
    """A referral source is one of the coded answers, or blank (not recorded)."""
    if value not in ("", *ReferralSource.values):
        raise ValidationError(
            {
                "referral_source": [
                    gettext("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(ReferralSource.values)}
                ]
            }
        )
