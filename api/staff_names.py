"""Staff members in responses a young person reads: a name or a role, never an e-mail.

Serializers that nest a staff member (``StaffSerializer``) mix in ``StaffNamesMixin`` and say
where each staff member's organization is; for a young person the nested staff member becomes
what ``consent.staff_names`` decides (issue 19). Staff readers see the response unchanged.
"""

from collections.abc import Mapping
from operator import attrgetter
from typing import Any

from rest_framework import serializers

from api.access import request_viewer
from cases.models import Case
from consent.staff_names import staff_as_young_person_sees
from providers.models import Organization

# Where a record's staff member works: the record's own organization, or its case's lead.
ORGANIZATION = "organization"
CASE_LEAD = "case_lead"


class StaffNamesMixin(serializers.Serializer):
    """``staff_details`` maps each nested staff field to (user attribute, where the staff
    member works: (``ORGANIZATION``, attribute of the organization id) or (``CASE_LEAD``,
    attribute of the case id))."""

    staff_details: Mapping[str, tuple[str, tuple[str, str]]] = {}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self._young_person_reads():
            return data
        for name, (user_attribute, (kind, id_attribute)) in self.staff_details.items():
            if data.get(name) is None:
                continue
            organization = self._organization(kind, attrgetter(id_attribute)(instance))
            user = attrgetter(user_attribute)(instance)
            data[name] = {
                "id": data[name]["id"],
                "full_name": staff_as_young_person_sees(user=user, organization=organization),
                "email": None,
            }
        return data

    def _young_person_reads(self) -> bool:
        """A portal reader (the young person) with no staff role anywhere."""
        request = self.context.get("request")
        if request is None:
            return False
        viewer = request_viewer(request)
        return viewer.person_id is not None and not viewer.staff_organizations

    def _organization(self, kind: str, key: int | None) -> Organization | None:
        # One query per organization or case on a page, shared by every row and nested list.
        cache = self.context.setdefault("_staff_organizations", {})
        if key is None:
            return None
        if (kind, key) not in cache:
            if kind == CASE_LEAD:
                found = Organization.objects.filter(
                    pk__in=Case.objects.filter(pk=key).values("lead_organization_id")
                ).first()
            else:
                found = Organization.objects.filter(pk=key).first()
            cache[(kind, key)] = found
        return cache[(kind, key)]
