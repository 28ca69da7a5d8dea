"""The community resource directory: published services for any active member staff, with
the same filters as the search page; a member organization's admins publish, change and
remove its own services; and the directory matches of a planned service, for those who may
see it.

The directory is no case data. Young people and people without a staff role get 404.
"""

from dataclasses import replace
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin
from api.conditional import IF_MATCH, VersionedRecordMixin
from api.fields import ID_PATTERN, MAX_ID, IdFilter
from api.filters import IdFilterSet
from cases.models import PlannedService
from consent.errors import NotVisible
from consent.policy import (
    Role,
    access_case,
    can_edit_directory_entry,
    can_search_directory,
    visible_case_ids,
)
from consent.signers import youngest_possible_age
from providers.directory.selectors import (
    filter_services,
    matches_for,
    published_services,
    takes_harbor_referrals,
    with_directory_details,
)
from providers.directory.services import (
    MAX_AGE,
    MAX_WAITLIST_WEEKS,
    LocationValues,
    ServiceValues,
    create_member_service,
    delete_member_service,
    update_member_service,
    values_of,
)
from providers.models import (
    DirectoryAddressType,
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    Organization,
    ServiceType,
)

# -- what a reader gets -------------------------------------------------------------------------


class DirectoryServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name"]


class DirectoryProviderSerializer(serializers.ModelSerializer):
    member_organization = serializers.IntegerField(source="member_id", allow_null=True)
    # Plain strings: empty when not given, which a "uri" or "email" format would not allow.
    email = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)

    class Meta:
        model = DirectoryProvider
        fields = ["id", "name", "description", "email", "website", "phone", "member_organization"]


class DirectoryLocationSerializer(serializers.ModelSerializer):
    """A confidential location (a shelter) has no address or coordinates at all (R40)."""

    class Meta:
        model = DirectoryLocation
        fields = [
            "id",
            "name",
            "is_confidential",
            "area",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "country",
            "address_type",
            "latitude",
            "longitude",
            "accessibility",
        ]


class DirectoryServiceSerializer(serializers.ModelSerializer):
    provider = DirectoryProviderSerializer(read_only=True)
    service_type = DirectoryServiceTypeSerializer(read_only=True)
    areas = serializers.SlugRelatedField(many=True, read_only=True, slug_field="area")
    languages = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    locations = DirectoryLocationSerializer(many=True, read_only=True)
    takes_harbor_referrals = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)

    class Meta:
        model = DirectoryService
        fields = [
            "id",
            "provider",
            "service_type",
            "name",
            "description",
            "status",
            "minimum_age",
            "maximum_age",
            "genders",
            "eligibility_description",
            "accepting_referrals",
            "waitlist_weeks",
            "hours",
            "cost",
            "fees_description",
            "accessibility",
            "survivor_led",
            "culturally_specific",
            "email",
            "url",
            "phone",
            "is_published",
            "areas",
            "languages",
            "locations",
            "takes_harbor_referrals",
            "updated_at",
        ]
        read_only_fields = fields

    def get_takes_harbor_referrals(self, service: DirectoryService) -> bool:
        """A member organization's service: a referral can be sent to it in Harbor."""
        return takes_harbor_referrals(service)


class DirectoryMatchSerializer(DirectoryServiceSerializer):
    serves_area = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Null when the young person's area is unknown."
    )

    class Meta(DirectoryServiceSerializer.Meta):
        fields = [*DirectoryServiceSerializer.Meta.fields, "serves_area"]
        read_only_fields = fields


class DirectoryMatchesSerializer(serializers.Serializer):
    planned_service = serializers.IntegerField()
    service_type = serializers.IntegerField()
    area_known = serializers.BooleanField()
    age_known = serializers.BooleanField()
    results = DirectoryMatchSerializer(many=True)


# -- what an admin sends ------------------------------------------------------------------------


class DirectoryLocationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    is_confidential = serializers.BooleanField(default=False)
    area = serializers.CharField(max_length=60, allow_blank=True, default="")
    address_1 = serializers.CharField(max_length=200, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, allow_blank=True, default="")
    state_province = serializers.CharField(max_length=100, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, allow_blank=True, default="")
    address_type = serializers.ChoiceField(
        choices=DirectoryAddressType.choices, default=DirectoryAddressType.PHYSICAL
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, default=None
    )
    accessibility = serializers.CharField(max_length=2000, allow_blank=True, default="")


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, required=False)


class DirectoryServiceChangeSerializer(serializers.Serializer):
    """A service's fields; on a change, the ones sent replace the current ones (lists whole)."""

    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.filter(is_active=True)
    )
    name = serializers.CharField(max_length=200)
    description = _text(5000)
    status = serializers.ChoiceField(choices=DirectoryService.Status.choices, required=False)
    minimum_age = serializers.IntegerField(
        min_value=0, max_value=MAX_AGE, allow_null=True, required=False
    )
    maximum_age = serializers.IntegerField(
        min_value=0, max_value=MAX_AGE, allow_null=True, required=False
    )
    genders = serializers.ChoiceField(choices=DirectoryService.Gender.choices, required=False)
    eligibility_description = _text(5000)
    accepting_referrals = serializers.BooleanField(required=False)
    waitlist_weeks = serializers.IntegerField(
        min_value=0, max_value=MAX_WAITLIST_WEEKS, required=False
    )
    hours = _text(300)
    cost = serializers.ChoiceField(choices=DirectoryService.Cost.choices, required=False)
    fees_description = _text(300)
    accessibility = _text(5000)
    survivor_led = serializers.BooleanField(required=False)
    culturally_specific = _text(200)
    email = serializers.EmailField(allow_blank=True, required=False)
    url = serializers.URLField(max_length=200, allow_blank=True, required=False)
    phone = _text(40)
    is_published = serializers.BooleanField(required=False)
    areas = serializers.ListField(
        child=serializers.CharField(max_length=60, allow_blank=True),
        max_length=200,
        required=False,
        help_text="Counties or postal codes; trimmed, repeats dropped.",
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        max_length=50,
        required=False,
        help_text="Language codes such as en or es.",
    )
    locations = DirectoryLocationWriteSerializer(many=True, required=False, max_length=20)


class DirectoryServiceCreateSerializer(DirectoryServiceChangeSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True),
        help_text="The member organization that provides the service (you administer it).",
    )


def _values(data: dict[str, Any], base: ServiceValues | None = None) -> ServiceValues:
    """The service's values from validated data, over ``base`` (a change keeps the rest)."""
    changes = dict(data)
    if "service_type" in changes:
        changes["service_type_id"] = changes.pop("service_type").pk
    for name in ("areas", "languages"):
        if name in changes:
            changes[name] = tuple(changes[name])
    if "locations" in changes:
        changes["locations"] = tuple(LocationValues(**row) for row in changes["locations"])
    if base is None:
        return ServiceValues(**changes)
    return replace(base, **changes)


