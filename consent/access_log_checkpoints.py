"""Signed checkpoints of the access log's head, kept outside the database (R27).

The keyed chain shows an edited or re-chained event, but not a log that simply ends earlier
than it did: removing the newest events leaves an intact, shorter chain. So every few minutes
(Celery beat, ``tasks.tasks.checkpoint_access_log``) every lane's head (sequence and hash) is
signed with the chain key and appended, one JSON line each, to a file the database cannot reach
(``HARBOR_ACCESS_LOG_CHECKPOINT_FILE``), and also sent to syslog when
``HARBOR_ACCESS_LOG_CHECKPOINT_SYSLOG`` is set, so a copy leaves the machine.
``verify_access_log`` then requires each lane to reach the latest checkpoint's head for it,
with the same hash.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from consent.access_log import GENESIS_HASH, BrokenLink, verify_chain
from consent.access_log_keys import key_by_id, signing_key
from consent.models import AccessEvent

# Keeps a checkpoint's signature from ever standing for an event's hash (and back).
_DOMAIN = "harbor.access-log.checkpoint:"


@dataclass(frozen=True)
class Checkpoint:
    """Every lane's head at one moment, signed by a chain key.

    ``sequence`` and ``hash`` are lane 0's head (a checkpoint written before lanes holds only
    those, and its signature still holds); ``lanes`` maps each other lane to its
    ``[sequence, hash]``."""

    sequence: int
    hash: str
    at: str
    key_id: str
    signature: str = ""
    lanes: dict[str, list[Any]] = field(default_factory=dict)

    def signed_message(self) -> str:
        body: dict[str, Any] = {
            "sequence": self.sequence,
            "hash": self.hash,
            "at": self.at,
            "key": self.key_id,
        }
        if self.lanes:
            body["lanes"] = self.lanes
        return _DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":"))

    def heads(self) -> dict[int, tuple[int, str]]:
        """lane -> (sequence, hash) of its newest event; lane 0 at (0, genesis) when empty."""
        others = {int(lane): (int(head[0]), str(head[1])) for lane, head in self.lanes.items()}
        return {0: (self.sequence, self.hash), **others}

    @property
    def events(self) -> int:
        """How many events the checkpointed lanes held."""
        return sum(sequence for sequence, _ in self.heads().values())

    def signature_holds(self) -> bool:
        key = key_by_id(self.key_id)
        return key is not None and hmac.compare_digest(
            key.mac(self.signed_message()), self.signature
        )

    def as_line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


@dataclass
class CheckpointFile:
    """What a checkpoint file holds: the checkpoints whose signature holds, and the lines
    that are not one (1-based line number and why)."""

    path: Path
    checkpoints: list[Checkpoint] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def latest(self) -> Checkpoint | None:
        """The last signed line: the file is only ever appended to."""
        return self.checkpoints[-1] if self.checkpoints else None


@dataclass
class LogVerification:
    """What ``verify_access_log`` checked and found."""

    events: int
    checkpoints: CheckpointFile
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def checkpoint_path() -> Path:
    return Path(settings.HARBOR_ACCESS_LOG_CHECKPOINT_FILE)


def lane_heads() -> dict[int, tuple[int, str]]:
    """Each lane's newest event, one index probe per lane (lane 0 always, at genesis if empty)."""
    heads = {0: (0, GENESIS_HASH)}
    lane = -1
    # A loose index scan: the next lane above the last one found, then that lane's head.
    while True:
        lane = (
            AccessEvent.objects.filter(lane__gt=lane)
            .order_by("lane")
            .values_list("lane", flat=True)
            .first()
        )
        if lane is None:
            return heads
        heads[lane] = (
            AccessEvent.objects.filter(lane=lane)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )


