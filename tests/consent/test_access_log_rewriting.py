"""Issue 16, finding 5: the access log cannot be rewritten without a trace (R27).

Each test plays someone with full database access (a superuser who turns the append-only
triggers off) and then asks ``manage.py verify_access_log``, as an operator would. The forger
knows the chain's algorithm but not its key, which lives outside the database; the checkpoints
live outside it too.
"""

import hashlib
import importlib
import json
import socket
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from consent.access_log import GENESIS_HASH, BrokenLink, EventDraft, record_events, verify_chain
from consent.access_log_checkpoints import (
    check_against_checkpoint,
    read_checkpoints,
    write_checkpoint,
)
from consent.access_log_keys import ChainKey
from consent.models import AccessEvent
from coordination.checks import access_log_keys_are_set
from tasks.tasks import checkpoint_access_log

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path: Path) -> Path:
    settings.HARBOR_ACCESS_LOG_CHECKPOINT_FILE = tmp_path / "access-log-checkpoints.jsonl"
    return settings.HARBOR_ACCESS_LOG_CHECKPOINT_FILE


def _events(n: int) -> None:
    record_events(
        [
            EventDraft(user_id=None, action="view", outcome="allowed", basis="care_team")
            for _ in range(n)
        ]
    )


def _as_superuser(*statements: tuple[str, list]) -> None:
    """Rewrite rows behind Harbor's back, triggers off (only the owner or a superuser can)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
        for sql, params in statements:
            cursor.execute(sql, params)


def _unkeyed_hash(prev_hash: str, row: AccessEvent, role: str) -> str:
    """The chain's hash as the forger can compute it: sha256 of the previous hash and the
    row's canonical JSON, with whatever else the row says (no key)."""
    fields = {
        "sequence": row.sequence,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user": row.user_id,
        "organization": row.organization_id,
        "role": role,
        "case": row.case_id,
        "categories": list(row.categories),
        "action": row.action,
        "basis": row.basis,
        "consent": row.consent_id,
        "purpose": row.purpose,
        "outcome": row.outcome,
        "request_id": row.request_id,
    }
    if getattr(row, "key_id", None) is not None:
        fields["key"] = row.key_id
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _rewrite_role_from(sequence: int, role: str) -> None:
    """Change event ``sequence`` and re-chain it and every later event."""
    rows = list(AccessEvent.objects.filter(sequence__gte=sequence).order_by("sequence"))
    prev_hash = rows[0].prev_hash
    statements = []
    for row in rows:
        new_role = role if row.sequence == sequence else row.role
        new_hash = _unkeyed_hash(prev_hash, row, new_role)
        statements.append(
            (
                'UPDATE "consent_accessevent" SET "role" = %s, "prev_hash" = %s, "hash" = %s '
                'WHERE "sequence" = %s',
                [new_role, prev_hash, new_hash, row.sequence],
            )
        )
        prev_hash = new_hash
    _as_superuser(*statements)


def _verify() -> None:
    call_command("verify_access_log")


def test_r27_verify_access_log_detects_an_edited_event_even_the_newest_with_its_hash_redone():
    _events(4)

    _rewrite_role_from(4, "supervisor")  # no later event holds its hash

    with pytest.raises(CommandError, match="broken at event 4"):
        _verify()


def test_r27_verify_access_log_detects_an_edited_and_rechained_log():
    _events(5)

    _rewrite_role_from(2, "supervisor")

    with pytest.raises(CommandError, match="broken at event 2: hash does not match"):
        _verify()


def test_r27_verify_access_log_detects_a_deleted_tail(checkpoint_file: Path):
    _events(5)
    call_command("verify_access_log", "--checkpoint")

    _as_superuser(('DELETE FROM "consent_accessevent" WHERE "sequence" > %s', [3]))

    with pytest.raises(CommandError, match=r"broken at event 5: missing.*ends at event 3"):
        _verify()


@pytest.mark.postgres
def test_r27_verify_access_log_detects_a_truncation(checkpoint_file: Path):
    _events(3)
    call_command("verify_access_log", "--checkpoint")

    _as_superuser(('TRUNCATE "consent_accessevent"', []))

    assert AccessEvent.objects.count() == 0
    with pytest.raises(CommandError, match=r"broken at event 3: missing.*ends at event 0"):
        _verify()


