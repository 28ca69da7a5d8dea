"""gunicorn's settings for Harbor.

    gunicorn coordination.wsgi -c python:coordination.gunicorn_conf

The caseload search and the directory filters carry what was typed in the query string
(``/cases/?q=<alias>``). gunicorn's access log keeps the method, path, status, size and time of
each request but never a query string's values (R25), and neither does its error log
("Error handling request /cases/?q=..."). Dockerfile, docker-compose.yml and bench/http.py start
gunicorn with this module.
"""

from datetime import timedelta
from typing import Any

from gunicorn.config import Config
from gunicorn.glogging import Logger

from coordination.logging import PersonalDataFilter, mask_query, mask_text

# The access-log atoms that are a bare query string, without the "?" mask_text looks for.
_QUERY_ATOMS = frozenset({"q", "{query_string}e"})
_ERROR_LOG_FILTER = PersonalDataFilter()


class MaskedQueryLogger(Logger):
    """gunicorn's logger with the values of every query string masked: in each access-log atom
    (the request line ``%(r)s``, ``%(q)s``, the referer, headers, environ variables) and in
    every error-log message."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_ERROR_LOG_FILTER)  # the same instance: added once

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: timedelta) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            atoms[key] = mask_query(value) if key in _QUERY_ATOMS else mask_text(value)
        return atoms


logger_class = MaskedQueryLogger
