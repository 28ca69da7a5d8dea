"""``manage.py rotate_keys``: re-encrypt every encrypted field with the newest key (R37).

Rotation: put the new key first in HARBOR_FIELD_KEYS and keep the old ones after it, restart
every process, run this command, then drop the old keys. Each batch of rows is one transaction,
so it can run while Harbor serves; a second run finds nothing left to do. Documents' files
(R43) are re-encrypted too, each under a new name, the old file removed once the row points at
the new one. It prints counts per model, never a value.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Value

from cases import document_store
from cases.documents import CaseDocument
from cases.encryption import EncryptedFieldMixin, is_current_token, rotate_token


def encrypted_fields_by_model() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every model with encrypted fields, history models included, in a stable order."""
    found = []
    for model in sorted(apps.get_models(), key=lambda model: model._meta.label):
        fields = [
            field for field in model._meta.concrete_fields if isinstance(field, EncryptedFieldMixin)
        ]
        if fields:
            found.append((model, fields))
    return found


def _raw(field: models.Field) -> ExpressionWrapper:
    # Read as plain text, so the stored token comes back instead of its plaintext.
    return ExpressionWrapper(F(field.attname), output_field=models.TextField())


def rotate_model(
    model: type[models.Model], fields: list[models.Field], *, batch_size: int
) -> tuple[int, int]:
    """Re-encrypt the model's values with the newest key: (rotated, already current)."""
    pk_name = model._meta.pk.attname
    raw = {f"raw_{field.attname}": _raw(field) for field in fields}
    rotated = current = 0
    last_pk: Any = None
    while True:
        with transaction.atomic():
            rows = model._base_manager.order_by(pk_name).select_for_update()
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.annotate(**raw).values_list(pk_name, *raw)[:batch_size])
            for pk, *tokens in batch:
                changes = {}
                for field, token in zip(fields, tokens, strict=True):
                    if not token:
                        continue
                    if is_current_token(token):
                        current += 1
                        continue
                    new_token = rotate_token(token)
                    changes[field.attname] = Value(new_token, output_field=models.TextField())
                if changes:
                    # An update, not save(): rotation is not a change anyone made to the record.
                    model._base_manager.filter(pk=pk).update(**changes)
                    rotated += len(changes)
        if len(batch) < batch_size:
            return rotated, current
        last_pk = batch[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field (history included) with the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        for model, fields in encrypted_fields_by_model():
            rotated, current = rotate_model(model, fields, batch_size=batch_size)
            self.stdout.write(
                f"{model._meta.label}: {rotated} values re-encrypted, {current} already current"
            )
        rotated, current = rotate_documents()
        self.stdout.write(f"document files: {rotated} re-encrypted, {current} already current")


def rotate_documents() -> tuple[int, int]:
    """Re-encrypt every stored document's file with the newest key: (rotated, already current)."""
    rotated = current = 0
    stored = (
        CaseDocument.objects.exclude(storage_name="").order_by("pk").values_list("pk", flat=True)
    )
    for pk in list(stored):
        with transaction.atomic():
            document = CaseDocument.objects.select_for_update().filter(pk=pk).first()
            if document is None or not document.storage_name:
                continue  # deleted or purged since the list was read
            fresh = document_store.rotated_name(document.storage_name)
            if fresh is None:
                current += 1
                continue
            old = document.storage_name
            CaseDocument.objects.filter(pk=pk).update(storage_name=fresh)
            transaction.on_commit(lambda old=old: document_store.remove(old))
            rotated += 1
    return rotated, current
