"""Serializer fields and filters shared across the API."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The largest primary key the database holds (BigAutoField): a larger id in a query would
# overflow the driver (a 500) instead of finding nothing.
MAX_ID = 2**63 - 1
# An id in a route: digits only, and short enough to stay below MAX_ID, so that anything else
# is a plain 404 before a view, the policy or the access log turns it into a query.
ID_PATTERN = r"[0-9]{1,18}"


class ChoiceListField(serializers.ListField):
    """A JSON list whose items come from a fixed set of choices."""

    def __init__(self, *, choices: list[str] | tuple, **kwargs: object) -> None:
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A record's id in the query string: a whole number in the database's range, else a
    field error (400). django-filter's NumberFilter takes decimals such as 1e300."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
