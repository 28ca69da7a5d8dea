"""Issue 20 point 7: appends chain side by side in lanes, and each lane holds like the one
chain did (R27).

An append takes the first lane no other transaction holds, so requests stop queueing on one
installation-wide lock; every lane is its own keyed chain, checked by ``verify_chain`` and
covered by the checkpoints.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from consent.access_log import GENESIS_HASH, EventDraft, record_events, verify_chain
from consent.access_log_checkpoints import read_checkpoints
from consent.models import AccessEvent

# Transactional: an append's lane lock lasts as long as its transaction, and the other
# session must see the lanes free once each append commits.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCK_KEY = 0x48_41_52_42


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path: Path) -> Path:
    settings.HARBOR_ACCESS_LOG_CHECKPOINT_FILE = tmp_path / "access-log-checkpoints.jsonl"
    return settings.HARBOR_ACCESS_LOG_CHECKPOINT_FILE


def _events(n: int) -> list[AccessEvent]:
    return record_events(
        [
            EventDraft(user_id=None, action="view", outcome="allowed", basis="care_team")
            for _ in range(n)
        ]
    )


@contextmanager
def lanes_held_elsewhere(*lanes: int) -> Iterator[None]:
    """Another session (another web process, say) in the middle of appending to ``lanes``."""
    params = connection.get_connection_params()
    with psycopg.connect(**params) as other:
        for lane in lanes:
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_KEY, lane])
        yield
        other.rollback()


def test_r27_an_append_takes_the_next_free_lane_instead_of_waiting():
    _events(2)  # lane 0, nobody else appending

    with lanes_held_elsewhere(0):
        rows = _events(3)

    assert [(row.lane, row.sequence) for row in rows] == [(1, 1), (1, 2), (1, 3)]
    assert rows[0].prev_hash == GENESIS_HASH
    assert verify_chain() is None


def test_r27_with_every_lane_held_an_append_waits_for_one(settings):
    settings.HARBOR_ACCESS_LOG_LANES = 2
    done = threading.Event()

    def append() -> None:
        try:
            _events(1)
        finally:
            connections.close_all()
            done.set()

    with lanes_held_elsewhere(0, 1):
        worker = threading.Thread(target=append)
        worker.start()
        assert not done.wait(0.5)  # both lanes held: it waits rather than fork a chain
    worker.join(10)
    assert done.is_set()


def test_r27_moving_an_event_to_another_lane_breaks_the_chain():
    _events(1)
    with lanes_held_elsewhere(0):
        (moved,) = _events(1)
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
        cursor.execute(
            'UPDATE "consent_accessevent" SET "lane" = 0, "sequence" = 2 WHERE id = %s',
            [moved.pk],
        )

    broken = verify_chain()

    assert (broken.lane, broken.sequence) == (0, 2)
    assert broken.reason.startswith("prev_hash does not match")


def test_r27_an_edit_in_any_lane_names_its_lane():
    _events(2)
    with lanes_held_elsewhere(0):
        _events(2)
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
        cursor.execute(
            'UPDATE "consent_accessevent" SET "role" = %s WHERE lane = 1 AND sequence = 2',
            ["supervisor"],
        )

    with pytest.raises(CommandError, match="broken at lane 1, event 2: hash does not match"):
        call_command("verify_access_log")


def test_r27_the_checkpoint_covers_every_lane_and_catches_a_tail_removed_from_one():
    _events(2)
    with lanes_held_elsewhere(0):
        _events(3)
    call_command("verify_access_log", "--checkpoint")
    latest = read_checkpoints().latest
    assert {lane: sequence for lane, (sequence, _) in latest.heads().items()} == {0: 2, 1: 3}
    assert latest.events == 5

    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
        cursor.execute('DELETE FROM "consent_accessevent" WHERE lane = 1 AND sequence = 3')

    assert verify_chain() is None  # a shorter lane is still a chain...
    with pytest.raises(CommandError, match=r"lane 1, event 3: missing.*ends at event 2"):
        call_command("verify_access_log")  # ...but not the one the checkpoint saw
