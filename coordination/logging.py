"""Structured logs without personal data, and a request id that ties them together.

Every record becomes one JSON line. Before it is written, the values of known personal fields
(in the record's ``extra`` or in dict arguments) are replaced by a mask, and e-mail addresses,
phone-number-like strings and the values of URLs' query strings are masked in the message and
any traceback: the caseload search and the directory filters carry what was typed in the query
(``/cases/?q=<alias>``), and every request line the servers log passes through ``mask_text``
(runserver's ``django.server`` here, gunicorn's access and error logs in
``coordination.gunicorn_conf``). Each request's id
(the access log's, returned in ``X-Request-ID``) is stamped on every record of that request and
shown on error pages, so an operator finds the log lines of a report without any case data.
"""

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

MASK = "[masked]"
# Names of fields that hold personal or case data (cases/, consent/, tasks/, accounts/ models),
# plus credentials. A record's extra or a dict argument under one of these names is masked.
PERSONAL_FIELDS = frozenset(
    {
        "legal_name", "chosen_name", "full_name", "name", "alias", "recipient_name",
        "birth_date", "date_of_birth", "gender", "pronouns", "race_ethnicity",
        "race_ethnicity_codes", "sex", "sexual_orientation", "tribal_affiliation",
        "primary_language", "referral_source", "removal_reason", "area",
        "phone", "phone_number", "email", "to", "recipient", "address", "username",
        "code_word", "body", "summary", "notes", "note", "message", "text", "content",
        "description", "relation_other", "answer_note", "outcome_note", "completion_note",
        "decline_reason_text", "closed_reason_text", "changes_requested", "purpose_text",
        "revocation_reason", "evidence", "password", "token", "key", "request", "POST",
    }
)  # fmt: skip
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits with the separators phone numbers are written with; see _phone_mask for the count.
PHONE = re.compile(r"(?<![\w.-])(?<!\d:)\+?\(?\d[\d\s().-]{5,}\d(?![\w-])")
# A URL's query string: a "?" right after a path, host or file name, up to a space, a quote, an
# angle bracket or the fragment. A "?" after a space or a bracket (prose, SQL placeholders) is not.
URL_QUERY = re.compile(r"(?<=[\w/.%~-])\?([^\s\"'<>#]+)")
# One parameter of a query string: name=value, or a bare word (which may be typed text too).
_PARAMETER = re.compile(r"([^&;=]*)=([^&;]*)|([^&;=]+)")
# ISO dates and times ("2026-11-29 15:39") look like digit runs too, and carry no one's number.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}(:\d{2})*)?$|^\d{1,2}:\d{2}")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def _phone_mask(match: re.Match[str]) -> str:
    candidate = match.group()
    digits = sum(char.isdigit() for char in candidate)
    if digits < 7 or digits > 15 or _DATE_TIME.match(candidate.strip()):
        return candidate
    return MASK


def _mask_parameter(match: re.Match[str]) -> str:
    name, value, bare = match.groups()
    if bare is not None:
        return MASK
    return f"{name}={MASK}" if value else match.group()


def mask_query(query: str) -> str:
    """A query string with every value masked and the parameter names kept:
    ``q=Ana&page=2`` becomes ``q=[masked]&page=[masked]``."""
    return _PARAMETER.sub(_mask_parameter, query)


def _url_query_mask(match: re.Match[str]) -> str:
    return "?" + mask_query(match.group(1))


def mask_text(text: str) -> str:
    """Mask query-string values in URLs, e-mail addresses and phone-number-like strings; keep
    the rest readable."""
    return PHONE.sub(_phone_mask, EMAIL.sub(MASK, URL_QUERY.sub(_url_query_mask, text)))


def mask_value(key: str, value: Any) -> Any:
    """The value itself when harmless, a mask under a personal field's name."""
    if key in PERSONAL_FIELDS:
        return MASK
    if isinstance(value, dict):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return mask_text(value)
    return value


class PersonalDataFilter(logging.Filter):
    """Masks personal data in place, on the handler, so no output ever sees it unmasked."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):
            args = mask_value("", args)
        elif isinstance(args, tuple):
            args = tuple(mask_value("", arg) if isinstance(arg, dict) else arg for arg in args)
        record.args = args or None
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: keep the text
            message = str(record.msg)
        record.msg, record.args = mask_text(message), None
        for key in set(vars(record)) - _STANDARD:
            setattr(record, key, mask_value(key, getattr(record, key)))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id on the record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, message, plain extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key in sorted(set(vars(record)) - _STANDARD):
            value = getattr(record, key)
            plain = isinstance(value, str | int | float | bool | type(None))
            entry[key] = value if plain else type(value).__name__
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


class RequestIdMiddleware:
    """Stamps the request's id (``request.request_id``, given by the access-log middleware, the
    same id as its access events and the ``X-Request-ID`` header) on every log record."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = getattr(request, "request_id", None)
        if request_id is None:  # without the access-log middleware: an id of our own
            request_id = request.request_id = str(uuid.uuid4())  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response.headers.setdefault("X-Request-ID", request_id)
        return response
