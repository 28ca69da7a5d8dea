"""The groups each young person is counted in: race and ethnicity, age band at the case's
opening, and gender. Worked out from one row of ``measures`` (the person's fields read with
the case), in Python, so the numbers and the lists behind them share one definition.

- Race and ethnicity is "any mention": a young person counts in every group they chose, so the
  groups add up to more than the base when anyone chose several. Beside the groups of the
  standard: "Prefers not to answer", "Not asked", "Not coded (own words only)" (no code, but
  words recorded) and "Not recorded" (neither).
- Age band at the opening of the case, from the date of birth, else the year of birth, else
  the age range given at intake. A year of birth leaves two possible ages, and a range several:
  the young person counts in a band only when every possible age lies in it, otherwise in
  "Not recorded". We never guess a midpoint.
- Gender from the young person's own words, folded through a small English and Spanish
  lexicon (``GIRL_OR_WOMAN``, ``BOY_OR_MAN``): the whole answer, in lower case, without
  accents or extra spaces, must be one of its entries. Any other words count as "Nonbinary or
  another identity"; no words, "Not recorded". It reads words only, never the recorded sex, so
  a trans girl who says "girl" counts as a girl. Its limit: words the lexicon does not know
  (a typo, "woman, mostly") fall in the third group. The words never leave the organization:
  only the group's count does.
"""

import unicodedata
from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.demographics import RaceEthnicity
from cases.models import PersonBirthDatePrecision


class Dimension(StrEnum):
    RACE_ETHNICITY = "race-ethnicity"
    AGE_BAND = "age-band"
    GENDER = "gender"


DIMENSION_LABELS: dict[Dimension, Promise] = {
    Dimension.RACE_ETHNICITY: _("Race and ethnicity (any mention)"),
    Dimension.AGE_BAND: _("Age at the case's opening"),
    Dimension.GENDER: _("Gender (from the young person's own words)"),
}
# Single-choice dimensions: each young person is in exactly one group, so the groups add up to
# the base. Race and ethnicity is "any mention" and does not.
ADDS_UP = frozenset({Dimension.AGE_BAND, Dimension.GENDER})

NOT_RECORDED = "not-recorded"
NOT_CODED = "not-coded"

RACE_GROUPS: dict[str, Promise] = {
    **{code: label for code, label in RaceEthnicity.choices},
    NOT_CODED: _("Not coded (own words only)"),
    NOT_RECORDED: _("Not recorded"),
}
AGE_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("under-12", None, 11),
    ("12-14", 12, 14),
    ("15-17", 15, 17),
    ("18-20", 18, 20),
    ("21-and-over", 21, None),
)
AGE_GROUPS: dict[str, Promise] = {
    "under-12": _("Under 12"),
    "12-14": _("12 to 14"),
    "15-17": _("15 to 17"),
    "18-20": _("18 to 20"),
    "21-and-over": _("21 and over"),
    NOT_RECORDED: _("Not recorded (or not within one band)"),
}
GIRL = "girl-or-woman"
BOY = "boy-or-man"
ANOTHER = "nonbinary-or-another"
GENDER_GROUPS: dict[str, Promise] = {
    GIRL: _("Girl or woman"),
    BOY: _("Boy or man"),
    ANOTHER: _("Nonbinary or another identity"),
    NOT_RECORDED: _("Not recorded"),
}
GROUPS: dict[Dimension, Mapping[str, Promise]] = {
    Dimension.RACE_ETHNICITY: RACE_GROUPS,
    Dimension.AGE_BAND: AGE_GROUPS,
    Dimension.GENDER: GENDER_GROUPS,
}
# Groups that say what is unknown rather than who someone is: shown, but never the lowest or
# highest group of a disparity.
UNKNOWN_GROUPS = frozenset(
    {
        NOT_RECORDED,
        NOT_CODED,
        RaceEthnicity.PREFERS_NOT_TO_ANSWER.value,
        RaceEthnicity.NOT_ASKED.value,
    }
)

# Whole answers, in lower case and without accents, read as each group (English and Spanish).
GIRL_OR_WOMAN = frozenset(
    {
        "girl", "woman", "female", "f", "young woman", "trans girl", "trans woman",
        "transgender girl", "transgender woman", "cis girl", "cis woman", "femme",
        "chica", "nina", "mujer", "muchacha", "femenino", "femenina", "mujer trans",
        "chica trans", "nina trans",
    }
)  # fmt: skip
BOY_OR_MAN = frozenset(
    {
        "boy", "man", "male", "m", "young man", "trans boy", "trans man", "transgender boy",
        "transgender man", "cis boy", "cis man",
        "chico", "nino", "hombre", "muchacho", "masculino", "hombre trans", "chico trans",
        "nino trans",
    }
)  # fmt: skip

# The person's fields each row of ``measures`` reads, by the name the row gives them.
PERSON_FIELDS = {
    "precision": "birth_date_precision",
    "birth_date": "birth_date",
    "birth_year": "birth_year",
    "age_min": "age_range_min",
    "age_max": "age_range_max",
    "gender": "gender",
    "race_codes": "race_ethnicity_codes",
}


def folded(words: str) -> str:
    """Lower case, no accents, single spaces: how the lexicon compares words."""
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace(".", " ").split())


def gender_group(words: str) -> str:
    if not words.strip():
        return NOT_RECORDED
    found = folded(words)
    if found in GIRL_OR_WOMAN:
        return GIRL
    if found in BOY_OR_MAN:
        return BOY
    return ANOTHER


def _age_on(day: date, birth_date: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def possible_ages(row: Mapping, opened_on: date) -> tuple[int, int] | None:
    """The youngest and oldest the young person can have been when the case opened."""
    precision = row["precision"]
    if precision == PersonBirthDatePrecision.EXACT and row["birth_date"]:
        age = _age_on(opened_on, row["birth_date"])
        return age, age
    if precision == PersonBirthDatePrecision.YEAR and row["birth_year"]:
        return opened_on.year - row["birth_year"] - 1, opened_on.year - row["birth_year"]
    if precision == PersonBirthDatePrecision.AGE_RANGE and row["age_min"] is not None:
        return row["age_min"], row["age_max"]
    return None


def age_band(row: Mapping, opened_on: date) -> str:
    ages = possible_ages(row, opened_on)
    if ages is None or ages[0] < 0:
        return NOT_RECORDED
    youngest, oldest = ages
    for band, low, high in AGE_BANDS:
        if (low is None or youngest >= low) and (high is None or oldest <= high):
            return band
    return NOT_RECORDED


# Read once: an enum's ``values`` builds a new list at every call (a community's 200,000 cases).
_RACE_CODES = tuple(RaceEthnicity.values)


def race_groups(row: Mapping) -> list[str]:
    codes = row["race_codes"] or []
    if codes:
        return [code for code in _RACE_CODES if code in codes]
    return [NOT_CODED] if row["race_words"] else [NOT_RECORDED]


def groups_of(row: Mapping, opened_on: date) -> dict[Dimension, list[str]]:
    """Every group the young person of ``row`` counts in, per dimension (one each, but for
    race and ethnicity, any mention)."""
    return {
        Dimension.RACE_ETHNICITY: race_groups(row),
        Dimension.AGE_BAND: [age_band(row, opened_on)],
        Dimension.GENDER: [gender_group(row["gender"])],
    }
