"""Recording outcome check-ins (issue 21, point 3), correcting them, and coding goal progress.

Every answer is optional. Staff of the lead organization record a check-in with the young
person (or, at closure, without them); the young person answers their own in the portal.
Access is the door's to decide (consent.policy); these functions keep the record whole.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.checkins import DOMAINS, CheckIn, GoalProgress, LivingSituation
from cases.models import Case, Goal, Person
from cases.services.records import require_lead_staff

Occasion = CheckIn.Occasion
AnsweredBy = CheckIn.AnsweredBy
WORDS_LENGTH = 2000


@dataclass(frozen=True)
class GoalAnswer:
    """What the young person said about one goal, and (staff only) how it is coded."""

    goal_id: int
    words: str = ""
    code: str = ""


@dataclass(frozen=True)
class CheckInAnswers:
    """The answers of one check-in; a blank answer is a question skipped."""

    safety: str = ""
    housing: str = ""
    school_or_work: str = ""
    trusted_adult: str = ""
    health_care: str = ""
    living_situation: str = ""
    goals: tuple[GoalAnswer, ...] = field(default=())


def _choices(values: list[str]) -> str:
    return ", ".join(values)


def _check_answers(answers: CheckInAnswers, occasion: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, choices in DOMAINS.items():
        value = getattr(answers, name)
        if value and value not in choices.values:
            errors[name] = [
                _("Choose one of: %(choices)s.") % {"choices": _choices(choices.values)}
            ]
    situation = answers.living_situation
    if situation and situation not in LivingSituation.values:
        errors["living_situation"] = [
            _("Choose one of: %(choices)s.") % {"choices": _choices(LivingSituation.values)}
        ]
    elif situation and occasion != Occasion.CLOSURE:
        errors["living_situation"] = [_("The living situation is asked at closure only.")]
    return errors


def _check_goals(case: Case, answers: CheckInAnswers, answered_by: str) -> dict[str, list[str]]:
    ids = [answer.goal_id for answer in answers.goals]
    if len(set(ids)) != len(ids):
        return {"goals": [_("Each goal can be answered once in a check-in.")]}
    found = set(Goal.objects.filter(pk__in=ids, plan__case_id=case.pk).values_list("pk", flat=True))
    if found != set(ids):
        return {"goals": [_("Only goals of this case's plan can be answered.")]}
    for answer in answers.goals:
        if answer.code and answer.code not in GoalProgress.Code.values:
            choices = _choices(GoalProgress.Code.values)
            return {"goals": [_("Choose one of: %(choices)s.") % {"choices": choices}]}
        if answer.code and answered_by == AnsweredBy.PORTAL:
            return {"goals": [_("Staff code the progress on goals, not the young person.")]}
        if len(answer.words) > WORDS_LENGTH:
            return {"goals": [_("Keep each answer under 2,000 characters.")]}
    return {}


def _check_author(*, case: Case, actor: User, answered_by: str) -> None:
    if answered_by not in AnsweredBy.values:
        raise ValidationError(
            {"answered_by": [_("Choose one of: %(c)s.") % {"c": _choices(AnsweredBy.values)}]}
        )
    if answered_by != AnsweredBy.PORTAL:
        require_lead_staff(case_id=case.pk, user=actor, field="recorded_by")
        return
    if not Person.objects.filter(pk=case.person_id, user_id=actor.pk).exists():
        raise ValidationError({"answered_by": [_("Only the young person answers in the portal.")]})


def _check_when(case: Case, recorded_at: datetime, now: datetime) -> None:
    if recorded_at > now or timezone.localdate(recorded_at) < case.opened_on:
        raise ValidationError(
            {"recorded_at": [_("A check-in is dated between the case's opening and now.")]}
        )


def _write(
    *,
    case: Case,
    actor: User,
    occasion: str,
    answered_by: str,
    answers: CheckInAnswers,
    recorded_at: datetime,
    corrects: CheckIn | None = None,
) -> CheckIn:
    check_in = CheckIn(
        case=case,
        occasion=occasion,
        answered_by=answered_by,
        recorded_by=actor,
        recorded_at=recorded_at,
        corrects=corrects,
        **{name: getattr(answers, name) for name in (*DOMAINS, "living_situation")},
    )
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"occasion": [_("This case already has its intake check-in: correct that one.")]}
        ) from exc
    GoalProgress.objects.bulk_create(
        GoalProgress(check_in=check_in, goal_id=a.goal_id, words=a.words.strip(), code=a.code)
        for a in answers.goals
    )
    return check_in


@transaction.atomic
def record_check_in(
    *,
    case: Case,
    actor: User,
    occasion: str,
    answered_by: str,
    answers: CheckInAnswers,
    recorded_at: datetime | None = None,
) -> CheckIn:
    """Record a check-in. A closed case takes only its closure check-in; a case has one
    intake check-in. ``recorded_at`` is now unless given (one done on paper earlier)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    now = timezone.now()
    recorded_at = recorded_at or now
    if occasion not in Occasion.values:
        raise ValidationError(
            {"occasion": [_("Choose one of: %(c)s.") % {"c": _choices(Occasion.values)}]}
        )
    _check_author(case=case, actor=actor, answered_by=answered_by)
    _check_when(case, recorded_at, now)
    if case.status == Case.Status.CLOSED and occasion != Occasion.CLOSURE:
        raise ValidationError({"case": [_("The case is closed: only its closure check-in.")]})
    errors = _check_answers(answers, occasion) | _check_goals(case, answers, answered_by)
    if errors:
        raise ValidationError(errors)
    return _write(
        case=case,
        actor=actor,
        occasion=occasion,
        answered_by=answered_by,
        answers=answers,
        recorded_at=recorded_at,
    )


@transaction.atomic
def correct_check_in(
    *, check_in: CheckIn, actor: User, answered_by: str, answers: CheckInAnswers
) -> CheckIn:
    """Correct a check-in: a new one, of the same occasion and date, that names it. The
    corrected one stays as it was; it is no longer counted."""
    check_in = CheckIn.objects.select_for_update().get(pk=check_in.pk)
    if CheckIn.objects.filter(corrects=check_in).exists():
        raise ValidationError({"corrects": [_("This check-in was already corrected.")]})
    if answered_by == AnsweredBy.PORTAL:
        raise ValidationError({"answered_by": [_("Staff record a correction.")]})
    _check_author(case=check_in.case, actor=actor, answered_by=answered_by)
    errors = _check_answers(answers, check_in.occasion)
    errors |= _check_goals(check_in.case, answers, answered_by)
    if errors:
        raise ValidationError(errors)
    return _write(
        case=check_in.case,
        actor=actor,
        occasion=check_in.occasion,
        answered_by=answered_by,
        answers=answers,
        recorded_at=check_in.recorded_at,
        corrects=check_in,
    )


@transaction.atomic
def code_goal_progress(*, progress: GoalProgress, actor: User, code: str) -> GoalProgress:
    """Staff code what the young person said about a goal, once; a different code later is a
    correction of the check-in."""
    progress = (
        GoalProgress.objects.select_for_update().select_related("check_in").get(pk=progress.pk)
    )
    require_lead_staff(case_id=progress.check_in.case_id, user=actor, field="code")
    if code not in GoalProgress.Code.values:
        choices = _choices(GoalProgress.Code.values)
        raise ValidationError({"code": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    if progress.code:
        raise ValidationError({"code": [_("Already coded: correct the check-in to change it.")]})
    progress.code = code
    progress.save(update_fields=["code"])
    return progress