def head_checkpoint() -> Checkpoint:
    """Every lane's newest event (the genesis hash for an empty log), signed now."""
    heads = lane_heads()
    sequence, head_hash = heads.pop(0)
    key = signing_key()
    unsigned = Checkpoint(
        sequence=sequence,
        hash=head_hash,
        at=timezone.now().isoformat(timespec="seconds"),
        key_id=key.key_id,
        lanes={str(lane): [number, digest] for lane, (number, digest) in sorted(heads.items())},
    )
    return Checkpoint(**{**asdict(unsigned), "signature": key.mac(unsigned.signed_message())})


def write_checkpoint() -> Checkpoint:
    """Append a checkpoint of the head to the file (and to syslog when configured)."""
    checkpoint = head_checkpoint()
    line = checkpoint.as_line()
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: one write per line, never over an earlier one, whichever process writes.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode())
    finally:
        os.close(descriptor)
    if settings.HARBOR_ACCESS_LOG_CHECKPOINT_SYSLOG:
        _send_to_syslog(line, settings.HARBOR_ACCESS_LOG_CHECKPOINT_SYSLOG)
    return checkpoint


def _send_to_syslog(line: str, address: str) -> None:
    target: str | tuple[str, int]
    if address.startswith("/"):
        target = address
    else:
        host, _, port = address.rpartition(":")
        target = (host, int(port))
    handler = SysLogHandler(address=target)
    try:
        handler.emit(logging.makeLogRecord({"msg": f"harbor-access-log-checkpoint {line}"}))
    finally:
        handler.close()


def read_checkpoints(path: Path | None = None) -> CheckpointFile:
    """Every line of the checkpoint file, sorted into signed checkpoints and bad lines."""
    found = CheckpointFile(path=path or checkpoint_path())
    if not found.path.exists():
        return found
    with found.path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                checkpoint = Checkpoint(**json.loads(line))
            except (ValueError, TypeError):
                found.bad_lines.append((number, "not a checkpoint"))
                continue
            if checkpoint.signature_holds():
                found.checkpoints.append(checkpoint)
            else:
                found.bad_lines.append(
                    (number, "signature does not hold (altered, or its key is not configured)")
                )
    return found


def check_against_checkpoint(checkpoint: Checkpoint) -> BrokenLink | None:
    """Whether the log still holds each lane's checkpointed event, with its hash."""
    for lane, (sequence, head_hash) in sorted(checkpoint.heads().items()):
        broken = _check_lane(checkpoint, lane, sequence, head_hash)
        if broken is not None:
            return broken
    return None


def _check_lane(
    checkpoint: Checkpoint, lane: int, sequence: int, head_hash: str
) -> BrokenLink | None:
    if sequence == 0:
        return None
    in_lane = AccessEvent.objects.filter(lane=lane)
    stored = in_lane.filter(sequence=sequence).values_list("hash", flat=True).first()
    if stored is None:
        head = in_lane.order_by("-sequence").values_list("sequence", flat=True).first()
        return BrokenLink(
            sequence,
            f"missing: the checkpoint of {checkpoint.at} recorded the lane up to this event, "
            f"and the lane now ends at event {head or 0}",
            lane=lane,
        )
    if not hmac.compare_digest(stored, head_hash):
        return BrokenLink(
            sequence, f"hash differs from the checkpoint of {checkpoint.at}", lane=lane
        )
    return None


def verify_access_log() -> LogVerification:
    """The chain under its keys, the checkpoint file's signatures, and the chain against the
    latest checkpoint (so a removed tail shows)."""
    problems = []
    broken = verify_chain()
    if broken is not None:
        problems.append(str(broken))
    checkpoints = read_checkpoints()
    for number, reason in checkpoints.bad_lines:
        problems.append(f"checkpoint line {number} of {checkpoints.path}: {reason}")
    if checkpoints.latest is not None:
        behind = check_against_checkpoint(checkpoints.latest)
        if behind is not None:
            problems.append(str(behind))
    return LogVerification(
        events=AccessEvent.objects.count(), checkpoints=checkpoints, problems=problems
    )
