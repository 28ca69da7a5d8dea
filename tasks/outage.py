"""A database connection lost mid-task: stop at once and let Celery retry the whole task.

Rows are never retried one by one on a connection that is gone: every later query would fail
the same way. Logs and task results name the error's class only, never its message, which
may quote a value from a row.
"""

from django.db import InterfaceError, OperationalError

# The connection (or the server) is gone, or the statement was cancelled: nothing in the
# row is at fault.
CONNECTION_LOST = (OperationalError, InterfaceError)


class DatabaseLost(Exception):
    """A task stopped because its database connection was lost: which work, and the error's
    class."""

    @classmethod
    def of(cls, *, work: str, error: BaseException) -> "DatabaseLost":
        # One plain argument, so the exception survives pickling into a task result.
        return cls(f"{work} stopped: database connection lost ({type(error).__name__})")
