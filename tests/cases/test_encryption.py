"""R37: contact details, notes and code words are stored encrypted, history included, and read
back as plaintext; keys rotate without losing a value."""

import importlib
from dataclasses import dataclass
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import connection, models
from django.test import override_settings
from django.urls import reverse

from api.serializers_people import SafeContactRuleSerializer
from cases.encryption import FieldDecryptionError, decrypt_text
from cases.models import CaseNote, Contact, FamilyMember, SafeContactRule
from coordination.checks import field_encryption_keys_are_set
from tests import factories as f
from tests.conftest import World

ENCRYPTED = {
    FamilyMember: ("phone", "email", "address", "notes"),
    SafeContactRule: ("phone", "email", "address", "code_word", "notes"),
    CaseNote: ("body",),
    Contact: ("summary",),
}
FIELDS = [(model, name) for model, names in ENCRYPTED.items() for name in names]
HISTORY_FIELDS = [(model, name) for model, name in FIELDS if hasattr(model, "history")]
migration = importlib.import_module("cases.migrations.0004_encrypt_contact_details_and_notes")


def _label(pair: tuple[type[models.Model], str]) -> str:
    return f"{pair[0].__name__}.{pair[1]}"


@dataclass
class Sensitive:
    """One saved record per encrypted model (with history where the model keeps it)."""

    records: dict[type[models.Model], models.Model]


def _plaintext(model: type[models.Model], name: str) -> str:
    return (
        f"{model.__name__}-{name}@example.org" if name == "email" else f"{name} of {model.__name__}"
    )


def _values(model: type[models.Model]) -> dict[str, str]:
    return {name: _plaintext(model, name) for name in ENCRYPTED[model]}


def _save_sensitive_records(world: World) -> Sensitive:
    rule = SafeContactRule.objects.get(person=world.case.person)
    for name, value in _values(SafeContactRule).items():
        setattr(rule, name, value)
    rule.save()
    return Sensitive(
        records={
            FamilyMember: f.FamilyMemberFactory(person=world.case.person, **_values(FamilyMember)),
            SafeContactRule: rule,
            CaseNote: f.CaseNoteFactory(case=world.case, **_values(CaseNote)),
            Contact: f.ContactFactory(case=world.case, **_values(Contact)),
        }
    )


@pytest.fixture
def sensitive(world: World) -> Sensitive:
    return _save_sensitive_records(world)


def _raw(model: type[models.Model], column: str, where: str, pk: int) -> list[str]:
    """The stored values of one column, oldest row first, as the database holds them."""
    quote = connection.ops.quote_name
    table, order = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {table} WHERE {quote(where)} = %s ORDER BY {order}",  # noqa: S608
            [pk],
        )
        return [row[0] for row in cursor.fetchall()]


def _stored(model: type[models.Model], name: str, pk: int) -> str:
    [value] = _raw(model, model._meta.get_field(name).column, "id", pk)
    return value


def _stored_history(model: type[models.Model], name: str, pk: int) -> list[str]:
    return _raw(model.history.model, name, "id", pk)


@pytest.mark.parametrize(("model", "name"), FIELDS, ids=[_label(pair) for pair in FIELDS])
def test_r37_the_column_holds_a_token_that_decrypts_to_the_plaintext(
    sensitive: Sensitive, model: type[models.Model], name: str
) -> None:
    plaintext = _plaintext(model, name)
    stored = _stored(model, name, sensitive.records[model].pk)

    assert plaintext not in stored
    assert decrypt_text(stored) == plaintext


@pytest.mark.parametrize(
    ("model", "name"), HISTORY_FIELDS, ids=[_label(pair) for pair in HISTORY_FIELDS]
)
def test_r37_the_history_table_is_encrypted_too(
    sensitive: Sensitive, model: type[models.Model], name: str
) -> None:
    plaintext = _plaintext(model, name)
    stored = _stored_history(model, name, sensitive.records[model].pk)

    assert stored, "the record has history rows"
    assert all(plaintext not in value for value in stored)
    assert decrypt_text(stored[-1]) == plaintext
    assert getattr(model.history.filter(id=sensitive.records[model].pk).first(), name) == plaintext


