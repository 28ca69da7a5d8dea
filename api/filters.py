"""The filter backend of every list: a related record is filtered by its id as a number.

django-filter turns a relation in ``filterset_fields`` into a choice filter that validates
the id against the related model's whole table: a 400 "Select a valid choice" for an id that
does not exist, 200 for one the viewer may not see, an existence oracle. Here a relation is
an ``IdFilter`` applied inside the view's (policy-bounded) queryset instead, so a forbidden
id and a missing one both list nothing.
"""

from typing import Any, ClassVar

from django.db import models
from django_filters import rest_framework as filters

from api.fields import IdFilter

_BY_ID: dict[str, Any] = {"filter_class": IdFilter}


class IdFilterSet(filters.FilterSet):
    """django-filter's FilterSet with every relation filtered by id."""

    FILTER_DEFAULTS: ClassVar[dict] = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: _BY_ID,
        models.OneToOneField: _BY_ID,
        models.ManyToManyField: _BY_ID,
        models.OneToOneRel: _BY_ID,
        models.ManyToOneRel: _BY_ID,
        models.ManyToManyRel: _BY_ID,
    }


class IdFilterBackend(filters.DjangoFilterBackend):
    """Builds ``filterset_fields`` on ``IdFilterSet``."""

    filterset_base = IdFilterSet
