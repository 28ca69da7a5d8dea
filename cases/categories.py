"""Data categories: the units a young person releases to a partner (DESIGN.md, data categories)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Identity (name, alias, date of birth, demographics)")
    CONTACT = "contact", _("Contact (phone, e-mail, address, safe-contact rules)")
    PLAN = "plan", _("Service plan (approved goals and services)")
    NOTES = "notes", _("Case notes (not staff-only)")
    DOCUMENTS = "documents", _("Documents")
    FAMILY = "family", _("Family (household members and their relation)")


DATA_CATEGORIES = tuple(DataCategory.values)
# Categories that identify the young person: they never leave the lead organization without
# a consent covering them (R17).
IDENTIFYING_CATEGORIES = frozenset({DataCategory.IDENTITY, DataCategory.CONTACT})


def category_permission(category: str) -> str:
    """The codename of the object permission that lets its holder see a category of a case."""
    return f"view_case_{category}"
