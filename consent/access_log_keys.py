"""The secret keys of the access log's chain (R27): a chain only the key holder can forge.

A plain hash chain can be rewritten by anyone who can write the table: edit a row, recompute
every later hash. Each event's hash is therefore an HMAC under a key kept outside the database,
in ``settings.HARBOR_ACCESS_LOG_KEYS`` (newest first). The newest key chains new events and
signs checkpoints; every configured key still verifies the events and checkpoints it made. Each
event names its key by an id derived from the key, so a rotation only prepends a key: the old
one stays configured for as long as its events are kept, and signs nothing new.

Without keys, development derives one from SECRET_KEY; coordination.checks refuses production
without keys, as for the field keys (cases.encryption).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

MINIMUM_KEY_LENGTH = 32
_KEY_SETTINGS = frozenset({"HARBOR_ACCESS_LOG_KEYS", "SECRET_KEY", "DEBUG"})
_cached: list[ChainKey] | None = None


@dataclass(frozen=True)
class ChainKey:
    """One key of the chain: its public id and a ready HMAC-SHA256 to copy per message."""

    key_id: str
    _base: Any = field(repr=False, compare=False)

    @classmethod
    def from_secret(cls, secret: str) -> ChainKey:
        raw = secret.encode()
        key_id = hmac.new(raw, b"harbor.access-log.key-id", hashlib.sha256).hexdigest()[:12]
        return cls(key_id=key_id, _base=hmac.new(raw, digestmod=hashlib.sha256))

    def mac(self, message: str) -> str:
        """Hex HMAC-SHA256 of ``message``; copying the keyed state costs less than re-keying."""
        digest = self._base.copy()
        digest.update(message.encode())
        return digest.hexdigest()


def development_secret() -> str:
    """The key development uses when HARBOR_ACCESS_LOG_KEYS is unset, stable for one SECRET_KEY."""
    return salted_hmac("harbor.access-log-chain", "", algorithm="sha256").hexdigest()


def _may_use_development_key() -> bool:
    # As in cases.encryption: pytest-django turns DEBUG off, the development SECRET_KEY does not.
    return settings.DEBUG or settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY


def configured_secrets() -> list[str]:
    """The secrets in force, newest first."""
    secrets = [key.strip() for key in settings.HARBOR_ACCESS_LOG_KEYS if key.strip()]
    if secrets:
        return secrets
    if _may_use_development_key():
        return [development_secret()]
    raise ImproperlyConfigured(
        "HARBOR_ACCESS_LOG_KEYS is not set (README: Running against PostgreSQL)."
    )


def short_key_positions(secrets: list[str]) -> list[int]:
    """1-based positions of keys too short to be secret (the keys themselves never printed)."""
    return [
        position
        for position, secret in enumerate(secrets, start=1)
        if len(secret.strip()) < MINIMUM_KEY_LENGTH
    ]


def chain_keys() -> list[ChainKey]:
    """The keys in force, newest first; built once and rebuilt when the settings change."""
    global _cached
    if _cached is None:
        _cached = [ChainKey.from_secret(secret) for secret in configured_secrets()]
    return _cached


def signing_key() -> ChainKey:
    """The key that chains new events and signs checkpoints."""
    return chain_keys()[0]


def key_by_id(key_id: str) -> ChainKey | None:
    """The configured key with this id, or None (an unknown key, or an unkeyed row)."""
    for key in chain_keys():
        if key.key_id == key_id:
            return key
    return None


@receiver(setting_changed)
def _forget_keys_when_settings_change(*, setting: str, **kwargs: Any) -> None:
    global _cached
    if setting in _KEY_SETTINGS:
        _cached = None
