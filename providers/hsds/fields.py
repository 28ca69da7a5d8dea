"""Reads the fields Harbor uses from one raw HSDS record, noting every problem by record and
field instead of stopping at the first. Values from JSON and from CSV cells (all text) are
both accepted. Messages never quote the value: it may be personal data."""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from providers.hsds.bundle import WHERE, Problem

TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})


class Fields:
    """One record's fields; ``problems`` is shared by every record of an import."""

    def __init__(self, raw: dict[str, Any], *, kind: str, problems: list[Problem]) -> None:
        self.raw = raw
        self.problems = problems
        self.label = _label(raw, kind)

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.label, field, message))

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def text(self, name: str, *, max_length: int | None = None, required: bool = False) -> str:
        """The field's text, stripped ("" when absent)."""
        value = self.raw.get(name)
        if value in (None, ""):
            if required:
                self.problem(name, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(name, "must be text")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(name, "is required")
        if max_length is not None and len(value) > max_length:
            self.problem(name, f"is longer than {max_length} characters")
            return ""
        return value

    def identifier(self, name: str = "id", *, required: bool = True) -> uuid.UUID | None:
        value = self.raw.get(name)
        if value in (None, ""):
            if required:
                self.problem(name, "is required")
            return None
        try:
            return uuid.UUID(str(value))
        except ValueError:
            self.problem(name, "must be a UUID")
            return None

    def choice(self, name: str, choices: list[str], *, required: bool = False) -> str:
        value = self.text(name, required=required)
        if value and value not in choices:
            self.problem(name, f"must be one of: {', '.join(choices)}")
            return ""
        return value

    def email(self, name: str) -> str:
        value = self.text(name, max_length=254)
        return value if self._valid(name, value, EmailValidator(), "an e-mail address") else ""

    def url(self, name: str) -> str:
        value = self.text(name, max_length=200)
        return value if self._valid(name, value, URLValidator(), "a web address") else ""

    def _valid(self, name: str, value: str, validator: Any, what: str) -> bool:
        if not value:
            return True
        try:
            validator(value)
        except ValidationError:
            self.problem(name, f"must be {what}")
            return False
        return True

    def number(self, name: str) -> Decimal | None:
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            self.problem(name, "must be a number")
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.problem(name, "must be a number")
            return None
        if not number.is_finite():
            self.problem(name, "must be a number")
            return None
        return number

    def whole(self, name: str, *, low: int, high: int) -> int | None:
        number = self.number(name)
        if number is None:
            return None
        if number != number.to_integral_value() or not low <= number <= high:
            self.problem(name, f"must be a whole number from {low} to {high}")
            return None
        return int(number)

    def records(self, name: str) -> list[dict[str, Any]] | None:
        """A nested list of objects; None when the record does not carry the list."""
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(name, "must be a list of objects")
            return None
        return value


def flag(fields: Fields, field: str, value: str) -> bool | None:
    """A true/false Harbor fact."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    fields.problem(field, "must be true or false")
    return None


def _label(raw: dict[str, Any], kind: str) -> str:
    label = f"{kind} {str(raw.get('id') or '(no id)')[:60]}"
    where = raw.get(WHERE)
    return f"{label} ({where})" if where else label
