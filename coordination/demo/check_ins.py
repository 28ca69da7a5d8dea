"""The demo's outcome check-ins (issue 21), through cases.services.checkins: an intake check-in
soon after each case opened and one at each plan review since, so that the change between a
case's first and latest check-in can be read per domain. Answers move mostly for the better,
some stay put, a few are skipped or declined, as real ones are. The portal story's young
person answered their latest review themself; a closed case closes with its closure check-in.
"""

from collections.abc import Sequence
from datetime import datetime

from accounts.models import User
from cases.checkins import DOMAINS, PREFERS_NOT, CheckIn, LivingSituation
from cases.models import Case, Goal
from cases.services.checkins import CheckInAnswers, GoalAnswer, record_check_in
from coordination.demo.stories import Clock, Story

Occasion, AnsweredBy = CheckIn.Occasion, CheckIn.AnsweredBy
# Where a case's check-ins fall on its timeline (0: opened, 1: now), by how many it has had.
TIMELINES = {1: (0.05,), 2: (0.05, 0.8), 3: (0.05, 0.45, 0.9), 4: (0.05, 0.3, 0.6, 0.9)}
WORDS = (
    ("I haven't started yet.", "not_started"),
    ("I started, it's slow but it's going.", "some_progress"),
    ("Done! I did it.", "achieved"),
)
CLOSING_SITUATIONS = (
    LivingSituation.WITH_RELATIVES_OR_FRIENDS,
    LivingSituation.SUPPORTED_HOUSING,
    LivingSituation.UNKNOWN,
)


def _scale(domain: str) -> list[str]:
    return [value for value in DOMAINS[domain].values if value != PREFERS_NOT]


def _answers(*, index: int, step: int, goals: Sequence[Goal], closing: bool) -> CheckInAnswers:
    """Answers ``step`` check-ins into a case: each domain climbs its scale from a low start."""
    answers: dict[str, str] = {}
    for offset, domain in enumerate(DOMAINS):
        scale = _scale(domain)
        start = (index + offset) % 2
        climbs = (index + offset) % 3 != 0  # a third of the domains stay where they were
        answers[domain] = scale[min(len(scale) - 1, start + (step if climbs else 0))]
    if index % 5 == 3 and step == 0:
        answers["school_or_work"] = ""  # skipped at intake
    if index % 7 == 2:
        answers["trusted_adult"] = PREFERS_NOT
    progress = tuple(
        GoalAnswer(goal.pk, *WORDS[min(step, len(WORDS) - 1)]) for goal in goals if step > 0
    )
    situation = CLOSING_SITUATIONS[index % len(CLOSING_SITUATIONS)] if closing else ""
    return CheckInAnswers(**answers, living_situation=situation, goals=progress)


def _goals(case: Case) -> list[Goal]:
    return list(Goal.objects.filter(plan__case_id=case.pk).order_by("position", "pk"))


def write_check_ins(
    *, story: Story, index: int, case: Case, staff: User, young_person: User | None, clock: Clock
) -> int:
    """The case's intake and review check-ins up to now; how many were written."""
    count = max(1, min(4, 1 + story.days_ago // 45))
    goals = _goals(case)
    for step, fraction in enumerate(TIMELINES[count]):
        last = step == count - 1
        in_portal = last and step > 0 and young_person is not None
        when: datetime = clock.at(fraction)
        record_check_in(
            case=case,
            actor=young_person if in_portal else staff,
            occasion=Occasion.INTAKE if step == 0 else Occasion.PLAN_REVIEW,
            answered_by=AnsweredBy.PORTAL if in_portal else AnsweredBy.WITH_STAFF,
            answers=_answers(
                index=index,
                step=step,
                goals=[] if in_portal else goals,
                closing=False,
            ),
            recorded_at=when,
        )
    return count


def closure_answers(*, index: int, case: Case) -> CheckInAnswers:
    """What the young person said as their case closed (part of closing it)."""
    return _answers(index=index, step=3, goals=_goals(case), closing=True)
