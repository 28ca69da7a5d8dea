"""Fixtures and helpers shared by the delivery tests (test_delivery, test_messages,
test_safe_contact): the young person's safe-contact rule, and a text-message outbox."""

from collections.abc import Iterator
from typing import Any

import pytest

from cases.models import Person, SafeContactRule
from tasks.sms import LocmemSmsBackend


@pytest.fixture
def sms_outbox(settings: Any) -> Iterator[list[dict[str, str]]]:
    """Texts sent during the test (the backend keeps them, like Django's mail outbox)."""
    settings.HARBOR_SMS_BACKEND = "tasks.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


def young_person_of(world: Any) -> Person:
    return world.case.person


def set_rule(person: Person, **changes: Any) -> SafeContactRule:
    """Write the young person's safe-contact rule as staff would have confirmed it."""
    rule = SafeContactRule.objects.get(person=person)
    values = {"phone": "+1 555 010 0000", "email": "safe@example.net", **changes}
    for field, value in values.items():
        setattr(rule, field, value)
    rule.save()
    return rule
