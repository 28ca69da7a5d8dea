"""The access log: one hash-chained event per read, write or refused attempt on case data.

Events hold ids and codes only (R24, R25). They are appended in one bulk insert per request
to one of ``HARBOR_ACCESS_LOG_LANES`` chains (lanes), under that lane's lock, which keeps each
lane linear (R27): each row's hash is an HMAC, under a key kept outside the database
(consent.access_log_keys), of the previous row's hash in its lane and its own fields, so
editing or removing a row breaks the chain that ``verify_chain`` walks, and nobody without the
key can re-chain the rows after it. An append takes the first lane no other transaction holds,
so concurrent requests on every web server chain side by side instead of queueing on one lock.
Signed checkpoints of every lane's head, kept outside the database, catch a removed tail
(consent.access_log_checkpoints).

During a request (``consent.middleware.AccessLogMiddleware``) events are buffered and written
after the response, in their own transaction, so refused attempts survive a view that rolled
back; a write may ``flush`` them inside its own transaction instead (a consent's withdrawal
does), so that the write and its record commit together. Outside a request (shell, Celery) an
event is written at once.

The policy and the doors call the ``note_*`` helpers; they never write rows themselves.
"""

from __future__ import annotations

import functools
import hmac
import json
import os
from collections.abc import Iterable, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone

from cases.categories import DATA_CATEGORIES
from cases.models import CareTeamMember, Case
from consent.access_log_keys import key_by_id, signing_key
from consent.models import AccessEvent, AccessOutcome, CaseUserObjectPermission, ConsentPurpose
from consent.permissions import VIEW_CASE, case_permission_ids

if TYPE_CHECKING:  # the policy imports this module: no import cycle at run time
    from consent.policy import CaseAccess, ConsentGrant, Viewer

GENESIS_HASH = "0" * 64
# Any constant will do, as long as nothing else uses it: with a lane number, it names the
# advisory lock that serializes one lane's appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x48_41_52_42  # "HARB"

# Basis codes, as in consent.policy.Basis (repeated: the policy imports this module).
CARE_TEAM, PRIMARY, SUPERVISOR, YOUNG_PERSON = (
    "care_team",
    "primary_advocate",
    "supervisor",
    "young_person",
)
_LEAD_BASIS_ORDER = (PRIMARY, CARE_TEAM, SUPERVISOR, YOUNG_PERSON)
_STAFF_PURPOSE = "care_coordination"
_OWN_RECORD_PURPOSE = "own_record"
_ROLE_ORDER = ("advocate", "supervisor", "intake", "org_admin")
LIST = "list"


class UnfoundedAccess(Exception):
    """An access event would be recorded as allowed without naming its basis."""


@dataclass(frozen=True)
class EventDraft:
    """An access event before it is chained: what happened, by whom, on which basis."""

    user_id: int | None
    action: str
    outcome: str
    case_id: int | None = None
    organization_id: int | None = None
    role: str = ""
    categories: tuple[str, ...] = ()
    basis: str = ""
    consent_id: int | None = None
    purpose: str = ""
    # R24's page event: every case a list showed, each on the same basis, categories and
    # outcome (``case_id`` is then None).
    case_ids: tuple[int, ...] = ()
    at: datetime = field(default_factory=timezone.now, compare=False)

    def __post_init__(self) -> None:
        # Principle 1, no basis no access: an allowed event names its basis. One without is a
        # programming error at its source (a door that showed data it had no basis for), so
        # it fails there rather than enter the young person's log as an unexplained read.
        if self.outcome == AccessOutcome.ALLOWED and not self.basis:
            raise UnfoundedAccess(
                f"An allowed {self.action!r} of case {self.case_id} names no basis; record it "
                "as denied, or do not show the data."
            )

    @property
    def key(self) -> tuple[Any, ...]:
        """Identity within a request: the same access noted twice is recorded once."""
        return (
            self.user_id,
            self.action,
            self.outcome,
            self.case_id,
            self.organization_id,
            self.role,
            self.categories,
            self.basis,
            self.consent_id,
            self.purpose,
            self.case_ids,
        )


