"""Outcome check-ins (issue 21): the lead's care team records them with the young person, the
young person answers their own (``answered_by: portal``); a correction is a new check-in.

No consent releases check-ins: partners see none (consent.policy.visible_check_ins).
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.serializers_cases import CloseCaseSerializer
from cases.checkins import (
    CHECK_IN_CATEGORY,
    CheckIn,
    EngagementAnswer,
    GoalProgress,
    HousingAnswer,
    LivingSituation,
    SafetyRating,
    YesNoAnswer,
)
from cases.models import Case
from cases.services.checkins import (
    CheckInAnswers,
    GoalAnswer,
    code_goal_progress,
    correct_check_in,
    record_check_in,
)
from consent.access_log import note_page_access
from consent.policy import Action, access_case, access_check_in, visible_cases, visible_check_ins


class GoalProgressSerializer(serializers.ModelSerializer):
    """Progress on one goal: the young person's words and the staff's code (blank: not yet)."""

    class Meta:
        model = GoalProgress
        fields = ["id", "goal", "words", "code"]


class CheckInSerializer(serializers.ModelSerializer):
    """One check-in; a blank answer is a question skipped, ``prefers_not`` one declined."""

    goal_progress = GoalProgressSerializer(many=True, read_only=True)
    corrected_by = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "case",
            "occasion",
            "recorded_at",
            "answered_by",
            "safety",
            "housing",
            "school_or_work",
            "trusted_adult",
            "health_care",
            "living_situation",
            "goal_progress",
            "corrects",
            "corrected_by",
        ]
        read_only_fields = fields
        # A skipped answer is blank: DRF drops allow_blank from read-only fields, and the
        # schema would then refuse "".
        extra_kwargs = {
            name: {"allow_blank": True}
            for name in (
                "safety",
                "housing",
                "school_or_work",
                "trusted_adult",
                "health_care",
                "living_situation",
            )
        }

    def get_corrected_by(self, check_in: CheckIn) -> int | None:
        """The check-in that corrects this one, if any: then this one no longer counts."""
        correction = getattr(check_in, "corrected_by", None)
        return correction.pk if correction is not None else None


class GoalAnswerSerializer(serializers.Serializer):
    goal = serializers.IntegerField(min_value=1)
    words = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    code = serializers.ChoiceField(
        choices=GoalProgress.Code.choices, required=False, allow_blank=True
    )


def _answer(choices: type) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices.choices, required=False, allow_blank=True)


class CheckInAnswersSerializer(serializers.Serializer):
    """The answers: every one optional."""

    answered_by = serializers.ChoiceField(choices=CheckIn.AnsweredBy.choices)
    safety = _answer(SafetyRating)
    housing = _answer(HousingAnswer)
    school_or_work = _answer(EngagementAnswer)
    trusted_adult = _answer(YesNoAnswer)
    health_care = _answer(YesNoAnswer)
    living_situation = _answer(LivingSituation)
    goals = GoalAnswerSerializer(many=True, required=False)

    def answers(self) -> CheckInAnswers:
        return answers_from(self.validated_data)


def answers_from(validated: dict) -> CheckInAnswers:
    """The service's answers from a ``CheckInAnswersSerializer``'s validated data."""
    data = dict(validated)
    goals = tuple(
        GoalAnswer(goal_id=g["goal"], words=g.get("words", ""), code=g.get("code", ""))
        for g in data.pop("goals", [])
    )
    fields = {k: v for k, v in data.items() if k in CheckInAnswers.__dataclass_fields__}
    return CheckInAnswers(**fields, goals=goals)


class CloseWithCheckInSerializer(CloseCaseSerializer):
    """Closing a case, with its closure check-in when the young person answered it (issue 21);
    without one, the continuity engine asks for it later."""

    check_in = CheckInAnswersSerializer(required=False)


class NewCheckInSerializer(CheckInAnswersSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    occasion = serializers.ChoiceField(choices=CheckIn.Occasion.choices)
    recorded_at = serializers.DateTimeField(required=False)


class GoalCodeSerializer(serializers.Serializer):
    goal = serializers.IntegerField(min_value=1)
    code = serializers.ChoiceField(choices=GoalProgress.Code.choices)


class CheckInFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = CheckIn
        fields = ["case", "occasion"]


class CheckInViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Check-ins of cases the viewer leads, or their own. The care team and supervisors record
    and correct them and code progress on goals; the young person answers their own."""

    access_log_case_field = "case_id"
    access_log_categories = (CHECK_IN_CATEGORY,)

    serializer_class = CheckInSerializer
    filterset_class = CheckInFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[CheckIn]:
        return (
            visible_check_ins(viewer=self.viewer)
            .select_related("corrected_by")
            .prefetch_related("goal_progress")
            .order_by("-recorded_at", "-pk")
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        """One check-in; the read is in the case's access log, a refused one too (R24)."""
        check_in = access_check_in(viewer=self.viewer, check_in_id=int(pk))
        note_page_access(
            viewer=self.viewer,
            case_ids=[check_in.case_id],
            action="view",
            categories=self.access_log_categories,
        )
        return Response(self._shown(check_in))

    @extend_schema(request=NewCheckInSerializer, responses={201: CheckInSerializer})
    def create(self, request: Request) -> Response:
        """Record a check-in: staff with the young person, or the young person themself
        (``answered_by: portal``)."""
        serializer = NewCheckInSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answered_by = data["answered_by"]
        wanted = Action.ANSWER_CHECK_IN if answered_by == "portal" else Action.EDIT
        access = access_case(viewer=self.viewer, case_id=data["case"].pk, action=wanted)
        check_in = record_check_in(
            case=access.case,
            actor=request.user,
            occasion=data["occasion"],
            answered_by=answered_by,
            answers=serializer.answers(),
            recorded_at=data.get("recorded_at"),
        )
        return Response(self._shown(check_in), status=status.HTTP_201_CREATED)

    @extend_schema(request=CheckInAnswersSerializer, responses={201: CheckInSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        """Correct this check-in: a new one with the right answers, naming this one."""
        check_in = access_check_in(viewer=self.viewer, check_in_id=int(pk), action=Action.EDIT)
        serializer = CheckInAnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        correction = correct_check_in(
            check_in=check_in,
            actor=request.user,
            answered_by=serializer.validated_data["answered_by"],
            answers=serializer.answers(),
        )
        return Response(self._shown(correction), status=status.HTTP_201_CREATED)

    @extend_schema(request=GoalCodeSerializer, responses=CheckInSerializer)
    @action(detail=True, methods=["post"])
    def code(self, request: Request, pk: str) -> Response:
        """Code what the young person said about one goal (once; later, correct the
        check-in)."""
        check_in = access_check_in(viewer=self.viewer, check_in_id=int(pk), action=Action.EDIT)
        serializer = GoalCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        progress = check_in.goal_progress.filter(goal_id=serializer.validated_data["goal"]).first()
        if progress is None:
            raise serializers.ValidationError({"goal": ["This check-in has no answer on it."]})
        code_goal_progress(
            progress=progress, actor=request.user, code=serializer.validated_data["code"]
        )
        return Response(self._shown(check_in))

    def _shown(self, check_in: CheckIn) -> dict:
        return CheckInSerializer(self.get_queryset().get(pk=check_in.pk)).data
