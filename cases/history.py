"""The change history of a case: who changed which field of which record, from what to what.

Read from django-simple-history's tables, one query per history-tracked model. It never
decides access: consent.policy decides who may read it and what of it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import model_to_dict

from cases.models import (
    CareTeamMember,
    Case,
    CaseNote,
    CaseTransfer,
    FamilyMember,
    Flag,
    Goal,
    Person,
    PlannedService,
    Referral,
    SafeContactRule,
    ServicePlan,
    SystemInvolvementEvent,
)
from providers.models import Membership


@dataclass(frozen=True)
class FieldChange:
    """One field of one record: its value before and after a change."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    """One saved change of a history-tracked record of a case."""

    record_type: str
    record_id: int
    changed_at: datetime
    change_type: str
    changed_by_id: int | None
    changed_by_name: str
    changer_works_at_lead: bool
    changes: tuple[FieldChange, ...]


# Records of the young person rather than of one case: every case of theirs shares them.
PERSON_RECORD_TYPES = frozenset({"person", "family_member", "safe_contact_rule"})
_CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_sources(case: Case) -> list[tuple[str, QuerySet]]:
    """One queryset of historical rows per history-tracked model that belongs to the case."""
    plan = ServicePlan.objects.filter(case_id=case.pk).values("pk")
    goal_ids = Goal.history.filter(plan_id__in=plan).values("id")
    return [
        ("case", Case.history.filter(id=case.pk)),
        ("care_team_member", CareTeamMember.history.filter(case_id=case.pk)),
        ("flag", Flag.history.filter(case_id=case.pk)),
        ("case_note", CaseNote.history.filter(case_id=case.pk)),
        ("goal", Goal.history.filter(plan_id__in=plan)),
        ("planned_service", PlannedService.history.filter(goal_id__in=goal_ids)),
        ("referral", Referral.history.filter(case_id=case.pk)),
        ("case_transfer", CaseTransfer.history.filter(case_id=case.pk)),
        ("system_involvement", SystemInvolvementEvent.history.filter(case_id=case.pk)),
        ("person", Person.history.filter(id=case.person_id)),
        ("family_member", FamilyMember.history.filter(person_id=case.person_id)),
        ("safe_contact_rule", SafeContactRule.history.filter(person_id=case.person_id)),
    ]


def _initial_values(row: Any) -> tuple[FieldChange, ...]:
    names = [f.name for f in row.tracked_fields if f.editable and f.name != "id"]
    values = model_to_dict(row, fields=names)
    return tuple(
        FieldChange(field=name, old=None, new=values[name])
        for name in sorted(values)
        if values[name] not in (None, "", [], {})
    )


def _field_changes(row: Any, before: Any) -> tuple[FieldChange, ...]:
    if row.history_type == "-":
        return ()
    if row.history_type == "+" or before is None:
        return _initial_values(row)
    delta = row.diff_against(before)
    return tuple(FieldChange(field=c.field, old=c.old, new=c.new) for c in delta.changes)


def _entries(record_type: str, rows: QuerySet) -> list[HistoryEntry]:
    entries, previous = [], {}
    for row in rows:
        changes = _field_changes(row, previous.get(row.id))
        previous[row.id] = row
        if row.history_type == "~" and not changes:
            continue
        user = row.history_user
        entries.append(
            HistoryEntry(
                record_type=record_type,
                record_id=row.id,
                changed_at=row.history_date,
                change_type=_CHANGE_TYPES[row.history_type],
                changed_by_id=row.history_user_id,
                changed_by_name=user.full_name if user is not None else "",
                changer_works_at_lead=row.changer_works_at_lead,
                changes=changes,
            )
        )
    return entries


def case_history(case: Case) -> list[HistoryEntry]:
    """Every saved change of the case's history-tracked records, newest first.

    One query per history-tracked model, however long the history.
    """
    at_lead = Membership.objects.filter(
        user_id=OuterRef("history_user_id"), organization_id=case.lead_organization_id
    )
    entries: list[HistoryEntry] = []
    for record_type, rows in _history_sources(case):
        rows = (
            rows.select_related("history_user")
            .annotate(changer_works_at_lead=Exists(at_lead))
            .order_by("history_date", "history_id")
        )
        entries.extend(_entries(record_type, rows))
    entries.sort(key=lambda e: (e.changed_at, e.record_type, e.record_id), reverse=True)
    return entries
