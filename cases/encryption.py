"""Authenticated encryption of the most sensitive fields at rest (R37).

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256) under the keys in
``settings.HARBOR_FIELD_KEYS``, newest first: the first key encrypts, any key decrypts, and
``manage.py rotate_keys`` re-encrypts stored values with the first. Without keys, development
derives one stable key from SECRET_KEY; coordination.checks refuses production without keys.

The fields are Django's own CharField, EmailField and TextField with this mixin, so forms,
serializers and max_length validation see the plaintext. The column is ``text`` because a
token is far longer than its plaintext. The empty string stays empty (so "is it blank?" still
works in constraints and queries); any other lookup on random ciphertext is meaningless and
refused.
"""

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

_KEY_SETTINGS = frozenset({"HARBOR_FIELD_KEYS", "SECRET_KEY", "DEBUG"})
_cached: MultiFernet | None = None


class FieldDecryptionError(Exception):
    """A stored value was altered, or was encrypted with a key no longer configured."""


def development_key() -> str:
    """The key development uses when HARBOR_FIELD_KEYS is unset, stable for one SECRET_KEY."""
    digest = salted_hmac("harbor.field-encryption", "", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _may_use_development_key() -> bool:
    # pytest-django turns DEBUG off in tests; the development SECRET_KEY says "not production"
    # just as clearly (and production refuses it, harbor.E001).
    return settings.DEBUG or settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY


def configured_keys() -> list[str]:
    """The keys in force, newest first."""
    keys = [key.strip() for key in settings.HARBOR_FIELD_KEYS if key.strip()]
    if keys:
        return keys
    if _may_use_development_key():
        return [development_key()]
    raise ImproperlyConfigured("HARBOR_FIELD_KEYS is not set (README: Running against PostgreSQL).")


def malformed_key_positions(keys: list[str]) -> list[int]:
    """1-based positions of keys that are not Fernet keys (the keys themselves never printed)."""
    positions = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.strip())
        except (ValueError, TypeError):
            positions.append(position)
    return positions


def field_cipher() -> MultiFernet:
    """The MultiFernet of the keys in force, built once and rebuilt when the settings change."""
    global _cached
    if _cached is None:
        _cached = MultiFernet([Fernet(key) for key in configured_keys()])
    return _cached


@receiver(setting_changed)
def _forget_cipher_when_keys_change(*, setting: str, **kwargs: Any) -> None:
    global _cached
    if setting in _KEY_SETTINGS:
        _cached = None


def encrypt_text(plaintext: str) -> str:
    """A token for ``plaintext``; the empty string stays empty."""
    if plaintext == "":
        return ""
    return field_cipher().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """The plaintext of ``token``; raises FieldDecryptionError rather than return garbage."""
    if token == "":
        return ""
    try:
        return field_cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise FieldDecryptionError(
            "A stored encrypted value could not be decrypted: it was altered, or its key is "
            "no longer in HARBOR_FIELD_KEYS."
        ) from error


def is_current_token(token: str) -> bool:
    """Whether ``token`` is already encrypted with the newest key (rotation skips it)."""
    try:
        Fernet(configured_keys()[0]).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def rotate_token(token: str) -> str:
    """``token`` re-encrypted with the newest key (its original timestamp kept)."""
    try:
        return field_cipher().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as error:
        raise FieldDecryptionError(
            "A stored encrypted value could not be decrypted for rotation: it was altered, or "
            "its key is no longer in HARBOR_FIELD_KEYS."
        ) from error


class EncryptedFieldMixin:
    """Stores the field's value as a Fernet token in a ``text`` column."""

    def db_type(self, connection: Any) -> str:
        return connection.data_types["TextField"]

    def cast_db_type(self, connection: Any) -> str:
        return self.db_type(connection)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        return None if value is None else encrypt_text(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # Only "is null" and "is blank" mean anything on random ciphertext; Django turns the
        # None for any other lookup into a FieldError naming the field.
        return {"exact": EncryptedBlankExact, "isnull": IsNull}.get(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None


class EncryptedBlankExact(Exact):
    """``field=""`` asks whether the value is blank; any other equality cannot be answered."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.output_field.name} is encrypted: it can only be compared with the "
                "empty string (random ciphertext matches nothing else)."
            )
        return self.rhs


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField whose max_length limits the plaintext; the column holds the token."""


class EncryptedEmailField(EncryptedFieldMixin, models.EmailField):
    """An EmailField, validated as an address before it is encrypted."""


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """A TextField stored encrypted."""