@pytest.mark.postgres
def test_r27_postgresql_refuses_truncate_of_the_access_log_even_for_its_owner():
    _events(2)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute('TRUNCATE "consent_accessevent"')

    assert AccessEvent.objects.count() == 2


# --- keys: rotation ------------------------------------------------------------------------

OLD_KEY, NEW_KEY = "o" * 40, "n" * 40


def test_r27_verification_survives_a_key_rotation(settings, capsys):
    settings.HARBOR_ACCESS_LOG_KEYS = [OLD_KEY]
    _events(2)
    call_command("verify_access_log", "--checkpoint")

    settings.HARBOR_ACCESS_LOG_KEYS = [NEW_KEY, OLD_KEY]
    _events(2)
    call_command("verify_access_log")

    old_id, new_id = ChainKey.from_secret(OLD_KEY).key_id, ChainKey.from_secret(NEW_KEY).key_id
    assert list(AccessEvent.objects.order_by("sequence").values_list("key_id", flat=True)) == [
        old_id,
        old_id,
        new_id,
        new_id,
    ]
    assert "latest checkpoint: 2 events in 1 lanes at" in capsys.readouterr().out


def test_r27_an_event_whose_key_was_dropped_is_reported(settings):
    settings.HARBOR_ACCESS_LOG_KEYS = [OLD_KEY]
    _events(1)
    settings.HARBOR_ACCESS_LOG_KEYS = [NEW_KEY]
    _events(1)

    assert verify_chain() == BrokenLink(
        1,
        f"hashed with key {ChainKey.from_secret(OLD_KEY).key_id!r}, which is not in "
        "HARBOR_ACCESS_LOG_KEYS",
    )


def test_r27_a_key_is_named_by_an_id_that_does_not_reveal_it():
    key = ChainKey.from_secret(NEW_KEY)

    assert len(key.key_id) == 12
    assert key.key_id not in NEW_KEY
    assert NEW_KEY not in repr(key)


def _key_check_ids(**overrides) -> list[str]:
    with override_settings(**{"DEBUG": False, "SECRET_KEY": "k" * 50, **overrides}):
        return [error.id for error in access_log_keys_are_set(None)]


def test_r27_production_without_access_log_keys_is_refused():
    assert _key_check_ids(HARBOR_ACCESS_LOG_KEYS=[]) == ["harbor.E020"]
    with (
        override_settings(DEBUG=False, SECRET_KEY="k" * 50, HARBOR_ACCESS_LOG_KEYS=[]),
        pytest.raises(ImproperlyConfigured, match="HARBOR_ACCESS_LOG_KEYS"),
    ):
        _events(1)


def test_r27_a_short_access_log_key_is_refused_without_printing_it():
    errors = _key_check_ids(HARBOR_ACCESS_LOG_KEYS=[NEW_KEY, "short-secret"])

    assert errors == ["harbor.E021"]
    with override_settings(HARBOR_ACCESS_LOG_KEYS=[NEW_KEY, "short-secret"]):
        (error,) = access_log_keys_are_set(None)
    assert "Key 2" in error.msg and "short-secret" not in error.msg


def test_r27_production_with_access_log_keys_passes_and_development_needs_none():
    assert _key_check_ids(HARBOR_ACCESS_LOG_KEYS=[NEW_KEY, OLD_KEY]) == []
    assert _key_check_ids(DEBUG=True, HARBOR_ACCESS_LOG_KEYS=[]) == []


# --- checkpoints ---------------------------------------------------------------------------


def test_r27_verify_access_log_says_when_there_is_no_checkpoint_yet(capsys, checkpoint_file):
    _events(1)

    call_command("verify_access_log")

    out = capsys.readouterr().out
    assert "access log intact: 1 events" in out
    assert f"no checkpoint yet in {checkpoint_file}" in out


