"""OpenAPI schema details that drf-spectacular cannot read from the serializers by itself."""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema


def sometimes_left_out(serializer: Any) -> set[str]:
    """Response fields a serializer leaves out for some viewers: what a release withholds
    (``lead_only_fields``, ``field_categories``) and ``schema_optional_fields``."""
    return {
        *getattr(serializer, "schema_optional_fields", ()),
        *getattr(serializer, "lead_only_fields", ()),
        *getattr(serializer, "field_categories", {}),
    }


class SometimesLeftOutFieldsExtension(OpenApiSerializerExtension):
    """Read-only fields are ``required`` in the schema; the ones a viewer may not see are not,
    or every partner's response would break the schema clients are generated from."""

    target_class = "rest_framework.serializers.Serializer"
    match_subclasses = True

    @classmethod
    def _matches(cls, target: Any) -> bool:
        return super()._matches(target) and bool(sometimes_left_out(target))

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction != "response":  # what a client sends is required as before
            return schema
        optional = sometimes_left_out(self.target)
        required = [name for name in schema.get("required", []) if name not in optional]
        schema.pop("required", None)
        if required:
            schema["required"] = required
        return schema
