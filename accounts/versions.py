"""A record's version, for "no lost edits" (R44): whoever changes a record says which version
they read, and a change made from an older one is refused instead of applied.

The version is a keyed hash of the record's stored values. Keyed, because a partner reading
part of a record gets its version too: a plain hash of the whole row would let them test
guesses of the fields no consent released to them. It lives in the lowest layer so every
app's doors (API and pages) use the same one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import models, transaction
from django.utils.crypto import salted_hmac

Record = TypeVar("Record", bound=models.Model)

SALT = "harbor.record-version"


def record_version(instance: models.Model) -> str:
    values = [
        (field.attname, field.value_to_string(instance)) for field in instance._meta.concrete_fields
    ]
    return salted_hmac(SALT, repr(values), algorithm="sha256").hexdigest()[:24]


def etag(instance: models.Model) -> str:
    return f'"{record_version(instance)}"'


class StaleVersion(Exception):
    """Someone saved the record after the version the change was made from."""

    def __init__(self, current: models.Model) -> None:
        super().__init__("The record changed since it was read.")
        self.current = current


def _unquoted(tag: str) -> str:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag.strip('"')


def version_matches(instance: models.Model, read_version: str) -> bool:
    """Whether ``read_version`` (an ETag list as in If-Match, or a form's version) names the
    record as it is now; "*" matches any version."""
    tags = {_unquoted(tag) for tag in read_version.split(",")}
    return "*" in tags or record_version(instance) in tags


@contextmanager
def unchanged_since(
    queryset: "models.QuerySet[Record]", read_version: str | None
) -> Iterator[Record]:
    """Lock the record and check it is still the version read (``None`` or "*": no check);
    the change made inside the block commits with the lock, so no other write slips between."""
    with transaction.atomic():
        locked = queryset.select_for_update().get()
        if read_version and not version_matches(locked, read_version):
            raise StaleVersion(locked)
        yield locked
