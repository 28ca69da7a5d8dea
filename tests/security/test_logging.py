"""Logs are JSON lines with the request's id, and carry no personal data: known personal
fields are masked in a record's extra and arguments, e-mail addresses and phone numbers in its
message and traceback."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from coordination.logging import (
    MASK,
    JsonFormatter,
    PersonalDataFilter,
    RequestIdFilter,
    mask_text,
    request_id_var,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the configured console handler would write, for the logger "harbor.test"."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("harbor.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_personal_fields_in_extra_are_masked(log_lines: io.StringIO) -> None:
    logging.getLogger("harbor.test").info(
        "case %s updated",
        42,
        extra={"legal_name": "Maria Lopez", "code_word": "bluebird", "case_id": 42},
    )
    (entry,) = entries(log_lines)
    assert entry["message"] == "case 42 updated"
    assert entry["legal_name"] == MASK and entry["code_word"] == MASK
    assert entry["case_id"] == 42
    assert "Maria" not in log_lines.getvalue() and "bluebird" not in log_lines.getvalue()


def test_personal_fields_in_dict_arguments_are_masked(log_lines: io.StringIO) -> None:
    logging.getLogger("harbor.test").info(
        "note by %(author_id)s: %(body)s", {"author_id": 7, "body": "She is staying at 12 Elm"}
    )
    (entry,) = entries(log_lines)
    assert entry["message"] == f"note by 7: {MASK}"


def test_email_addresses_and_phone_numbers_in_messages_are_masked(
    log_lines: io.StringIO,
) -> None:
    logging.getLogger("harbor.test").warning(
        "delivery to %s failed, also tried +1 (512) 555-0199", "ana.garcia@example.org"
    )
    (entry,) = entries(log_lines)
    assert "ana.garcia" not in entry["message"] and "555" not in entry["message"]
    assert entry["message"] == f"delivery to {MASK} failed, also tried {MASK}"


def test_tracebacks_are_masked_too(log_lines: io.StringIO) -> None:
    try:
        raise ValueError("duplicate key (email)=(ana.garcia@example.org)")
    except ValueError:
        logging.getLogger("harbor.test").exception("saving failed")
    (entry,) = entries(log_lines)
    assert "ValueError" in entry["exception"]
    assert "ana.garcia" not in log_lines.getvalue()


def test_dates_times_and_ids_stay_readable() -> None:
    text = "swept 1200 follow-ups at 2026-11-29 15:39:46 for case 12345"
    assert mask_text(text) == text


def test_every_record_of_a_request_carries_its_id(log_lines: io.StringIO) -> None:
    token = request_id_var.set("abc123def456")
    try:
        logging.getLogger("harbor.test").info("inside a request")
    finally:
        request_id_var.reset(token)
    logging.getLogger("harbor.test").info("outside")
    inside, outside = entries(log_lines)
    assert inside["request_id"] == "abc123def456"
    assert outside["request_id"] == "-"


def test_a_request_id_is_returned_and_never_taken_from_the_client() -> None:
    generated = Client().get("/sign-in/")["X-Request-ID"]
    assert len(generated) == 36
    forged = Client().get("/sign-in/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert forged["X-Request-ID"] != "<script>alert(1)</script>"


def configured_handlers(name: str) -> list[logging.Handler]:
    """The logger's handlers from settings.LOGGING (pytest adds capturing ones of its own)."""
    handlers = logging.getLogger(name).handlers
    return [h for h in handlers if not type(h).__module__.startswith("_pytest")]


def test_the_configured_handlers_mask_and_no_mail_goes_to_admins() -> None:
    for name in ("", "django", "django.request", "django.server"):
        for handler in configured_handlers(name):
            assert isinstance(handler.formatter, JsonFormatter), name
            assert any(isinstance(f, PersonalDataFilter) for f in handler.filters), name
            assert type(handler).__name__ != "AdminEmailHandler", name
    assert configured_handlers("") and configured_handlers("django")
    assert configured_handlers("django.server")  # runserver's request lines (R25)