def test_r37_the_models_read_back_the_plaintext(sensitive: Sensitive) -> None:
    for model, name in FIELDS:
        record = model.objects.get(pk=sensitive.records[model].pk)
        assert getattr(record, name) == _plaintext(model, name)


def test_r37_the_api_shows_the_advocate_the_plaintext(
    world: World, sensitive: Sensitive, api_for: Any
) -> None:
    client = api_for(world.advocate)
    answers = {
        FamilyMember: reverse("family-member-detail", args=[sensitive.records[FamilyMember].pk]),
        SafeContactRule: reverse("person-safe-contact", args=[world.case.person_id]),
        CaseNote: reverse("note-detail", args=[sensitive.records[CaseNote].pk]),
        Contact: reverse("contact-detail", args=[sensitive.records[Contact].pk]),
    }
    for model, url in answers.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for name in ENCRYPTED[model]:
            assert response.json()[name] == _plaintext(model, name)


def test_r37_blank_values_stay_blank_so_a_note_still_needs_a_body(world: World) -> None:
    contact = f.ContactFactory(case=world.case, summary="")

    assert _stored(Contact, "summary", contact.pk) == ""
    assert Contact.objects.get(pk=contact.pk).summary == ""
    with pytest.raises(ValidationError):
        CaseNote(case=world.case, organization=world.lead, body="").full_clean()


def test_r37_max_length_still_limits_the_plaintext(world: World) -> None:
    rule = SafeContactRule.objects.get(person=world.case.person)
    rule.phone = "5" * 40  # the token is far longer than 40 characters, and fits its column
    rule.full_clean()
    rule.save()
    assert SafeContactRule.objects.get(pk=rule.pk).phone == "5" * 40

    rule.phone = "5" * 41
    with pytest.raises(ValidationError, match="phone"):
        rule.full_clean()
    serializer = SafeContactRuleSerializer(rule, data={"phone": "5" * 41}, partial=True)
    assert not serializer.is_valid()
    assert "phone" in serializer.errors


def test_r37_searching_inside_encrypted_text_is_refused_not_silently_empty(
    sensitive: Sensitive,
) -> None:
    with pytest.raises(FieldError):
        CaseNote.objects.filter(body__icontains="body").exists()
    with pytest.raises(FieldError):
        CaseNote.objects.filter(body="body of note").exists()
    assert not CaseNote.objects.filter(body="").exists()


def test_r37_a_tampered_value_raises_instead_of_reading_garbage(sensitive: Sensitive) -> None:
    note = sensitive.records[CaseNote]
    token = _stored(CaseNote, "body", note.pk)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    CaseNote.objects.filter(pk=note.pk).update(
        body=models.Value(tampered, output_field=models.TextField())
    )

    with pytest.raises(FieldDecryptionError) as raised:
        CaseNote.objects.get(pk=note.pk)
    assert _plaintext(CaseNote, "body") not in str(raised.value)


def test_r37_a_value_under_an_unknown_key_raises(sensitive: Sensitive, settings: Any) -> None:
    settings.HARBOR_FIELD_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(FieldDecryptionError):
        Contact.objects.get(pk=sensitive.records[Contact].pk)


def _every_stored_value() -> dict[tuple[str, str, Any], str]:
    """Every non-blank encrypted value in the database, main and history tables."""
    from cases.management.commands.rotate_keys import encrypted_fields_by_model

    stored = {}
    for model, fields in encrypted_fields_by_model():
        table, pk = model._meta.db_table, model._meta.pk.column
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quote(pk)}, {columns} FROM {quote(table)}")  # noqa: S608
            for row_pk, *values in cursor.fetchall():
                for field, value in zip(fields, values, strict=True):
                    if value:
                        stored[(model._meta.label, field.name, row_pk)] = value
    return stored


