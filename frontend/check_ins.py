"""The check-in questions as a form, for the care team's pages and the portal (issue 21).

Every question may be skipped: the first choice of each is "Skip this question", and the young
person may also answer "I'd rather not say". Staff also say who answered and code the progress
on each goal; the young person writes only their own words.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.checkins import (
    CheckIn,
    EngagementAnswer,
    GoalProgress,
    HousingAnswer,
    LivingSituation,
    SafetyRating,
    YesNoAnswer,
)
from cases.models import Goal
from cases.services.checkins import CheckInAnswers, GoalAnswer

SKIP = ("", _("Skip this question"))

# The questions, in the young person's words and in the order they are asked.
QUESTIONS: tuple[tuple[str, Any, type], ...] = (
    ("safety", _("How safe do you feel right now?"), SafetyRating),
    ("housing", _("Where you stay now, is it..."), HousingAnswer),
    ("school_or_work", _("Are you in school, training or work?"), EngagementAnswer),
    ("trusted_adult", _("Is there an adult you trust and can go to?"), YesNoAnswer),
    ("health_care", _("Can you see a doctor or nurse when you need to?"), YesNoAnswer),
)


def _choice(label: Any, choices: type) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=[SKIP, *choices.choices], required=False, widget=forms.RadioSelect
    )


class CheckInForm(forms.Form):
    """The check-in's questions; ``goals`` adds a pair of fields per goal of the plan."""

    def __init__(
        self,
        *args: Any,
        goals: Iterable[Goal] = (),
        staff: bool = True,
        closure: bool = False,
        occasions: Iterable[str] = (),
        may_wait: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        labels = dict(CheckIn.Occasion.choices)
        if occasions:
            self.fields["occasion"] = forms.ChoiceField(
                label=_("Which check-in"), choices=[(o, labels[o]) for o in occasions]
            )
        if staff:
            # At closing, the check-in may wait: the continuity engine then asks for it.
            later = [("", _("No check-in now: Harbor will remind the care team"))]
            self.fields["answered_by"] = forms.ChoiceField(
                label=_("Who answered"),
                choices=[
                    *(later if may_wait else []),
                    *((v, label) for v, label in CheckIn.AnsweredBy.choices if v != "portal"),
                ],
                initial="" if may_wait else CheckIn.AnsweredBy.WITH_STAFF,
                required=not may_wait,
                widget=forms.RadioSelect,
            )
        for name, label, choices in QUESTIONS:
            self.fields[name] = _choice(label, choices)
        if closure:
            self.fields["living_situation"] = _choice(
                _("Where does the young person live now?"), LivingSituation
            )
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}_words"] = forms.CharField(
                label=goal.description,
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("How is it going with this goal? In your own words."),
            )
            if staff:
                self.fields[f"goal_{goal.pk}_code"] = forms.ChoiceField(
                    label=_("Progress on this goal"),
                    choices=[("", _("Not coded")), *GoalProgress.Code.choices],
                    required=False,
                )

    def goal_fields(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """Each goal's words field, and its code field for staff."""
        return [
            (
                self[f"goal_{goal.pk}_words"],
                self[f"goal_{goal.pk}_code"] if self.staff else None,
            )
            for goal in self.goals
        ]

    def question_fields(self) -> list[forms.BoundField]:
        names = [name for name, _label, _choices in QUESTIONS]
        if "living_situation" in self.fields:
            names.append("living_situation")
        return [self[name] for name in names]

    def answers(self) -> CheckInAnswers:
        """The cleaned answers, for the service; a goal left blank is not answered."""
        data = self.cleaned_data
        goals = []
        for goal in self.goals:
            words = data.get(f"goal_{goal.pk}_words", "")
            code = data.get(f"goal_{goal.pk}_code", "")
            if words.strip() or code:
                goals.append(GoalAnswer(goal_id=goal.pk, words=words, code=code))
        return CheckInAnswers(
            **{name: data.get(name, "") for name, _label, _choices in QUESTIONS},
            living_situation=data.get("living_situation", ""),
            goals=tuple(goals),
        )

    @classmethod
    def initial_from(cls, check_in: CheckIn) -> dict[str, str]:
        """A recorded check-in as the form's initial values (to correct it)."""
        initial = {name: getattr(check_in, name) for name, _label, _choices in QUESTIONS}
        initial["living_situation"] = check_in.living_situation
        initial["answered_by"] = (
            CheckIn.AnsweredBy.WITH_STAFF
            if check_in.answered_by == CheckIn.AnsweredBy.PORTAL
            else check_in.answered_by
        )
        for row in check_in.goal_progress.all():
            initial[f"goal_{row.goal_id}_words"] = row.words
            initial[f"goal_{row.goal_id}_code"] = row.code
        return initial


def answer_labels(check_in: CheckIn) -> list[tuple[str, str]]:
    """Each question and the answer given, "Skipped" where none, for a page to list."""
    rows = []
    for name, label, _choices in QUESTIONS:
        rows.append((str(label), str(getattr(check_in, f"get_{name}_display")() or _("Skipped"))))
    if check_in.occasion == CheckIn.Occasion.CLOSURE:
        rows.append(
            (
                str(_("Living situation")),
                str(check_in.get_living_situation_display() or _("Skipped")),
            )
        )
    return rows
