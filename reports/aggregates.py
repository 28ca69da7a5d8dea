"""SQL aggregates the reports share. ``Median``: the median of a column in one aggregate query,
on PostgreSQL and on SQLite.

PostgreSQL has ``percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)``. SQLite has no median, so
a Python aggregate is registered on every new SQLite connection (``connection_created``), the
way Django registers its own SQLite functions; the query stays one query on both. Both take
the mean of the two middle values of an even count, and both ignore NULLs.
"""

import statistics
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func
from django.dispatch import receiver

SQLITE_MEDIAN = "harbor_median"


class _SQLiteMedian:
    """The SQLite aggregate: collect the non-NULL values, answer their median."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


@receiver(connection_created, dispatch_uid="harbor-sqlite-median")
def register_sqlite_median(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SQLiteMedian)


class Median(Aggregate):
    """The median of a numeric expression (NULLs ignored; None when there is no value)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return super().as_sql(
            compiler,
            connection,
            function=SQLITE_MEDIAN,
            template="%(function)s(%(expressions)s)",
            **extra,
        )


class DaysBetween(Func):
    """``later - earlier`` in days, as a fraction (NULL when either is NULL)."""

    arity = 2
    output_field = FloatField()

    def _parts(self, compiler: Any, connection: Any) -> tuple[str, str, list]:
        later, earlier = (compiler.compile(expression) for expression in self.source_expressions)
        return later[0], earlier[0], [*later[1], *earlier[1]]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        later, earlier, params = self._parts(compiler, connection)
        return f"(julianday({later}) - julianday({earlier}))", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        later, earlier, params = self._parts(compiler, connection)
        return (
            f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0 AS double precision)",
            params,
        )