def test_r37_rotate_keys_re_encrypts_everything_and_the_old_key_can_go(
    world: World, settings: Any
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.HARBOR_FIELD_KEYS = [old]
    data = _save_sensitive_records(world)
    before = _every_stored_value()
    # Main and history tables of all four models.
    assert {label for label, _, _ in before} == {
        "cases.FamilyMember",
        "cases.HistoricalFamilyMember",
        "cases.SafeContactRule",
        "cases.HistoricalSafeContactRule",
        "cases.CaseNote",
        "cases.HistoricalCaseNote",
        "cases.Contact",
    }

    settings.HARBOR_FIELD_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out)
    settings.HARBOR_FIELD_KEYS = [new]

    after = _every_stored_value()
    assert after.keys() == before.keys()
    assert all(after[key] != before[key] for key in before)
    for model, name in FIELDS:
        record = model.objects.get(pk=data.records[model].pk)
        assert getattr(record, name) == _plaintext(model, name)
        if hasattr(model, "history"):
            for row in model.history.filter(id=record.pk):
                assert getattr(row, name) in ("", _plaintext(model, name))
    report = out.getvalue()
    assert f"cases.HistoricalSafeContactRule: {_count(before, 'HistoricalSafeContactRule')} " in (
        report
    )
    assert all(value not in report for value in before.values())

    again = StringIO()
    call_command("rotate_keys", stdout=again)
    assert "cases.CaseNote: 0 values re-encrypted" in again.getvalue()
    assert _every_stored_value() == after


def _count(stored: dict[tuple[str, str, Any], str], model_name: str) -> int:
    return sum(1 for label, _, _ in stored if label == f"cases.{model_name}")


PRODUCTION = {"DEBUG": False, "SECRET_KEY": "k" * 50}


def _check_ids(**overrides: Any) -> list[str]:
    with override_settings(**{**PRODUCTION, **overrides}):
        return [error.id for error in field_encryption_keys_are_set(None)]


def test_r37_production_without_field_keys_is_refused() -> None:
    assert _check_ids(HARBOR_FIELD_KEYS=[]) == ["harbor.E005"]


def test_r37_a_malformed_field_key_is_refused_without_printing_it() -> None:
    good = Fernet.generate_key().decode()
    with override_settings(**PRODUCTION, HARBOR_FIELD_KEYS=[good, "not-a-key"]):
        errors = field_encryption_keys_are_set(None)
    assert [error.id for error in errors] == ["harbor.E006"]
    assert "Key 2" in errors[0].msg and "not-a-key" not in errors[0].msg


def test_r37_production_with_fernet_keys_passes_and_development_needs_none() -> None:
    assert _check_ids(HARBOR_FIELD_KEYS=[Fernet.generate_key().decode()]) == []
    assert _check_ids(DEBUG=True, HARBOR_FIELD_KEYS=[]) == []


def test_r37_the_migration_encrypts_rows_written_before_it(sensitive: Sensitive) -> None:
    note = sensitive.records[CaseNote]
    plaintext = _plaintext(CaseNote, "body")
    CaseNote.objects.filter(pk=note.pk).update(
        body=models.Value(plaintext, output_field=models.TextField())
    )
    editor = SimpleNamespace(connection=connection)

    migration.encrypt_existing_rows(apps, editor)
    token = _stored(CaseNote, "body", note.pk)
    migration.encrypt_existing_rows(apps, editor)  # a second run changes nothing

    assert plaintext not in token and decrypt_text(token) == plaintext
    assert _stored(CaseNote, "body", note.pk) == token
    assert CaseNote.objects.get(pk=note.pk).body == plaintext


def test_r37_the_migration_decrypts_on_the_way_back(sensitive: Sensitive) -> None:
    migration.decrypt_existing_rows(apps, SimpleNamespace(connection=connection))

    for model, name in FIELDS:
        assert _stored(model, name, sensitive.records[model].pk) == _plaintext(model, name)
