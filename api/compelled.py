"""Compelled disclosures (R23): recorded by the lead organization's staff, read on lead bases.

Only the lead organization's care team and supervisors (who may edit the case) record one;
they and the young person read them. Partners never see them: a compelled disclosure is the
lead organization's record of what the law made it hand over, not released data.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.fields import ID_PATTERN, ChoiceListField, IdFilter
from api.filters import IdFilterSet
from cases.categories import DATA_CATEGORIES
from cases.models import Case
from consent.compelled import record_compelled_disclosure
from consent.models import CompelledAuthority, CompelledDisclosure
from consent.policy import Action, access_case, lead_cases, visible_case_ids


class CompelledDisclosureSerializer(serializers.ModelSerializer):
    """A disclosure compelled by a court order or a statute, with its legal authority."""

    # Free text here so a "subpoena" reaches the service, which says why it is refused.
    authority = serializers.CharField(
        max_length=40, help_text=f"One of: {', '.join(CompelledAuthority.values)}."
    )
    categories = ChoiceListField(choices=DATA_CATEGORIES, allow_empty=True)

    class Meta:
        model = CompelledDisclosure
        fields = [
            "id",
            "case",
            "authority",
            "legal_authority",
            "recipient_name",
            "categories",
            "disclosed_at",
            "recorded_by",
            "recorded_at",
            "young_person_notified_at",
        ]
        read_only_fields = ["id", "recorded_by", "recorded_at", "young_person_notified_at"]
        extra_kwargs = {
            "case": {"queryset": Case.objects.none()},
            # Blank values reach the service, whose messages say what to write.
            "legal_authority": {"allow_blank": True},
            "recipient_name": {"allow_blank": True},
        }


class CompelledDisclosureFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = CompelledDisclosure
        fields = ["case", "authority"]


class CompelledDisclosureViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Compelled disclosures of cases the viewer holds a lead basis on (404 for anyone else).
    Staff who may edit the case record them; recording one opens a follow-up to tell the
    young person."""

    serializer_class = CompelledDisclosureSerializer
    filterset_class = CompelledDisclosureFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "head", "options"]
    access_log_case_field = "case_id"

    def get_queryset(self) -> QuerySet[CompelledDisclosure]:
        return CompelledDisclosure.objects.filter(case_id__in=visible_case_ids(viewer=self.viewer))

    @extend_schema(
        request=CompelledDisclosureSerializer, responses={201: CompelledDisclosureSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = CompelledDisclosureSerializer(data=request.data)
        # Lead cases only: to a partner the case is "not found", as everywhere else.
        serializer.fields["case"].queryset = lead_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = access_case(viewer=self.viewer, case_id=data.pop("case").pk, action=Action.EDIT)
        disclosure = record_compelled_disclosure(case=access.case, actor=request.user, **data)
        return Response(
            CompelledDisclosureSerializer(disclosure).data, status=status.HTTP_201_CREATED
        )
