"""The access-log history: the generated events chained in time order, as
``consent.access_log.record_events`` chains them (same fields, same key, same ``event_hash``), so
``verify_chain`` accepts the result and the next real request appends to it."""

import uuid
from collections.abc import Iterable

from bench.loader import Loader
from consent.access_log import GENESIS_HASH, event_hash
from consent.access_log_keys import signing_key
from consent.models import AccessEvent


def chain_events(loader: Loader, drafts: Iterable[dict]) -> int:
    """Append the drafts after the last stored event; returns how many were written."""
    last = (
        AccessEvent.objects.filter(lane=0)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, prev_hash = last or (0, GENESIS_HASH)
    key_id = signing_key().key_id
    written = 0
    for draft in sorted(drafts, key=lambda d: (d["at"], d["case_id"])):
        sequence += 1
        row = loader.new(
            AccessEvent,
            at=draft["at"],
            user_id=draft.get("user_id"),
            organization_id=draft.get("organization_id"),
            role=draft.get("role", ""),
            case_id=draft["case_id"],
            categories=list(draft.get("categories", [])),
            action=draft["action"],
            basis=draft.get("basis", ""),
            consent_id=draft.get("consent_id"),
            purpose=draft.get("purpose", ""),
            outcome=draft["outcome"],
            request_id=str(uuid.UUID(int=sequence, version=4)),
            sequence=sequence,
            prev_hash=prev_hash,
            key_id=key_id,
        )
        row.hash = prev_hash = event_hash(row)
        loader.add(row)
        written += 1
    return written
