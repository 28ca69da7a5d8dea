"""Issue 21's records of each case: the young person's coded demographics, how they came (the
referral source), outcome check-ins with the progress on each plan goal, and what the systems
did (system-involvement events).

They are drawn from a random generator of their own (``CaseBuilder``'s ``coded``), so adding
them left every other row the generator writes as it was. The rules are the services' own:
a "prefers not to answer" code and ``declined_fields`` say the same thing
(cases.services.intake); a check-in is dated between the case's opening and now, a case has one
intake check-in (a correction names the one it replaces), a closed case's last one is its
closure check-in, the living situation is asked at closure only, and staff code goal progress
(the young person's own portal answers are often not coded yet); an event happened on or
before today, and a removed one says why.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from bench.loader import Loader
from cases.checkins import (
    DOMAINS,
    PREFERS_NOT,
    CheckIn,
    GoalProgress,
    LivingSituation,
)
from cases.demographics import (
    DECLINED_CODES,
    DECLINED_NAME,
    RaceEthnicity,
    ReferralSource,
    Sex,
    ordered_race_ethnicity,
)
from cases.models import Case, Goal, Person
from cases.system_involvement import SystemInvolvementEvent

Race = RaceEthnicity
Kind = SystemInvolvementEvent.Kind
Occasion, AnsweredBy, Code = CheckIn.Occasion, CheckIn.AnsweredBy, GoalProgress.Code


class Weighted:
    """Answers drawn by their weights (``rng.choices``, with the sums kept)."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.answers, self.sums = list(weights), list(accumulate(weights.values()))

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.answers, cum_weights=self.sums)[0]


# -- demographics ---------------------------------------------------------------------------

SEXES = Weighted(
    {
        Sex.FEMALE: 46,
        Sex.MALE: 43,
        Sex.DOES_NOT_KNOW: 2,
        Sex.PREFERS_NOT_TO_ANSWER: 3,
        Sex.NOT_COLLECTED: 2,
        "": 4,  # not recorded
    }
)
# One race or ethnicity, or each of several: roughly the young people a US youth agency sees.
RACES = Weighted(
    {
        Race.HISPANIC_LATINO: 30,
        Race.BLACK_AFRICAN_AMERICAN: 28,
        Race.WHITE: 26,
        Race.ASIAN: 5,
        Race.AMERICAN_INDIAN_ALASKA_NATIVE: 4,
        Race.MIDDLE_EASTERN_NORTH_AFRICAN: 3,
        Race.NATIVE_HAWAIIAN_PACIFIC_ISLANDER: 2,
    }
)
# The young person's own words beside a code (the first of several), when they gave some.
RACE_WORDS = {
    Race.HISPANIC_LATINO: ("Mexican American", "Puerto Rican", "Latina", "Salvadoran", "Latino"),
    Race.BLACK_AFRICAN_AMERICAN: ("Black", "African American", "Haitian American"),
    Race.WHITE: ("white", "Irish and Polish"),
    Race.ASIAN: ("Vietnamese", "Filipino", "Hmong"),
    Race.AMERICAN_INDIAN_ALASKA_NATIVE: ("Native", "Lakota"),
    Race.MIDDLE_EASTERN_NORTH_AFRICAN: ("Arab American", "Somali"),
    Race.NATIVE_HAWAIIAN_PACIFIC_ISLANDER: ("Samoan", "Marshallese"),
}
MIXED_WORDS = ("mixed", "biracial", "Black and Puerto Rican", "half white half Mexican")
# Gender in the young person's own words, by the sex recorded beside it (any of them may say
# any of ANY_GENDER).
GENDER_WORDS = {
    Sex.FEMALE: ("girl", "young woman", "woman", "female", "girl"),
    Sex.MALE: ("boy", "young man", "guy", "male", "man"),
}
ANY_GENDER = ("nonbinary", "trans girl", "trans guy", "genderqueer", "still figuring it out")
REFERRAL_SOURCES = Weighted(
    {
        ReferralSource.SELF: 17,
        ReferralSource.FAMILY_OR_FRIEND: 15,
        ReferralSource.COMMUNITY_ORGANIZATION: 14,
        ReferralSource.SCHOOL: 14,
        ReferralSource.CHILD_WELFARE: 9,
        ReferralSource.HEALTH_CARE: 7,
        ReferralSource.HOTLINE: 6,
        ReferralSource.LAW_ENFORCEMENT: 6,
        ReferralSource.JUVENILE_JUSTICE: 5,
        ReferralSource.OTHER: 2,
        "": 5,  # not recorded
    }
)

