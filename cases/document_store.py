"""Where documents' files live: encrypted with the field keys (R37), in the "documents" storage.

The storage is Django's storage API (``STORAGES["documents"]``): a folder in the data
directory by default, S3-compatible object storage through django-storages in production
(README: Documents). It only ever holds Fernet tokens; names are random and say nothing of
the case or the young person.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime

from cryptography.fernet import InvalidToken
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from cases.encryption import FieldDecryptionError, field_cipher, is_current_token


def document_storage() -> Storage:
    return storages["documents"]


def store(content: bytes) -> str:
    """Encrypt ``content`` and store it under a new random name, which is returned."""
    token = field_cipher().encrypt(content)
    return document_storage().save(f"{uuid.uuid4().hex}.bin", ContentFile(token))


def _token(name: str) -> bytes:
    with document_storage().open(name, "rb") as stored:
        return stored.read()


def read(name: str) -> bytes:
    """The plaintext of a stored document; raises FieldDecryptionError if it was altered."""
    try:
        return field_cipher().decrypt(_token(name))
    except InvalidToken as error:
        raise FieldDecryptionError(
            "A stored document could not be decrypted: it was altered, or its key is no longer "
            "in HARBOR_FIELD_KEYS."
        ) from error


def remove(name: str) -> None:
    if name:
        document_storage().delete(name)


def rotated_name(name: str) -> str | None:
    """Re-encrypt a stored document with the newest key under a new name (None: current).

    A new name, so the old file stays whole until the row points at the new one; the caller
    removes the old one after that is saved.
    """
    token = _token(name)
    if is_current_token(token.decode("ascii")):
        return None
    try:
        fresh = field_cipher().rotate(token)
    except InvalidToken as error:
        raise FieldDecryptionError(
            "A stored document could not be decrypted for rotation: it was altered, or its key "
            "is no longer in HARBOR_FIELD_KEYS."
        ) from error
    return document_storage().save(f"{uuid.uuid4().hex}.bin", ContentFile(fresh))


def stray_names(*, referenced: Iterable[str], older_than: datetime) -> list[str]:
    """Stored files no document row names, written before ``older_than``: left by a process
    that stopped between writing a file and its row, or before removing a deleted one."""
    storage = document_storage()
    kept = set(referenced)
    _folders, files = storage.listdir("")
    return [
        name for name in files if name not in kept and storage.get_modified_time(name) < older_than
    ]