@dataclass(frozen=True)
class BrokenLink:
    """The first place where the chain does not hold."""

    sequence: int
    reason: str
    lane: int = 0

    def __str__(self) -> str:
        where = (
            f"lane {self.lane}, event {self.sequence}" if self.lane else f"event {self.sequence}"
        )
        return f"access log broken at {where}: {self.reason}"


# --- the chain -------------------------------------------------------------------------------


def _chained_fields(row: AccessEvent) -> dict[str, Any]:
    fields = {
        "sequence": row.sequence,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user": row.user_id,
        "organization": row.organization_id,
        "role": row.role,
        "case": row.case_id,
        "categories": list(row.categories),
        "action": row.action,
        "basis": row.basis,
        "consent": row.consent_id,
        "purpose": row.purpose,
        "outcome": row.outcome,
        "request_id": row.request_id,
        "key": row.key_id,
    }
    # Lane 0 is the chain as it was before lanes, and single events are as they were before
    # page events: their hashes stay as they were.
    if row.lane:
        fields["lane"] = row.lane
    if row.case_ids:
        fields["cases"] = list(row.case_ids)
    return fields


class UnknownKey(LookupError):
    """The event names a chain key that is not configured (or none: an unkeyed row)."""


def event_hash(row: AccessEvent) -> str:
    """HMAC-SHA256, under the key ``row.key_id`` names, of the previous hash and the row's
    canonical JSON (sequence and key id included)."""
    key = key_by_id(row.key_id)
    if key is None:
        raise UnknownKey(row.key_id)
    canonical = json.dumps(_chained_fields(row), sort_keys=True, separators=(",", ":"))
    return key.mac(row.prev_hash + canonical)


def _lane_order() -> list[int]:
    """The lanes in the order appends try them: lane 0 first, so a quiet installation keeps
    one chain and more lanes fill only as appends overlap."""
    return list(range(settings.HARBOR_ACCESS_LOG_LANES))


# The first lane of the list whose lock is free, taken: LIMIT 1 stops at the first lock
# granted. No row when every lane is held. The head is read by the next statement: one
# started before the lock was granted could see a snapshot older than the last append.
_TRY_LANE_SQL = """
SELECT lane FROM unnest(%s::int[]) AS t(lane)
WHERE pg_try_advisory_xact_lock(%s, lane) LIMIT 1
"""


def _acquire_chain() -> tuple[int, int, str]:
    """(lane, last sequence, last hash) of a lane now locked for this transaction's append.

    PostgreSQL: the first free lane in one round trip; when all are held, wait for one
    (chosen by process, so waiters spread). SQLite has one writer at a time: lane 0. Either
    way the unique (lane, sequence) refuses a fork."""
    if connection.vendor != "postgresql":
        return (0, *_head(0))
    order = _lane_order()
    with connection.cursor() as cursor:
        cursor.execute(_TRY_LANE_SQL, [order, _CHAIN_LOCK_KEY])
        found = cursor.fetchone()
        lane = found[0] if found is not None else _wait_for_lane(cursor, order)
    return (lane, *_head(lane))


def _wait_for_lane(cursor: Any, order: list[int]) -> int:
    """Every lane is held: queue for one (chosen by process, so waiters spread out)."""
    lane = order[os.getpid() % len(order)]
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_KEY, lane])
    return lane


def _head(lane: int) -> tuple[int, str]:
    last = (
        AccessEvent.objects.filter(lane=lane)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    return last or (0, GENESIS_HASH)


def record_events(events: Sequence[EventDraft], *, request_id: str = "") -> list[AccessEvent]:
    """Append events to a lane in one bulk insert, in a transaction of their own; the rows."""
    rows = []
    for record in _append(events, request_id=request_id):
        columns = {name: value for name, value in record.items() if not name.startswith("_")}
        row = AccessEvent(**columns, at=record["_at"])
        row._state.adding = False
        rows.append(row)
    return rows


def _append(events: Sequence[EventDraft], *, request_id: str) -> list[dict[str, Any]]:
    """The append itself, as column dicts (with ``id``). Everything that does not depend on
    the lane's head is prepared before its lock is taken, so the lock is held for the
    HMACs, the insert and the commit only."""
    if not events:
        return []
    key = signing_key()
    prepared = [_prepare(draft, request_id, key.key_id) for draft in events]
    # Its own transaction; inside a write's (a withdrawal flushing its events), part of that
    # one, failing with it, without a savepoint's two round trips.
    with transaction.atomic(savepoint=False):
        lane, sequence, prev_hash = _acquire_chain()
        lane_part = f'"lane":{lane},' if lane else ""
        for record, before, after in prepared:
            sequence += 1
            record.update(lane=lane, sequence=sequence, prev_hash=prev_hash)
            canonical = f'{before},{lane_part}{after},"sequence":{sequence},{record["_user"]}}}'
            record["hash"] = prev_hash = key.mac(prev_hash + canonical)
        return _insert_recordset([record for record, _, _ in prepared])


def _canonical_part(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))[1:-1]


