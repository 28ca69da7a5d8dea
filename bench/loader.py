"""Bulk loading with ids chosen up front: COPY on PostgreSQL, ``bulk_create`` elsewhere.

The generator builds model instances with their primary keys already set (taken from a counter
per table, above what the table holds), so rows can point at each other before any is written
and nothing has to be read back. On SQLite they go through ``bulk_create``. COPY writes each
attribute as psycopg adapts it, except where Django's own preparation matters: encrypted
fields are encrypted (``get_prep_value``), JSON is serialized, and an unset ``auto_now`` /
``auto_now_add`` is stamped. Rows that need no preparation but encryption (the guardian rows,
millions of them; check-ins and their goal progress) skip the model instance: ``add_values``,
with an id chosen up front where other rows point at them. Foreign keys are deferred to commit
on both databases, so buffers may be flushed in any order.
"""

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone

from cases.encryption import EncryptedFieldMixin

FLUSH_AT = 5000


class Loader:
    """Buffers instances per model and writes them in large batches."""

    def __init__(self) -> None:
        self._next_id: dict[type[models.Model], int] = {}
        self._buffers: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self._values: dict[tuple[type[models.Model], tuple[str, ...]], list[tuple]] = defaultdict(
            list
        )
        self.counts: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self._postgres = connection.vendor == "postgresql"
        self._templates: dict[type[models.Model], tuple[dict, list, frozenset]] = {}

    def new(self, model: type[models.Model], **values: Any) -> models.Model:
        """An unsaved instance from attnames (``case_id``), with the fields' defaults.

        What ``Model(**values)`` makes, without its per-field keyword handling, which costs
        more than everything else the generator does per row.
        """
        if model not in self._templates:
            fields = model._meta.concrete_fields
            made = [
                (f.attname, f.default) for f in fields if f.has_default() and callable(f.default)
            ]
            fixed = {
                f.attname: f.get_default() for f in fields if (f.attname, f.default) not in made
            }
            self._templates[model] = (fixed, made, frozenset(f.attname for f in fields))
        fixed, made, attnames = self._templates[model]
        unknown = values.keys() - attnames
        if unknown:
            raise TypeError(f"{model.__name__} has no columns {sorted(unknown)}")
        obj = model.__new__(model)
        obj.__dict__.update(fixed)
        for attname, default in made:
            obj.__dict__[attname] = default()
        obj.__dict__.update(values)
        obj._state = ModelState()
        return obj

    def add_new(self, model: type[models.Model], **values: Any) -> models.Model:
        """``add(new(model, **values))``."""
        return self.add(self.new(model, **values))

    def next_id(self, model: type[models.Model]) -> int:
        """A fresh primary key for ``model`` (above every row the table held at the start)."""
        if model not in self._next_id:
            current = model._base_manager.aggregate(top=Max("pk"))["top"] or 0
            self._next_id[model] = current + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def add(self, obj: models.Model) -> models.Model:
        """Queue ``obj`` (giving it an id if it has none); returns it for chaining."""
        model = type(obj)
        if obj.pk is None:
            obj.pk = self.next_id(model)
        buffer = self._buffers[model]
        buffer.append(obj)
        if len(buffer) >= FLUSH_AT:
            self._flush(model)
        return obj

    def add_all(self, objs: Iterable[models.Model]) -> None:
        for obj in objs:
            self.add(obj)

    def add_values(self, model: type[models.Model], **values: Any) -> None:
        """Queue a row given by column attnames, ready as they are but for encryption (done
        as it is written); its id comes from the table's sequence unless given
        (``id=loader.next_id(model)``, for rows others point at)."""
        key = (model, tuple(values))
        buffer = self._values[key]
        buffer.append(tuple(values.values()))
        if len(buffer) >= FLUSH_AT:
            self._flush_values(key)

    def flush(self) -> None:
        for model in list(self._buffers):
            self._flush(model)
        for key in list(self._values):
            self._flush_values(key)

    def reset_sequences(self) -> None:
        """Point each table's id sequence past the ids chosen here (PostgreSQL)."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self._next_id))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _flush(self, model: type[models.Model]) -> None:
        objs = self._buffers.pop(model, [])
        if not objs:
            return
        started = time.perf_counter()
        if self._postgres:
            self._copy(model, objs)
        else:
            model._base_manager.bulk_create(objs, batch_size=500)
        label = model._meta.label
        self.counts[label] += len(objs)
        self.seconds[label] += time.perf_counter() - started

    def _flush_values(self, key: tuple[type[models.Model], tuple[str, ...]]) -> None:
        rows = self._values.pop(key, [])
        if not rows:
            return
        model, attnames = key
        started = time.perf_counter()
        if self._postgres:
            field_of = {f.attname: f for f in model._meta.concrete_fields}
            columns = [field_of[attname].column for attname in attnames]
            self._copy_rows(model, columns, _encrypted(rows, [field_of[a] for a in attnames]))
        else:
            objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
            model._base_manager.bulk_create(objs, batch_size=500)
        label = model._meta.label
        self.counts[label] += len(rows)
        self.seconds[label] += time.perf_counter() - started

    def _copy(self, model: type[models.Model], objs: list[models.Model]) -> None:
        fields = model._meta.concrete_fields
        prepare = [(f.attname, _preparation(f)) for f in fields]
        rows = (
            [getattr(obj, attname) if prep is None else prep(obj) for attname, prep in prepare]
            for obj in objs
        )
        self._copy_rows(model, [f.column for f in fields], rows)

    def _copy_rows(self, model: type[models.Model], columns: list[str], rows: Iterable) -> None:
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _encrypted(rows: list[tuple], fields: list[models.Field]) -> Iterable[Sequence[Any]]:
    """``rows`` with their encrypted columns encrypted (the only preparation of value rows)."""
    encrypted = [(n, f) for n, f in enumerate(fields) if isinstance(f, EncryptedFieldMixin)]
    if not encrypted:
        return rows
    prepared = []
    for row in rows:
        values = list(row)
        for n, field in encrypted:
            values[n] = field.get_prep_value(values[n])
        prepared.append(values)
    return prepared


def _preparation(field: models.Field) -> Callable[[models.Model], Any] | None:
    """How COPY gets a field's value from an instance; None: the attribute as it is."""
    attname = field.attname
    if isinstance(field, EncryptedFieldMixin):
        return lambda obj: field.get_prep_value(getattr(obj, attname))
    if isinstance(field, models.JSONField):

        def serialized(obj: models.Model) -> str | None:
            value = getattr(obj, attname)
            return None if value is None else json.dumps(value, cls=field.encoder)

        return serialized
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: getattr(obj, attname) or timezone.now()
    return None
