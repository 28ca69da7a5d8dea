"""Serializer fields shared across the API."""

from rest_framework import serializers


class ChoiceListField(serializers.ListField):
    """A JSON list whose items come from a fixed set of choices."""

    def __init__(self, *, choices: list[str] | tuple, **kwargs: object) -> None:
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)