def _prepare(draft: EventDraft, request_id: str, key_id: str) -> tuple[dict[str, Any], str, str]:
    """An event's columns, and its canonical JSON (``_chained_fields``) in the pieces around
    the lane and the sequence, whose keys sort between them: the hash needs only the
    sequence and the previous hash once the lane is held. ``verify_chain`` recomputes every
    hash the long way, so the two cannot drift apart unseen."""
    categories = list(draft.categories)
    case_ids = list(draft.case_ids)
    leading = {
        "action": draft.action,
        "at": draft.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "basis": draft.basis,
        "case": draft.case_id,
        "categories": categories,
        "consent": draft.consent_id,
        "key": key_id,
    }
    if case_ids:
        leading["cases"] = case_ids
    before = "{" + _canonical_part(leading)
    after = _canonical_part(
        {
            "organization": draft.organization_id,
            "outcome": draft.outcome,
            "purpose": draft.purpose,
            "request_id": request_id,
            "role": draft.role,
        }
    )
    record = {
        "_at": draft.at,
        "_user": f'"user":{json.dumps(draft.user_id)}',
        "user_id": draft.user_id,
        "organization_id": draft.organization_id,
        "role": draft.role,
        "case_id": draft.case_id,
        "case_ids": case_ids,
        "categories": categories,
        "action": draft.action,
        "basis": draft.basis,
        "consent_id": draft.consent_id,
        "purpose": draft.purpose,
        "outcome": draft.outcome,
        "request_id": request_id,
        "key_id": key_id,
    }
    return record, before, after


# Column name and PostgreSQL type, in insert order. The chain's own fields only: the id comes
# back from RETURNING.
_COLUMNS = (
    ("at", "timestamptz"),
    ("user_id", "bigint"),
    ("organization_id", "bigint"),
    ("role", "text"),
    ("case_id", "bigint"),
    ("case_ids", "jsonb"),
    ("categories", "jsonb"),
    ("action", "text"),
    ("basis", "text"),
    ("consent_id", "bigint"),
    ("purpose", "text"),
    ("outcome", "text"),
    ("request_id", "text"),
    ("lane", "smallint"),
    ("sequence", "bigint"),
    ("prev_hash", "text"),
    ("key_id", "text"),
    ("hash", "text"),
)


@functools.cache
def _recordset_insert_sql(vendor: str) -> str:
    # Built from the constants above and the model's table name: no value is interpolated.
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name, _ in _COLUMNS)
    if vendor == "sqlite":
        # SQLite's RETURNING order is not promised: the sequence says which row got which id.
        values = ", ".join(f"json_extract(value, '$.{name}')" for name, _ in _COLUMNS)
        source, returning = "json_each(%s) ORDER BY key", '"id", "sequence"'
    else:
        values = names
        typed = ", ".join(f"{quote(name)} {kind}" for name, kind in _COLUMNS)
        source, returning = f"jsonb_to_recordset(%s::jsonb) AS t({typed})", '"id"'
    return (
        f"INSERT INTO {quote(AccessEvent._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {values} FROM {source} RETURNING {returning}"
    )


