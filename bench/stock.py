"""The caseload list built the stock way, and a bare view that is the machine's ceiling.

Mounted only in the benchmark's server (``bench.stock_urls``, through ``bench.settings``), so
the comparison runs in the same processes, on the same data, as Harbor's own list:

- **stock**: django-guardian's generic ``UserObjectPermission`` / ``GroupObjectPermission``
  tables (``object_pk`` a string), filled by ``mirror_guardian_rows`` from the direct-foreign-key
  rows Harbor keeps, read with ``get_objects_for_user`` as djangorestframework-guardian's
  ``ObjectPermissionsFilter`` calls it, paged by DRF's ``PageNumberPagination`` (50, with its
  ``COUNT``) and shaped by plain ``ModelSerializer``s of the same fields. It loads the person,
  organization, care team and flags the way Harbor does (``with_case_summary``), so the
  difference is the permission query and the pagination, not a query per row.
- **ceiling**: a plain Django view that returns the cases whose ids it is given, with the
  same loading and the same fields through Harbor's own faster serializer path
  (``api.fast_representation``), and no authentication, policy or access log: what Harbor's
  list would cost if it checked nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from guardian import shortcuts
from guardian.models import GroupObjectPermission, UserObjectPermission
from rest_framework import generics, serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User
from api.fast_representation import FastRepresentationMixin
from api.serializers_cases import CareTeamMemberSerializer, CaseSerializer, FlagSummarySerializer
from api.serializers_people import PersonSerializer
from cases.models import Case, Person
from cases.selectors import with_case_summary
from consent.models import CaseGroupObjectPermission, CaseUserObjectPermission
from providers.models import Membership

STAFF_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)


class StockPersonSerializer(serializers.ModelSerializer):
    """The fields of Harbor's ``PersonSerializer`` (its one computed field left out)."""

    class Meta:
        model = Person
        fields = [name for name in PersonSerializer.Meta.fields if name != "has_portal_login"]


class StockCaseSerializer(serializers.ModelSerializer):
    """The fields of Harbor's ``CaseSerializer``, with no release filtering."""

    person = StockPersonSerializer(read_only=True)
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    care_team = CareTeamMemberSerializer(source="current_team", many=True, read_only=True)
    flags = FlagSummarySerializer(source="current_flags", many=True, read_only=True)

    class Meta:
        model = Case
        fields = CaseSerializer.Meta.fields
        read_only_fields = fields


class CeilingPersonSerializer(FastRepresentationMixin, StockPersonSerializer):
    pass


class CeilingCaseSerializer(FastRepresentationMixin, StockCaseSerializer):
    """The stock fields through the path Harbor's own list uses, so the ceiling stays above
    Harbor: the difference is the checks, not the serializer."""

    person = CeilingPersonSerializer(read_only=True)


@contextmanager
def generic_permission_models() -> Iterator[None]:
    """Guardian as a project without direct-foreign-key models sees it: the generic tables.

    ``get_objects_for_user`` picks up Harbor's ``CaseUserObjectPermission`` by itself (they
    are registered for ``Case``); the stock way is the project that never declared them.
    Sync workers run one request at a time, so swapping the lookups for the call is safe.
    """
    saved = shortcuts.get_user_obj_perms_model, shortcuts.get_group_obj_perms_model
    shortcuts.get_user_obj_perms_model = lambda obj: UserObjectPermission
    shortcuts.get_group_obj_perms_model = lambda obj: GroupObjectPermission
    try:
        yield
    finally:
        shortcuts.get_user_obj_perms_model, shortcuts.get_group_obj_perms_model = saved


class StockObjectPermissionsFilter(BaseFilterBackend):
    """What djangorestframework-guardian's ``ObjectPermissionsFilter`` does (0.4.0): objects
    the user holds ``<app>.view_<model>`` on, from guardian's tables, no global permissions."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        meta = queryset.model._meta
        permission = f"{meta.app_label}.view_{meta.model_name}"
        with generic_permission_models():
            return shortcuts.get_objects_for_user(
                request.user, permission, queryset, accept_global_perms=False
            )


class StockPagination(PageNumberPagination):
    page_size = 50


class StockCaseList(generics.ListAPIView):
    """The stock caseload: guardian's filter, page numbers, a plain serializer."""

    serializer_class = StockCaseSerializer
    pagination_class = StockPagination
    filter_backends = [StockObjectPermissionsFilter]

    def get_queryset(self) -> QuerySet[Case]:
        return with_case_summary(Case.objects.order_by("-pk"))


def ceiling_cases(request: HttpRequest) -> JsonResponse:
    """The cases named by ``?ids=1,2,3`` (at most 50), shaped like the stock list. No checks."""
    ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.isdigit()][:50]
    cases = with_case_summary(Case.objects.filter(pk__in=ids).order_by("-pk"))
    return JsonResponse({"results": CeilingCaseSerializer(cases, many=True).data})


def mirror_guardian_rows(*, now: datetime) -> dict[str, int]:
    """Fill guardian's generic tables (and staff users' groups) from Harbor's own rows.

    Care-team rows become ``UserObjectPermission`` rows; partner rows in force at ``now``
    become ``GroupObjectPermission`` rows (guardian has no validity window); staff join the
    groups of the organizations they work at, which is how guardian finds group grants.
    Idempotent: the generic tables are emptied first. Benchmark databases only.
    """
    case_type = ContentType.objects.get_for_model(Case)
    quote = connection.ops.quote_name
    user_table = quote(UserObjectPermission._meta.db_table)
    group_table = quote(GroupObjectPermission._meta.db_table)
    membership_table = quote(User.groups.through._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {user_table}")  # noqa: S608 (table names, not input)
        cursor.execute(f"DELETE FROM {group_table}")  # noqa: S608
        cursor.execute(f"DELETE FROM {membership_table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {user_table} (permission_id, user_id, object_pk, content_type_id) "  # noqa: S608
            f"SELECT permission_id, user_id, CAST(content_object_id AS TEXT), %s "
            f"FROM {quote(CaseUserObjectPermission._meta.db_table)}",
            [case_type.pk],
        )
        cursor.execute(
            f"INSERT INTO {group_table} (permission_id, group_id, object_pk, content_type_id) "  # noqa: S608
            f"SELECT DISTINCT permission_id, group_id, CAST(content_object_id AS TEXT), %s "
            f"FROM {quote(CaseGroupObjectPermission._meta.db_table)} "
            f"WHERE valid_from <= %s AND valid_until > %s",
            [case_type.pk, now, now],
        )
        staff = (
            Membership.objects.filter(
                is_active=True, organization__is_active=True, role__in=STAFF_ROLES
            )
            .values_list("user_id", "organization__group_id")
            .distinct()
        )
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u, group_id=g) for u, g in staff if g is not None],
            ignore_conflicts=True,
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {user_table}, {group_table}, {membership_table}")
    return {
        "guardian.UserObjectPermission": UserObjectPermission.objects.count(),
        "guardian.GroupObjectPermission": GroupObjectPermission.objects.count(),
        "user groups": User.groups.through.objects.count(),
        "groups": Group.objects.count(),
    }


def stock_payload(data: Any) -> list[int]:
    """The case ids of a stock or ceiling response body, in order."""
    return [row["id"] for row in data["results"]]
