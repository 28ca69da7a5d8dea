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


LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


@extend_schema_field({"type": "string", "pattern": LOCAL_TIME_PATTERN})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the young person's own time zone, as ``HH:MM``. A time with an
    offset (``Z``, ``+02:00``) is a field error: safe hours follow the person's zone, not the
    sender's; and RFC 3339's ``time`` format would demand the offset Harbor refuses."""

    default_error_messages = {
        "offset": "Give a local time such as 09:00, without a time zone: safe hours are in the "
        "young person's own time zone.",
    }

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)

    def to_internal_value(self, value: object) -> object:
        if isinstance(value, str) and ("Z" in value.upper() or "+" in value or "-" in value):
            self.fail("offset")
        return super().to_internal_value(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A record's id in the query string: a whole number in the database's range, else a
    field error (400). django-filter's NumberFilter takes decimals such as 1e300."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