def _insert_recordset(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's events as one JSON parameter that the database turns into rows: a page of 50
    events is the hot path of every list (R24), and one string is far cheaper to send than
    sixteen arrays or the ORM's per-value compiling. It also keeps a page's events one
    statement on SQLite, whose 999 parameters would split a long page. Times go as PostgreSQL
    ISO strings with their offset (exactly the instants the hashes cover), or as Django stores
    them on SQLite. Each record gets its ``id``; keys starting with ``_`` are not columns."""
    vendor = connection.vendor
    to_text = (
        datetime.isoformat if vendor == "postgresql" else connection.ops.adapt_datetimefield_value
    )
    rows = [
        {
            **{name: record[name] for name, _ in _COLUMNS if name != "at"},
            "at": to_text(record["_at"]),
        }
        for record in records
    ]
    with connection.cursor() as cursor:
        cursor.execute(_recordset_insert_sql(vendor), [json.dumps(rows)])
        returned = cursor.fetchall()
    by_sequence = {sequence: pk for pk, sequence in returned} if vendor == "sqlite" else None
    for index, record in enumerate(records):
        record["id"] = by_sequence[record["sequence"]] if by_sequence else returned[index][0]
        del record["_user"]
    return records


def verify_chain(*, chunk_size: int = 2000) -> BrokenLink | None:
    """Walk every lane in sequence order; the first broken link, or None when intact.

    The chain alone cannot tell that its newest events are gone: the checkpoints do
    (``consent.access_log_checkpoints.verify_access_log``)."""
    lane, expected, prev_hash = None, 1, GENESIS_HASH
    rows = AccessEvent.objects.order_by("lane", "sequence").iterator(chunk_size=chunk_size)
    for row in rows:
        if row.lane != lane:  # a new lane starts from its own genesis
            lane, expected, prev_hash = row.lane, 1, GENESIS_HASH
        broken = _link_problem(row, expected, prev_hash)
        if broken is not None:
            return BrokenLink(*broken, lane=row.lane)
        expected, prev_hash = expected + 1, row.hash
    return None


def _link_problem(row: AccessEvent, expected: int, prev_hash: str) -> tuple[int, str] | None:
    if row.sequence != expected:
        return expected, f"gap in sequence (next event is {row.sequence})"
    if row.prev_hash != prev_hash:
        return row.sequence, "prev_hash does not match the previous event"
    try:
        intact = hmac.compare_digest(event_hash(row), row.hash)
    except UnknownKey:
        return (
            row.sequence,
            f"hashed with key {row.key_id!r}, which is not in HARBOR_ACCESS_LOG_KEYS",
        )
    return None if intact else (row.sequence, "hash does not match the event's contents")


# --- the request-scoped recorder -------------------------------------------------------------


@dataclass
class _Recorder:
    request_id: str
    pending: list[EventDraft] = field(default_factory=list)
    seen: set[tuple[Any, ...]] = field(default_factory=set)
    denied: bool = False


_recorder: ContextVar[_Recorder | None] = ContextVar("harbor_access_recorder", default=None)


def begin_request(request_id: str) -> Token:
    """Buffer the events of this request (context) until ``flush``."""
    return _recorder.set(_Recorder(request_id=request_id))


def end_request(token: Token) -> None:
    _recorder.reset(token)


def current_request_id() -> str:
    recorder = _recorder.get()
    return recorder.request_id if recorder else ""


def note(event: EventDraft) -> None:
    """Buffer an event for the current request, or write it at once outside one."""
    note_many([event])


def note_many(events: Iterable[EventDraft]) -> None:
    recorder = _recorder.get()
    if recorder is None:
        _append(list(events), request_id="")
        return
    for event in events:
        if event.key in recorder.seen:
            continue
        recorder.seen.add(event.key)
        recorder.pending.append(event)
        recorder.denied |= event.outcome == AccessOutcome.DENIED


def denial_noted() -> bool:
    """True when this request already recorded a refused attempt (so doors do not repeat it)."""
    recorder = _recorder.get()
    return bool(recorder and recorder.denied)


def flush() -> int:
    """Write the request's buffered events: one bulk insert, in its own transaction; how
    many."""
    recorder = _recorder.get()
    if recorder is None or not recorder.pending:
        return 0
    events, recorder.pending = recorder.pending, []
    return len(_append(events, request_id=recorder.request_id))


# --- what the policy and the doors call ------------------------------------------------------


def _ordered(categories: Iterable[str]) -> tuple[str, ...]:
    wanted = set(categories)
    return tuple(c for c in DATA_CATEGORIES if c in wanted)


def _role_at(viewer: Viewer, organization_id: int | None, basis: str = "") -> str:
    if basis == SUPERVISOR:
        return SUPERVISOR
    held = viewer.roles.get(organization_id, frozenset()) if organization_id else frozenset()
    return next((role for role in _ROLE_ORDER if role in held), "")


def _lead_basis(bases: Iterable[str]) -> str:
    held = {str(b) for b in bases}
    return next((b for b in _LEAD_BASIS_ORDER if b in held), "")


def case_access_events(
    *,
    viewer: Viewer,
    access: CaseAccess,
    action: str,
    categories: Iterable[str] | None = None,
    outcome: str = AccessOutcome.ALLOWED,
) -> list[EventDraft]:
    """The events of one access: one for a lead basis, else one per consent relied on."""
    shown = access.categories if categories is None else access.categories & set(categories)
    case = access.case
    common = {"user_id": viewer.user_id, "action": str(action), "outcome": outcome}
    basis = _lead_basis(access.bases)
    if basis == YOUNG_PERSON:
        return [
            EventDraft(
                **common,
                case_id=case.pk,
                role=YOUNG_PERSON,
                categories=_ordered(shown),
                basis=YOUNG_PERSON,
                purpose=_OWN_RECORD_PURPOSE,
            )
        ]
    if basis:
        organization_id = case.lead_organization_id
        return [
            EventDraft(
                **common,
                case_id=case.pk,
                organization_id=organization_id,
                role=_role_at(viewer, organization_id, basis),
                categories=_ordered(shown),
                basis=basis,
                purpose=_STAFF_PURPOSE,
            )
        ]
    events, covered = [], set()
    for grant in access.grants:
        relied_on = (grant.categories & shown) - covered
        if relied_on:
            covered |= relied_on
            events.append(_consent_event(viewer, case.pk, grant, relied_on, common))
    return events


def _consent_event(
    viewer: Viewer,
    case_id: int,
    grant: ConsentGrant,
    categories: set[str],
    common: dict[str, Any],
) -> EventDraft:
    return EventDraft(
        **common,
        case_id=case_id,
        organization_id=grant.organization_id,
        role=_role_at(viewer, grant.organization_id),
        categories=_ordered(categories),
        basis=f"consent:{grant.consent_id}",
        consent_id=grant.consent_id,
        purpose=grant.purpose,
    )


def note_case_access(
    viewer: Viewer,
    access: CaseAccess,
    action: str,
    categories: Iterable[str] | None = None,
    outcome: str = AccessOutcome.ALLOWED,
) -> None:
    """Record that ``viewer`` did ``action`` to the case of ``access`` (categories: all shown)."""
    note_many(
        case_access_events(
            viewer=viewer, access=access, action=action, categories=categories, outcome=outcome
        )
    )


def note_transfer_accepted(
    viewer: Viewer, *, case_id: int, organization_id: int, consent_id: int
) -> None:
    """Record that the receiving organization took the whole record over, on the young
    person's consent to transferring their services to it (R41)."""
    note(
        EventDraft(
            user_id=viewer.user_id,
            action="accept_transfer",
            outcome=AccessOutcome.ALLOWED,
            case_id=case_id,
            organization_id=organization_id,
            role=_role_at(viewer, organization_id),
            categories=tuple(DATA_CATEGORIES),
            basis=f"consent:{consent_id}",
            consent_id=consent_id,
            purpose=str(ConsentPurpose.TRANSFER),
        )
    )


def note_denied(
    viewer: Viewer, case_id: int | None, action: str, categories: Iterable[str] = ()
) -> None:
    """Record a refused attempt. The viewer had no basis, so none is named; the organization
    is named when the viewer works at exactly one."""
    organization_id = next(iter(viewer.roles)) if len(viewer.roles) == 1 else None
    role = _role_at(viewer, organization_id)
    if not viewer.roles and viewer.person_id is not None:
        role = YOUNG_PERSON
    note(
        EventDraft(
            user_id=viewer.user_id,
            action=str(action),
            outcome=AccessOutcome.DENIED,
            case_id=case_id,
            organization_id=organization_id,
            role=role,
            categories=_ordered(categories),
        )
    )


def note_referral_read(
    viewer: Viewer,
    *,
    case_id: int,
    organization_id: int,
    categories: Iterable[str],
    grants: Sequence[ConsentGrant],
    action: str = "view",
) -> None:
    """The receiving organization read a referral: allowed under each consent that released
    what it carries, or denied (its content withheld) when none is in force."""
    carried = set(categories)
    common = {"user_id": viewer.user_id, "action": str(action)}
    if not grants:
        note(
            EventDraft(
                **common,
                outcome=AccessOutcome.DENIED,
                case_id=case_id,
                organization_id=organization_id,
                role=_role_at(viewer, organization_id),
                categories=_ordered(carried),
            )
        )
        return
    common["outcome"] = AccessOutcome.ALLOWED
    # The consents relied on: each that adds a category; the first when it carries none.
    events, covered = [], set()
    for grant in grants:
        relied_on = (grant.categories & carried) - covered
        if relied_on or (not events and not carried):
            covered |= relied_on
            events.append(_consent_event(viewer, case_id, grant, relied_on, common))
    note_many(events)


def note_list_access(
    viewer: Viewer,
    cases_with_access: Iterable[CaseAccess],
    action: str = LIST,
    categories: Iterable[str] | None = None,
) -> None:
    """One event per case of a page, written with the request's other events in one insert."""
    wanted = None if categories is None else frozenset(categories)
    note_many(
        event
        for access in cases_with_access
        for event in case_access_events(
            viewer=viewer, access=access, action=action, categories=wanted
        )
    )


def with_access_marks(cases: QuerySet[Case], *, viewer: Viewer) -> QuerySet[Case]:
    """``cases`` with ``on_team`` and ``is_primary`` for the viewer, read in the same query as
    the cases: a page read this way needs no second query for its access decision
    (``note_page_access`` with ``marked``)."""
    team = CaseUserObjectPermission.objects.filter(
        user_id=viewer.user_id,
        permission_id=case_permission_ids()[VIEW_CASE],
        content_object_id=OuterRef("pk"),
    )
    primary = CareTeamMember.objects.filter(
        user_id=viewer.user_id, case_id=OuterRef("pk"), until__isnull=True, role="primary"
    )
    # A scalar subquery, not EXISTS: PostgreSQL may answer an EXISTS by hashing every row of
    # the viewer's (725 team rows for an advocate at 200k, before the page's LIMIT), where this
    # is one index probe per case shown.
    return cases.annotate(
        on_team=IsNull(Subquery(team.values("pk")[:1]), False),
        is_primary=IsNull(Subquery(primary.values("pk")[:1]), False),
    )


def accesses_for_cases(*, viewer: Viewer, case_ids: Sequence[int]) -> dict[int, CaseAccess]:
    """The bases the viewer holds on each of a page's cases, in one or two queries.

    Cases with no case-level basis (an incoming referral's case, say) are left out.
    """
    if not case_ids or viewer.user_id is None:
        return {}
    cases = Case.objects.filter(pk__in=case_ids).only("pk", "lead_organization_id", "person_id")
    return accesses_of_marked(viewer=viewer, cases=with_access_marks(cases, viewer=viewer))


def accesses_of_marked(*, viewer: Viewer, cases: Iterable[Case]) -> dict[int, CaseAccess]:
    """``accesses_for_cases`` for cases read ``with_access_marks``: a query only for the
    consents of the cases the viewer does not lead (none when it leads them all)."""
    from consent.policy import LEAD_BASES, Basis, CaseAccess, bases_for, consents_in_force

    if viewer.user_id is None:
        return {}
    bases = {
        case.pk: (
            case,
            bases_for(viewer=viewer, case=case, on_team=case.on_team, is_primary=case.is_primary),
        )
        for case in cases
    }
    partner_only = [pk for pk, (_, held) in bases.items() if not held & LEAD_BASES]
    grants = consents_in_force(viewer=viewer, case_ids=partner_only)
    accesses = {}
    for pk, (case, held) in bases.items():
        if held & LEAD_BASES:
            accesses[pk] = CaseAccess(case=case, bases=held)
        elif grants.get(pk):
            accesses[pk] = CaseAccess(
                case=case, bases=held | {Basis.CONSENT}, grants=tuple(grants[pk])
            )
    return accesses


def note_page_access(
    *,
    viewer: Viewer,
    case_ids: Iterable[int],
    action: str = LIST,
    categories: Iterable[str] | None = None,
    marked: Iterable[Case] | None = None,
) -> dict[int, CaseAccess | None]:
    """A list page showed records of these cases, recorded with no query per row: R24's page
    event, one event naming every case shown on the same basis (``page_events``). ``marked``:
    the page's cases already read ``with_access_marks``, which spares the access decision its
    own query of them.

    A case seen through no case-level basis (an incoming referral's, once its consent ended)
    is recorded as denied: nothing of it was released. Returns what was found per case (None:
    no case-level basis), so the page's releases need not be looked up a second time
    (``consent.policy.releases_from_accesses``).
    """
    ordered = list(dict.fromkeys(case_ids))
    if not ordered:
        return {}
    if marked is None:
        accesses = accesses_for_cases(viewer=viewer, case_ids=ordered)
    else:
        accesses = accesses_of_marked(viewer=viewer, cases=marked)
    wanted = None if categories is None else frozenset(categories)
    events: list[EventDraft] = []
    # A lead basis's event depends only on the bases and the lead organization: one draft per
    # such pair, naming its cases, rather than a draft per case grouped afterwards.
    led: dict[tuple[frozenset[str], int], tuple[EventDraft, list[int]]] = {}
    for case_id in ordered:
        access = accesses.get(case_id)
        if access is not None and access.is_lead:
            same = (access.bases, access.case.lead_organization_id)
            if same not in led:
                (draft,) = case_access_events(
                    viewer=viewer, access=access, action=action, categories=wanted
                )
                led[same] = (draft, [])
            led[same][1].append(case_id)
        elif access is not None:
            events += case_access_events(
                viewer=viewer, access=access, action=action, categories=wanted
            )
        else:
            # No case-level basis (an incoming referral whose consent ended): the page showed
            # nothing of the young person's data, and the log says it was withheld.
            organization_id = next(iter(viewer.roles)) if len(viewer.roles) == 1 else None
            events.append(
                EventDraft(
                    user_id=viewer.user_id,
                    action=str(action),
                    outcome=AccessOutcome.DENIED,
                    case_id=case_id,
                    organization_id=organization_id,
                    role=_role_at(viewer, organization_id),
                    categories=_ordered(wanted or ()),
                )
            )
    for draft, named in led.values():
        if len(named) > 1:
            draft = replace(draft, case_id=None, case_ids=tuple(named))
        events.append(draft)
    note_many(page_events(events))
    return {case_id: accesses.get(case_id) for case_id in ordered}


def page_events(events: Iterable[EventDraft]) -> list[EventDraft]:
    """A list's per-case events as R24's page events: the allowed events that differ only in
    their case become one naming every such case, in the page's order. Each page event is
    exact for each case it names (same basis, consent, role, purpose and categories), so a
    reader takes it as that many single events. A lone case, and a refusal, stay single."""
    grouped: dict[tuple[Any, ...], list[EventDraft]] = {}
    for event in events:
        pageable = event.outcome == AccessOutcome.ALLOWED and event.case_id is not None
        shared = replace(event, case_id=None).key if pageable else (id(event),)
        grouped.setdefault(shared, []).append(event)
    drafts = []
    for same in grouped.values():
        case_ids = tuple(dict.fromkeys(e.case_id for e in same if e.case_id is not None))
        if len(case_ids) > 1:
            drafts.append(replace(same[0], case_id=None, case_ids=case_ids))
        else:
            drafts.append(same[0])
    return drafts


PORTAL_ACTIVATION = "activate_portal"


def note_portal_activation(*, person_id: int, user_id: int | None, allowed: bool) -> None:
    """A young person's portal login began (``allowed``), or a wrong code was tried against
    theirs: one event on each of their cases, from the page or the API. A refused try names no
    basis and no user (nobody is signed in)."""
    cases = Case.objects.filter(person_id=person_id).values_list("pk", "lead_organization_id")
    note_many(
        EventDraft(
            user_id=user_id if allowed else None,
            action=PORTAL_ACTIVATION,
            outcome=AccessOutcome.ALLOWED if allowed else AccessOutcome.DENIED,
            case_id=case_id,
            organization_id=organization_id,
            role=YOUNG_PERSON if allowed else "",
            basis=YOUNG_PERSON if allowed else "",
            purpose=_OWN_RECORD_PURPOSE if allowed else "",
        )
        for case_id, organization_id in cases
    )