# -- check-ins ------------------------------------------------------------------------------

# Plan reviews fall on the review clock (90 days by default), often a little late; some are
# missed. The intake check-in is usually done at the first meeting.
REVIEW_DAYS = (80, 125)
REVIEW_MISSED = 0.2
INTAKE_DONE = 0.9
CLOSURE_DONE = 0.75
CORRECTED = 0.01
SKIPPED, DECLINED = 0.05, 0.04  # per question
LIVING_SITUATIONS = Weighted(
    {
        LivingSituation.WITH_FAMILY: 30,
        LivingSituation.WITH_RELATIVES_OR_FRIENDS: 18,
        LivingSituation.FOSTER_OR_KINSHIP: 8,
        LivingSituation.OWN_PLACE: 10,
        LivingSituation.SUPPORTED_HOUSING: 10,
        LivingSituation.SHELTER: 6,
        LivingSituation.NO_SAFE_PLACE: 3,
        LivingSituation.OTHER: 3,
        LivingSituation.UNKNOWN: 8,
        LivingSituation.PREFERS_NOT: 4,
    }
)
CODES = (Code.NOT_STARTED, Code.SOME_PROGRESS, Code.ACHIEVED)
PROGRESS_WORDS = (
    ("Haven't started yet.", "Not yet, too much going on.", "I keep putting it off."),
    ("Started, it's slow.", "Went to the first appointment.", "Halfway there I think."),
    ("Done!", "I did it.", "Got it sorted last month."),
)

# -- system involvement ----------------------------------------------------------------------

INVOLVED = 0.16  # of cases have any
KINDS = Weighted(
    {
        Kind.LAW_ENFORCEMENT_CONTACT: 25,
        Kind.MISSING_OR_RUNAWAY: 22,
        Kind.CHILD_WELFARE_INVESTIGATION: 15,
        Kind.ARREST: 12,
        Kind.REMOVAL_OR_PLACEMENT: 10,
        Kind.JUVENILE_COURT: 10,
        Kind.DETENTION: 6,
    }
)
EVENT_NOTES = {
    Kind.LAW_ENFORCEMENT_CONTACT: "Stopped by police near the bus station; no charges.",
    Kind.MISSING_OR_RUNAWAY: "Left home for three nights; came back on their own.",
    Kind.CHILD_WELFARE_INVESTIGATION: "Report made by the school; caseworker visited.",
    Kind.ARREST: "Arrested after a fight at school.",
    Kind.REMOVAL_OR_PLACEMENT: "Placed with an aunt by child welfare.",
    Kind.JUVENILE_COURT: "First hearing; next date set.",
    Kind.DETENTION: "Held overnight at the detention center.",
}
REMOVAL_REASONS = ("Recorded on the wrong case.", "Entered twice.", "The date and kind were wrong.")
REMOVED = 0.04


def _scale(domain: str) -> list[str]:
    return [value for value in DOMAINS[domain].values if value != PREFERS_NOT]


SCALES = {domain: _scale(domain) for domain in DOMAINS}
# Where each domain's answers start: low on its scale more often than high.
STARTS = {
    domain: Weighted(dict(zip(range(len(scale)), (3, 3, 2, 1), strict=False)))
    for domain, scale in SCALES.items()
}


