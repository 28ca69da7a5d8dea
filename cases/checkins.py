"""Outcome check-ins (issue 21, point 3): a short, trauma-informed check-in per case at intake,
at every plan review and at closure.

Every question may be left unanswered (blank: skipped) or answered "I'd rather not say"
(``PREFERS_NOT``): nothing is forced, in the spirit of R34. The young person answers in the
portal, or staff record the answers with them. A check-in is not edited once recorded: a
mistake is corrected by a new check-in that names the one it corrects, and the old one stays.
The progress the young person describes on each goal is in their own words, encrypted like
notes (R37), beside the staff's coding of it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.categories import DataCategory
from cases.encryption import EncryptedTextField

# What the access log names when a check-in is read or written: it speaks of the plan's goals
# and how the young person is doing. No consent releases check-ins to partners all the same
# (consent.policy.visible_check_ins): like the live plan, they are the lead's working record.
CHECK_IN_CATEGORY = DataCategory.PLAN
PREFERS_NOT = "prefers_not"
PREFERS_NOT_LABEL = _("I'd rather not say")


class CheckInOccasion(models.TextChoices):
    INTAKE = "intake", _("Intake")
    PLAN_REVIEW = "plan_review", _("Plan review")
    CLOSURE = "closure", _("Closure")
    OTHER = "other", _("Other")


class CheckInAnsweredBy(models.TextChoices):
    PORTAL = "portal", _("The young person, in the portal")
    WITH_STAFF = "with_staff", _("The young person, with staff")
    STAFF = "staff", _("Staff, without the young person")


# Answers run from the hardest to the best: "change between the first and the latest check-in"
# is a move along this order (``ANSWER_ORDER``).
class SafetyRating(models.TextChoices):
    NOT_SAFE = "not_safe", _("Not safe")
    A_LITTLE_SAFE = "a_little_safe", _("A little safe")
    MOSTLY_SAFE = "mostly_safe", _("Mostly safe")
    SAFE = "safe", _("Safe")
    PREFERS_NOT = PREFERS_NOT, PREFERS_NOT_LABEL


class HousingAnswer(models.TextChoices):
    NO_SAFE_PLACE = "no_safe_place", _("No safe place to stay")
    UNSTABLE = "unstable", _("Somewhere, but it is not stable")
    STABLE = "stable", _("Stable")
    PREFERS_NOT = PREFERS_NOT, PREFERS_NOT_LABEL


class EngagementAnswer(models.TextChoices):
    NOT_NOW = "not_now", _("Not right now")
    SOMETIMES = "sometimes", _("Some of the time")
    ENGAGED = "engaged", _("Yes, in school, training or work")
    PREFERS_NOT = PREFERS_NOT, PREFERS_NOT_LABEL


class YesNoAnswer(models.TextChoices):
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("Not sure")
    YES = "yes", _("Yes")
    PREFERS_NOT = PREFERS_NOT, PREFERS_NOT_LABEL


class LivingSituation(models.TextChoices):
    """Where the young person lives when the case closes."""

    WITH_FAMILY = "with_family", _("With their family")
    WITH_RELATIVES_OR_FRIENDS = "with_relatives", _("With relatives or friends")
    FOSTER_OR_KINSHIP = "foster_care", _("Foster or kinship care")
    OWN_PLACE = "own_place", _("Their own place")
    SUPPORTED_HOUSING = "supported_housing", _("Supported or transitional housing")
    SHELTER = "shelter", _("A shelter")
    NO_SAFE_PLACE = "no_safe_place", _("No safe place to stay")
    OTHER = "other", _("Somewhere else")
    UNKNOWN = "unknown", _("Not known")
    PREFERS_NOT = PREFERS_NOT, PREFERS_NOT_LABEL


class GoalProgressCode(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    SOME_PROGRESS = "some_progress", _("Some progress")
    ACHIEVED = "achieved", _("Achieved")


# The domains a check-in asks about: field name -> its answers.
DOMAINS: dict[str, type[models.TextChoices]] = {
    "safety": SafetyRating,
    "housing": HousingAnswer,
    "school_or_work": EngagementAnswer,
    "trusted_adult": YesNoAnswer,
    "health_care": YesNoAnswer,
}


# Each domain's answers to their place on its scale, hardest first ("rather not say" has none).
_RANKS = {
    domain: {
        value: rank for rank, value in enumerate(v for v in answers.values if v != PREFERS_NOT)
    }
    for domain, answers in DOMAINS.items()
}


def answer_rank(domain: str, answer: str) -> int | None:
    """Where an answer sits on its domain's scale (0 the hardest), or None when it was
    skipped or declined: those are never counted as a change."""
    return _RANKS[domain].get(answer) if answer else None


def _answer_valid(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": ["", *choices.values]})


class CheckIn(models.Model):
    """One check-in of a case: the young person's answers on one day, and who recorded them."""

    Occasion = CheckInOccasion
    AnsweredBy = CheckInAnsweredBy

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="check_ins")
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    recorded_at = models.DateTimeField()
    answered_by = models.CharField(max_length=12, choices=AnsweredBy.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Blank: the question was skipped; PREFERS_NOT: the young person chose not to say.
    safety = models.CharField(max_length=16, choices=SafetyRating.choices, blank=True)
    housing = models.CharField(max_length=16, choices=HousingAnswer.choices, blank=True)
    school_or_work = models.CharField(max_length=16, choices=EngagementAnswer.choices, blank=True)
    trusted_adult = models.CharField(max_length=16, choices=YesNoAnswer.choices, blank=True)
    health_care = models.CharField(max_length=16, choices=YesNoAnswer.choices, blank=True)
    # Asked only at closure (the closing reason is the case's own).
    living_situation = models.CharField(max_length=20, choices=LivingSituation.choices, blank=True)
    # A correction names the check-in it replaces; the replaced one is kept, not changed.
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(occasion__in=CheckInOccasion.values), name="check_in_occasion_valid"
            ),
            models.CheckConstraint(
                condition=Q(answered_by__in=CheckInAnsweredBy.values),
                name="check_in_answered_by_valid",
            ),
            models.CheckConstraint(
                condition=_answer_valid("safety", SafetyRating)
                & _answer_valid("housing", HousingAnswer)
                & _answer_valid("school_or_work", EngagementAnswer)
                & _answer_valid("trusted_adult", YesNoAnswer)
                & _answer_valid("health_care", YesNoAnswer)
                & _answer_valid("living_situation", LivingSituation),
                name="check_in_answers_valid",
            ),
            models.CheckConstraint(
                condition=Q(occasion="closure") | Q(living_situation=""),
                name="check_in_living_situation_at_closure",
            ),
            # One intake check-in per case (its correction replaces it, and names it).
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(occasion="intake", corrects__isnull=True),
                name="check_in_one_intake_per_case",
            ),
        ]
        indexes = [models.Index(fields=["case", "recorded_at"], name="check_in_case_time")]

    def __str__(self) -> str:
        return f"check-in {self.pk} of case {self.case_id}"


class GoalProgress(models.Model):
    """Progress on one plan goal at a check-in: the young person's words, and the staff's code."""

    Code = GoalProgressCode

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="goal_progress")
    goal = models.ForeignKey("cases.Goal", on_delete=models.PROTECT, related_name="progress")
    # The young person's own words: narrative, so encrypted (R37) and purged by retention.
    words = EncryptedTextField(blank=True)
    code = models.CharField(max_length=16, choices=Code.choices, blank=True)

    class Meta:
        ordering = ["goal__position", "goal_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=["", *GoalProgressCode.values]),
                name="goal_progress_code_valid",
            ),
            models.UniqueConstraint(
                fields=["check_in", "goal"], name="goal_progress_once_per_check_in"
            ),
        ]

    def __str__(self) -> str:
        return f"progress on goal {self.goal_id} at check-in {self.check_in_id}"
