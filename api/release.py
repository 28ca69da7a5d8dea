"""What a partner's response carries: only released categories, and the notice beside them.

Views that partners can reach put a ``releases`` map into the serializer context (one batch
per page, from the policy); serializers with ``ReleasedFieldsMixin`` then drop the fields of
every category the viewer may not see and lead-only fields, and add ``withheld_categories``,
``released_under`` and the no-redisclosure notice (R17, R19, R20). A record with no release
in the context is shown as to an outsider: nothing categorized, nothing lead-only.
"""

from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

from rest_framework import serializers

from api.access import ViewerMixin, request_viewer
from consent.models import REDISCLOSURE_NOTICE
from consent.policy import (
    NOTHING_RELEASED,
    Release,
    releases_for_cases,
    releases_for_people,
    releases_from_accesses,
)


def release_envelope(release: Release) -> dict[str, Any]:
    """The fields every response about a case's data carries for its viewer."""
    envelope: dict[str, Any] = {"withheld_categories": release.withheld_categories}
    if not release.is_lead:
        envelope["released_under"] = [
            {
                "consent": grant.consent_id,
                "purpose": grant.purpose,
                "categories": sorted(grant.categories),
            }
            for grant in release.grants
        ]
        envelope["redisclosure_notice"] = REDISCLOSURE_NOTICE
    return envelope


class ReleasedFieldsMixin(serializers.Serializer):
    """Drops what the viewer's release does not cover. Subclasses say which field is which.

    ``field_categories`` maps a field to the data category it belongs to; ``lead_only_fields``
    are the lead organization's working data, which no consent releases; ``staff_only_fields``
    are also kept from the young person reading their own record (safety marks someone else
    could see on their device); ``release_key`` names the attribute that picks the release out
    of the context (``case_id`` or ``person_id``).
    """

    field_categories: Mapping[str, str] = {}
    lead_only_fields: tuple[str, ...] = ()
    staff_only_fields: tuple[str, ...] = ()
    release_key = "case_id"

    def _read_by_young_person(self) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        viewer = request_viewer(request)
        return viewer.person_id is not None and not viewer.roles

    def release_for(self, instance: Any) -> Release:
        releases = self.context.get("releases", {})
        return releases.get(attrgetter(self.release_key)(instance), NOTHING_RELEASED)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        release = self.release_for(instance)
        if not release.is_lead or (self.staff_only_fields and self._read_by_young_person()):
            for name in (*self.lead_only_fields, *self.staff_only_fields):
                data.pop(name, None)
            for name, category in self.field_categories.items():
                if category not in release.categories:
                    data.pop(name, None)
        data.update(release_envelope(release))
        return data


class ReleasesMixin(ViewerMixin):
    """For viewsets partners can reach: every serializer gets the releases of its records.

    ``release_scope`` says whether records hang off a case or a young person, and
    ``release_key`` (same as the serializer's) how to find that id on a record.
    """

    release_scope = "case"
    release_key = "case_id"

    def releases(self, records: Iterable[Any]) -> dict[int, Release]:
        ids = sorted({attrgetter(self.release_key)(record) for record in records})
        noted = self._noted_page_accesses()
        if self.release_scope == "case" and noted and noted.keys() >= set(ids):
            return releases_from_accesses({case_id: noted[case_id] for case_id in ids})
        batch: Callable[..., dict[int, Release]] = (
            releases_for_people if self.release_scope == "person" else releases_for_cases
        )
        keyword = "person_ids" if self.release_scope == "person" else "case_ids"
        return batch(viewer=self.viewer, **{keyword: ids})

    def _noted_page_accesses(self) -> dict[int, Any]:
        """What the page's access log entry already found (``api.pagination``), this request."""
        paginator = getattr(self, "paginator", None)  # GenericAPIView's, None when unpaged
        return getattr(paginator, "page_accesses", None) or {}

    def release_context(self, records: Iterable[Any]) -> dict[str, Any]:
        return {"request": self.request, "releases": self.releases(records)}

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            records = list(instance) if kwargs.get("many") else [instance]
            context = self.get_serializer_context()  # type: ignore[attr-defined]
            context["releases"] = self.releases(records)
            kwargs["context"] = context
        return super().get_serializer(*args, **kwargs)  # type: ignore[misc]