class Outcomes:
    """Writes issue 21's records of the cases one ``CaseBuilder`` builds."""

    def __init__(self, loader: Loader, rng: random.Random, now: datetime) -> None:
        self.loader, self.rng, self.now = loader, rng, now
        self.today = now.date()

    # -- on the young person and the case, before they are queued ---------------------------

    def demographics(self, person: Person) -> None:
        rng = self.rng
        declined: list[str] = []
        person.sex = SEXES.pick(rng)
        codes, words = self._race_ethnicity()
        person.race_ethnicity_codes, person.race_ethnicity = codes, words
        for field, code in DECLINED_CODES.items():
            value = getattr(person, field)
            if (code in value) if isinstance(value, list) else value == code:
                declined.append(DECLINED_NAME[field])
        if rng.random() < 0.02:
            declined.append("gender")
        elif rng.random() < 0.55:
            person.gender = self._gender(person.sex)
        person.primary_language = self._primary_language(person.languages)
        person.declined_fields = declined

    def _race_ethnicity(self) -> tuple[list[str], str]:
        rng, draw = self.rng, self.rng.random()
        if draw < 0.07:  # not coded: words from before the codes, or nothing
            return [], rng.choice(["", "", "mixed", "Other"])
        if draw < 0.11:
            return [Race.PREFERS_NOT_TO_ANSWER], ""
        if draw < 0.13:
            return [Race.NOT_ASKED], ""
        several = draw < 0.28
        chosen: set[str] = set()
        wanted = (3 if rng.random() < 0.1 else 2) if several else 1
        while len(chosen) < wanted:
            chosen.add(RACES.pick(rng))
        codes = ordered_race_ethnicity(chosen)
        if rng.random() < 0.3:
            words = rng.choice(MIXED_WORDS) if several else rng.choice(RACE_WORDS[codes[0]])
            return codes, words
        return codes, ""

    def _gender(self, sex: str) -> str:
        if sex in GENDER_WORDS and self.rng.random() < 0.93:
            return self.rng.choice(GENDER_WORDS[sex])
        return self.rng.choice(ANY_GENDER)

    def _primary_language(self, languages: list[str]) -> str:
        rng = self.rng
        if rng.random() < 0.06:
            return ""
        if len(languages) > 1:
            return "es" if rng.random() < 0.55 else "en"
        return languages[0] if languages else ""

    def referral_source(self) -> str:
        return REFERRAL_SOURCES.pick(self.rng)

    # -- check-ins ---------------------------------------------------------------------------

    def check_ins(
        self,
        case: Case,
        goals: list[Goal],
        *,
        primary: int,
        user_id: int | None,
        showcase: bool = False,
    ) -> None:
        """The case's intake check-in, its plan reviews on the review clock (to its closing),
        and, for most closed cases, the closure check-in."""
        rng = self.rng
        opened, closed = case.opened_on, case.closed_on
        last_day = min(closed or self.today, self.today)
        first = opened + timedelta(days=rng.randint(0, 10))
        occasions: list[tuple[str, date]] = []
        if first <= last_day and (showcase or rng.random() < INTAKE_DONE):
            occasions.append((Occasion.INTAKE, first))
        day = first
        while True:
            day += timedelta(days=rng.randint(*REVIEW_DAYS))
            if day >= last_day:
                break
            if showcase or rng.random() >= REVIEW_MISSED:
                occasions.append((Occasion.PLAN_REVIEW, day))
        if closed is not None and rng.random() < CLOSURE_DONE:
            occasions.append(
                (Occasion.CLOSURE, min(closed + timedelta(days=rng.randint(0, 14)), self.today))
            )
        if not occasions:
            return
        ranks = {domain: start.pick(rng) for domain, start in STARTS.items()}
        progress = {goal.pk: 0 for goal in goals}
        for occasion, day in occasions:
            answered_by = self._answered_by(occasion, user_id)
            check_in = {
                "id": self.loader.next_id(CheckIn),
                "case_id": case.pk,
                "occasion": occasion,
                "recorded_at": self._during(day),
                "answered_by": answered_by,
                "recorded_by_id": user_id if answered_by == AnsweredBy.PORTAL else primary,
                **self._answers(ranks),
                "living_situation": LIVING_SITUATIONS.pick(rng)
                if occasion == Occasion.CLOSURE
                else "",
                "corrects_id": None,
            }
            self.loader.add_values(CheckIn, **check_in)
            answers = []
            if occasion != Occasion.INTAKE and rng.random() < 0.9:
                answers = self._goal_progress(check_in["id"], goals, progress, answered_by)
            if answered_by != AnsweredBy.PORTAL and rng.random() < CORRECTED:
                self._correction(check_in, answers, primary)
            for domain, scale in SCALES.items():  # mostly for the better, sometimes worse
                move = rng.random()
                if move < 0.3:
                    ranks[domain] = min(ranks[domain] + 1, len(scale) - 1)
                elif move > 0.92:
                    ranks[domain] = max(ranks[domain] - 1, 0)

    def _answered_by(self, occasion: str, user_id: int | None) -> str:
        draw = self.rng.random()
        if occasion == Occasion.CLOSURE:
            return AnsweredBy.STAFF if draw < 0.45 else AnsweredBy.WITH_STAFF
        if user_id and occasion == Occasion.PLAN_REVIEW and draw < 0.35:
            return AnsweredBy.PORTAL
        return AnsweredBy.STAFF if draw > 0.9 else AnsweredBy.WITH_STAFF

    def _answers(self, ranks: dict[str, int]) -> dict[str, str]:
        answers = {}
        for domain, scale in SCALES.items():
            draw = self.rng.random()
            if draw < SKIPPED:
                answers[domain] = ""
            elif draw < SKIPPED + DECLINED:
                answers[domain] = PREFERS_NOT
            else:
                answers[domain] = scale[ranks[domain]]
        return answers

    def _goal_progress(
        self, check_in_id: int, goals: list[Goal], progress: dict[int, int], answered_by: str
    ) -> list[tuple[int, str, str]]:
        """Each goal answered (most are) moves along not started, some progress, achieved;
        (goal, words, code) of each."""
        rng, answers = self.rng, []
        in_portal = answered_by == AnsweredBy.PORTAL
        for goal in goals:
            if rng.random() < 0.1:
                continue
            if rng.random() < 0.35:
                progress[goal.pk] = min(progress[goal.pk] + 1, len(CODES) - 1)
            state = progress[goal.pk]
            said = rng.random() < (0.8 if in_portal else 0.5)
            words = rng.choice(PROGRESS_WORDS[state]) if said else ""
            code = CODES[state]
            if in_portal and words and rng.random() < 0.6:
                code = ""  # staff have not coded it yet
            answers.append((goal.pk, words, code))
            self._add_progress(check_in_id, goal.pk, words, code)
        return answers

    def _add_progress(self, check_in_id: int, goal_id: int, words: str, code: str) -> None:
        # The words are encrypted as the loader writes them (Loader.add_values).
        self.loader.add_values(
            GoalProgress, check_in_id=check_in_id, goal_id=goal_id, words=words, code=code
        )

    def _correction(
        self, check_in: dict, answers: list[tuple[int, str, str]], primary: int
    ) -> None:
        """A check-in recorded with a mistake in one answer, corrected by staff the same day:
        a new one of the same occasion and date that names it."""
        domain = self.rng.choice(list(DOMAINS))
        correction = {
            **check_in,
            "id": self.loader.next_id(CheckIn),
            "answered_by": AnsweredBy.WITH_STAFF,
            "recorded_by_id": primary,
            domain: self.rng.choice(SCALES[domain]),
            "corrects_id": check_in["id"],
        }
        self.loader.add_values(CheckIn, **correction)
        for goal_id, words, code in answers:
            self._add_progress(correction["id"], goal_id, words, code)

    # -- system involvement ------------------------------------------------------------------

    def system_involvement(
        self, case: Case, *, organization: int, primary: int, showcase: bool = False
    ) -> None:
        """A minority of cases: events before the case opened (told at intake) and after it
        (recorded within days); an arrest sometimes with detention and a court date; a few
        removed from the record."""
        rng = self.rng
        if not showcase and rng.random() >= INVOLVED:
            return
        opened = case.opened_on
        last_day = min(case.closed_on or self.today, self.today)
        count = 3 if showcase else rng.choices([1, 2, 3], weights=[60, 28, 12])[0]
        events: list[tuple[str, date]] = []
        for _ in range(count):
            kind = KINDS.pick(rng)
            if rng.random() < 0.6:
                day = opened - timedelta(days=rng.randint(1, 540))
            else:
                day = opened + timedelta(days=rng.randint(0, (last_day - opened).days))
            events.append((kind, day))
            if kind == Kind.ARREST and rng.random() < 0.4:
                events.append(
                    (Kind.DETENTION, min(day + timedelta(days=rng.randint(0, 1)), self.today))
                )
            if kind == Kind.ARREST and rng.random() < 0.3:
                events.append(
                    (
                        Kind.JUVENILE_COURT,
                        min(day + timedelta(days=rng.randint(14, 60)), self.today),
                    )
                )
        for n, (kind, day) in enumerate(events):
            told = max(day, opened) + timedelta(days=rng.randint(0, 10))
            recorded_at = self._during(min(told, self.today))
            event = self.loader.new(
                SystemInvolvementEvent,
                case_id=case.pk,
                organization_id=organization,
                kind=kind,
                occurred_on=day,
                note=EVENT_NOTES[kind] if rng.random() < 0.35 else "",
                recorded_by_id=primary,
                recorded_at=recorded_at,
            )
            if (showcase and n == 0) or (not showcase and rng.random() < REMOVED):
                removed = recorded_at + timedelta(days=rng.randint(0, 30), hours=rng.randint(1, 8))
                event.removed_at = min(removed, self.now - timedelta(minutes=5))
                event.removed_by_id = primary
                event.removal_reason = rng.choice(REMOVAL_REASONS)
            self.loader.add(event)

    # -- time ---------------------------------------------------------------------------------

    def _during(self, day: date) -> datetime:
        """A moment in the working day of ``day`` (US Central), never later than an hour ago."""
        at = datetime.combine(day, time(15), tzinfo=UTC) + timedelta(
            minutes=self.rng.randint(0, 480)
        )
        return min(at, self.now - timedelta(hours=1))