def test_r27_the_checkpoint_option_appends_a_signed_checkpoint_of_the_head(checkpoint_file):
    _events(3)

    call_command("verify_access_log", "--checkpoint")
    call_command("verify_access_log", "--checkpoint")

    lines = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    head = AccessEvent.objects.get(sequence=3)
    assert [(line["sequence"], line["hash"]) for line in lines] == [(3, head.hash)] * 2
    assert read_checkpoints().bad_lines == []


def test_r27_an_altered_checkpoint_is_reported(checkpoint_file):
    _events(3)
    call_command("verify_access_log", "--checkpoint")
    line = json.loads(checkpoint_file.read_text())
    checkpoint_file.write_text(json.dumps({**line, "sequence": 2}) + "\n")

    with pytest.raises(CommandError, match=r"checkpoint line 1 .*signature does not hold"):
        _verify()


def test_r27_the_chain_must_reach_the_checkpoint_with_the_same_hash(checkpoint_file):
    _events(2)
    written = write_checkpoint()

    assert check_against_checkpoint(written) is None
    assert (
        check_against_checkpoint(replace(written, hash="f" * 64)).reason
        == f"hash differs from the checkpoint of {written.at}"
    )


def test_r27_the_beat_task_appends_a_checkpoint(checkpoint_file):
    _events(4)

    assert checkpoint_access_log() == 4
    assert read_checkpoints().latest.sequence == 4


def test_r27_checkpoints_also_go_to_syslog_when_an_address_is_set(settings, checkpoint_file):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    settings.HARBOR_ACCESS_LOG_CHECKPOINT_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
    _events(1)

    written = write_checkpoint()

    message = receiver.recv(4096).decode()
    receiver.close()
    assert written.as_line() in message
    assert checkpoint_file.read_text().strip() == written.as_line()


# --- events from before the chain was keyed ------------------------------------------------


def _unkeyed_events(n: int) -> None:
    """Events as the unkeyed chain wrote them before migration 0003."""
    prev_hash = GENESIS_HASH
    statements = []
    for sequence in range(1, n + 1):
        row = AccessEvent(
            at=timezone.now(), action="view", outcome="allowed", sequence=sequence, key_id=""
        )
        row.key_id = None  # the unkeyed canonical JSON had no key
        row_hash = _unkeyed_hash(prev_hash, row, "")
        statements.append(
            (
                'INSERT INTO "consent_accessevent" ("at", "role", "categories", "action", '
                '"basis", "purpose", "outcome", "request_id", "sequence", "prev_hash", '
                "\"key_id\", \"hash\") VALUES (%s, '', '[]', 'view', '', '', "
                "'allowed', '', %s, %s, '', %s)",
                [row.at, sequence, prev_hash, row_hash],
            )
        )
        prev_hash = row_hash
    _as_superuser(*statements)


def _run_rechain_migration() -> None:
    migration = importlib.import_module("consent.migrations.0003_keyed_access_log_chain")
    state = MigrationExecutor(connection).loader.project_state(
        ("consent", "0003_keyed_access_log_chain")
    )
    with connection.schema_editor(atomic=False) as editor:
        migration.rechain_under_the_newest_key(state.apps, editor)


@pytest.mark.postgres  # SQLite has no schema editor inside a test's transaction
def test_r27_the_migration_rechains_events_from_before_the_key_under_the_key():
    _unkeyed_events(3)
    assert verify_chain() == BrokenLink(
        1, "hashed with key '', which is not in HARBOR_ACCESS_LOG_KEYS"
    )

    _run_rechain_migration()

    assert verify_chain() is None
    _events(1)
    assert verify_chain() is None


@pytest.mark.postgres
def test_r27_the_migration_refuses_to_rechain_a_log_already_broken():
    _unkeyed_events(3)
    _as_superuser(('UPDATE "consent_accessevent" SET "action" = %s WHERE "sequence" = 2', ["x"]))

    with pytest.raises(RuntimeError, match="already broken at event 2"):
        _run_rechain_migration()


def test_r27_beat_checkpoints_the_access_log_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["checkpoint-access-log"]

    assert entry == {"task": "tasks.tasks.checkpoint_access_log", "schedule": 300.0}
    assert checkpoint_access_log.name == entry["task"]