# -- the doors ----------------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_AGE})
class AgeFilter(django_filters.NumberFilter):
    """An age in whole years (0 to 120), else a field error (400)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, min_value=0, max_value=MAX_AGE, **kwargs)


class DirectoryServiceFilter(IdFilterSet):
    """The search page's filters; each one narrows through the directory's own selector."""

    service_type = IdFilter(method="narrow")
    area = django_filters.CharFilter(method="narrow", max_length=60)
    age = AgeFilter(method="narrow")
    language = django_filters.CharFilter(method="narrow", max_length=16)
    accepting_now = django_filters.BooleanFilter(method="narrow")
    q = django_filters.CharFilter(method="narrow", max_length=100, label="Words")

    class Meta:
        model = DirectoryService
        fields: list[str] = []

    def narrow(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if name == "q":
            return filter_services(queryset, text=value)
        return filter_services(queryset, **{name: value})


class DirectoryServiceViewSet(
    VersionedRecordMixin,
    ViewerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Published services of the community directory, for staff of any member organization.
    The admins of the member organization that provides a service add, change and remove it
    (a change may unpublish it); they also read their unpublished ones."""

    serializer_class = DirectoryServiceSerializer
    versioned_model = DirectoryService
    filterset_class = DirectoryServiceFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not can_search_directory(viewer=self.viewer):
            raise NotFound(_("Not found."))

    def get_queryset(self) -> QuerySet[DirectoryService]:
        if self.action == "list":
            return published_services()
        own = self.viewer.organizations_with(Role.ORG_ADMIN)
        published = DirectoryService.objects.filter(
            is_published=True, status=DirectoryService.Status.ACTIVE
        )
        return with_directory_details(
            DirectoryService.objects.filter(provider__member_id__in=own) | published
        )

    def _editable(self) -> DirectoryService:
        service = self.get_object()
        member_id = service.provider.member_id
        if member_id is None or not can_edit_directory_entry(
            viewer=self.viewer, organization_id=member_id
        ):
            raise PermissionDenied(
                _("Only the admins of the organization that provides this service change it.")
            )
        return service

    def _shaped(self, service: DirectoryService, code: int = status.HTTP_200_OK) -> Response:
        fresh = with_directory_details(DirectoryService.objects.filter(pk=service.pk)).get()
        return Response(DirectoryServiceSerializer(fresh).data, status=code)

    @extend_schema(
        request=DirectoryServiceCreateSerializer, responses={201: DirectoryServiceSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = DirectoryServiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = data.pop("organization")
        if not can_edit_directory_entry(viewer=self.viewer, organization_id=organization.pk):
            raise PermissionDenied(_("Only the organization's admins publish its services."))
        service = create_member_service(organization=organization, values=_values(data))
        return self._shaped(service, status.HTTP_201_CREATED)

    @extend_schema(
        request=DirectoryServiceChangeSerializer,
        responses=DirectoryServiceSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the fields sent; lists (areas, languages, locations) are replaced whole."""
        service = self._editable()
        serializer = DirectoryServiceChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = _values(serializer.validated_data, base=values_of(service))
        return self._shaped(update_member_service(service=service, values=values))

    def destroy(self, request: Request, pk: str) -> Response:
        """Remove the service from the directory, with locations no other service uses."""
        delete_member_service(service=self._editable())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlannedServiceDirectoryMatchesView(ViewerMixin, APIView):
    """Directory services for a planned service: of its type, for the young person's age,
    those serving their area first, then those taking referrals now, the shorter waitlist,
    and member organizations (which can receive a Harbor referral). For those who may see
    the planned service (the lead's care team and supervisors); 404 for everyone else."""

    @extend_schema(responses=DirectoryMatchesSerializer)
    def get(self, request: Request, pk: int) -> Response:
        if not can_search_directory(viewer=self.viewer) or pk > MAX_ID:
            raise NotFound(_("Not found."))
        planned = (
            PlannedService.objects.filter(
                pk=pk, goal__plan__case_id__in=visible_case_ids(viewer=self.viewer)
            )
            .select_related("goal__plan")
            .first()
        )
        if planned is None:
            raise NotVisible("No such planned service.")
        access = access_case(viewer=self.viewer, case_id=planned.goal.plan.case_id)
        person = access.case.person
        area = person.area or None
        age = youngest_possible_age(person, timezone.localdate())
        found = matches_for(service_type_id=planned.service_type_id, area=area, age=age)
        body = {
            "planned_service": planned.pk,
            "service_type": planned.service_type_id,
            "area_known": area is not None,
            "age_known": age is not None,
            "results": found,
        }
        return Response(DirectoryMatchesSerializer(body).data)
