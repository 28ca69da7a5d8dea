"""The retention job (R35): closed cases past their lead organization's retention period lose
their identifying data and narrative; the counts stay.

What goes: the young person's names, pronouns, exact birth date or year (an age band of five
years stays), gender, ethnicity and languages; family members' names and contact details;
the safe-contact rule's channels, details and code word; documents' files and titles; note
bodies, contact summaries, flag texts, goal descriptions, plan snapshots' words, referral and
transfer messages, consents' free text, signature evidence references, compelled disclosures'
docket numbers, follow-up texts; and every django-simple-history row of those records, which
hold the same plaintext. The portal account is deactivated and its e-mail replaced by an
unusable placeholder.

What stays: the case row (status, dates, organization, closing reason code), care team rows,
planned services (types, providers, statuses, dates), referrals (organizations, types,
statuses, dates), consent skeletons (categories, recipients, purposes, dates, statuses),
signature roles and dates, follow-ups, portal notices and the access log. Access events hold
ids and codes only (R25), so the hash chain is never rewritten; the purge appends its own.

Text that a database constraint requires to be non-empty is replaced by ``PLACEHOLDER``.
A young person with another case that is open or still within its retention period keeps
their own record until that case is purged too. Each case is purged once (``RetentionPurge``),
in its own transaction, under a row lock that a second worker skips.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from cases import document_store
from cases.checkins import GoalProgress
from cases.models import (
    CareTeamMember,
    Case,
    CaseDocument,
    CaseNote,
    CaseTransfer,
    Contact,
    FamilyMember,
    Flag,
    Goal,
    Person,
    PlannedService,
    PlanVersion,
    Referral,
    ReferralTransition,
    SafeContactRule,
    ServicePlan,
)
from cases.system_involvement import SystemInvolvementEvent
from consent.access_log import EventDraft, record_events
from consent.models import AccessOutcome, CompelledDisclosure, Consent, Signature
from consent.signers import youngest_possible_age
from providers.models import Organization
from tasks.models import FollowUp, RetentionPurge, RetentionRun

logger = logging.getLogger(__name__)

PLACEHOLDER = "[removed]"
PURGE_ACTION = "retention_purge"
BATCH_SIZE = 100
AGE_BAND_YEARS = 5


@dataclass
class RetentionReport:
    """What one run purged: numbers only, never a name."""

    run_id: int
    cases_purged: int = 0
    people_purged: int = 0
    counts: Counter = field(default_factory=Counter)


def _scrub(queryset: QuerySet, *fields: str) -> int:
    """Replace non-empty text with ``PLACEHOLDER`` (for fields a constraint keeps non-empty)."""
    touched = 0
    for name in fields:
        touched = max(touched, queryset.exclude(**{name: ""}).update(**{name: PLACEHOLDER}))
    return touched


def due_case_ids(*, today: date, after_id: int = 0, limit: int = BATCH_SIZE) -> list[int]:
    """Ids of closed, not yet purged cases whose retention period ended before ``today``."""
    periods = Organization.objects.values_list("closed_case_retention_days", flat=True)
    past = Q(pk__in=[])
    for days in set(periods):
        past |= Q(
            lead_organization__closed_case_retention_days=days,
            closed_on__lt=today - timedelta(days=days),
        )
    return list(
        Case.objects.filter(past, status=Case.Status.CLOSED, pk__gt=after_id)
        .exclude(pk__in=RetentionPurge.objects.values("case_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _past_retention(case: Case, today: date) -> bool:
    days = case.lead_organization.closed_case_retention_days
    return (
        case.status == Case.Status.CLOSED
        and case.closed_on is not None
        and case.closed_on < today - timedelta(days=days)
    )


def _purge_case_records(case: Case) -> Counter:
    """The case's own narrative and free text, and the history rows that repeat them."""
    counts: Counter = Counter()
    case_rows = Case.objects.filter(pk=case.pk)
    case_rows.filter(closed_reason="other").update(closed_reason_text=PLACEHOLDER)
    case_rows.exclude(closed_reason="other").update(closed_reason_text="")
    counts["flags"] = _scrub(Flag.objects.filter(case_id=case.pk), "text")
    counts["notes"] = CaseNote.objects.filter(case_id=case.pk).update(body=PLACEHOLDER)
    counts["contacts"] = Contact.objects.filter(case_id=case.pk).update(summary="")
    # What the systems did: the kind and the date stay (counts), the words go.
    events = SystemInvolvementEvent.objects.filter(case_id=case.pk)
    counts["system_involvement"] = events.update(note="")
    events.filter(removed_at__isnull=False).update(removal_reason=PLACEHOLDER)
    goals = Goal.objects.filter(plan__case_id=case.pk)
    counts["goals"] = _scrub(goals, "description")
    # What the young person said about their goals at check-ins (issue 21); the answers'
    # codes stay, as counts do.
    counts["check_ins"] = GoalProgress.objects.filter(check_in__case_id=case.pk).update(words="")
    counts["plan_versions"] = _purge_plan_versions(case)
    referrals = Referral.objects.filter(case_id=case.pk)
    counts["referrals"] = referrals.update(message="")
    _scrub(referrals, "decline_reason_text", "outcome_note")
    ReferralTransition.objects.filter(referral__case_id=case.pk).update(note="")
    transfers = CaseTransfer.objects.filter(case_id=case.pk)
    counts["transfers"] = transfers.update(answer_note="")
    _scrub(transfers, "reason")
    consents = Consent.objects.filter(case_id=case.pk)
    # A queryset update, not save(): only the purge may touch a signed consent's terms.
    counts["consents"] = consents.update(signer_rule_basis="", revocation_reason="")
    _scrub(consents, "purpose_text")
    Signature.objects.filter(consent__case_id=case.pk).update(evidence=PLACEHOLDER)
    counts["compelled_disclosures"] = _scrub(
        CompelledDisclosure.objects.filter(case_id=case.pk), "legal_authority"
    )
    counts["follow_ups"] = FollowUp.objects.filter(case_id=case.pk).update(
        description="", completion_note=""
    )
    counts["documents"] = _purge_documents(case)
    counts["history_rows"] = _delete_case_history(case)
    return counts


def _purge_documents(case: Case) -> int:
    """Every document's file goes (R35, R43); the rows stay as skeletons: kind, type, size,
    dates. The files are removed once the purge is committed, so a rollback keeps both."""
    documents = CaseDocument.objects.filter(case_id=case.pk)
    stored = list(documents.exclude(storage_name="").values_list("storage_name", flat=True))
    now = timezone.now()
    scrubbed = {"storage_name": "", "title": PLACEHOLDER, "deletion_reason": ""}
    purged = documents.filter(deleted_at__isnull=False).update(**scrubbed)
    purged += documents.filter(deleted_at__isnull=True).update(deleted_at=now, **scrubbed)
    transaction.on_commit(lambda: [document_store.remove(name) for name in stored])
    return purged


def _purge_plan_versions(case: Case) -> int:
    versions = list(PlanVersion.objects.filter(plan__case_id=case.pk))
    for version in versions:
        goals = (version.content or {}).get("goals", [])
        for goal in goals:
            goal["description"] = PLACEHOLDER
        version.content = {**(version.content or {}), "goals": goals}
        version.summary = ""
        version.changes_requested = ""
    PlanVersion.objects.bulk_update(versions, ["content", "summary", "changes_requested"])
    return len(versions)


def remove_stray_document_files(*, now: datetime | None = None) -> int:
    """Remove stored files that no document names, once a day old (a day leaves any upload
    in progress time to write its row). Their content is encrypted either way; this keeps the
    storage holding only what Harbor lists."""
    now = now or timezone.now()
    referenced = CaseDocument.objects.exclude(storage_name="").values_list(
        "storage_name", flat=True
    )
    strays = document_store.stray_names(referenced=referenced, older_than=now - timedelta(days=1))
    for name in strays:
        document_store.remove(name)
    return len(strays)


def _delete_case_history(case: Case) -> int:
    plans = ServicePlan.objects.filter(case_id=case.pk).values("pk")
    plan_goal_ids = Goal.history.filter(plan_id__in=plans).values("id")
    sources = [
        Case.history.filter(id=case.pk),
        CareTeamMember.history.filter(case_id=case.pk),
        Flag.history.filter(case_id=case.pk),
        CaseNote.history.filter(case_id=case.pk),
        PlannedService.history.filter(goal_id__in=plan_goal_ids),
        Goal.history.filter(plan_id__in=plans),
        Referral.history.filter(case_id=case.pk),
        CaseTransfer.history.filter(case_id=case.pk),
        SystemInvolvementEvent.history.filter(case_id=case.pk),
    ]
    return sum(rows.delete()[0] for rows in sources)


def _age_band(person: Person, on: date) -> tuple[int, int] | None:
    age = youngest_possible_age(person, on)
    if age is None:
        return None
    low = age // AGE_BAND_YEARS * AGE_BAND_YEARS
    return low, low + AGE_BAND_YEARS - 1


def _purge_person(person: Person, on: date) -> Counter:
    """The young person's own record, family and safe-contact rule, and their history."""
    band = _age_band(person, on)
    Person.objects.filter(pk=person.pk).update(
        alias=PLACEHOLDER,
        legal_name="",
        chosen_name="",
        pronouns="",
        birth_date=None,
        birth_year=None,
        birth_date_precision=(
            Person.BirthDatePrecision.AGE_RANGE if band else Person.BirthDatePrecision.UNKNOWN
        ),
        age_range_min=band[0] if band else None,
        age_range_max=band[1] if band else None,
        gender="",
        race_ethnicity="",
        sexual_orientation="",
        tribal_affiliation="",
        area="",
        languages=[],
        declined_fields=[],
    )
    family = FamilyMember.objects.filter(person_id=person.pk)
    counts: Counter = Counter(person=1)
    counts["family_members"] = family.update(
        name=PLACEHOLDER, phone="", email="", address="", notes=""
    )
    _scrub(family, "relation_other")
    counts["safe_contact_rules"] = SafeContactRule.objects.filter(person_id=person.pk).update(
        allowed_channels=[],
        phone="",
        email="",
        address="",
        voicemail_ok=False,
        safe_hours_start=None,
        safe_hours_end=None,
        code_word="",
        notes="",
    )
    counts["history_rows"] = sum(
        rows.delete()[0]
        for rows in (
            Person.history.filter(id=person.pk),
            FamilyMember.history.filter(person_id=person.pk),
            SafeContactRule.history.filter(person_id=person.pk),
        )
    )
    if person.user_id is not None:
        counts["portal_accounts"] = _close_portal_account(person.user_id)
    return counts


# Sign-in records (django-axes) keep the e-mail address as the username.
SIGN_IN_RECORDS = ("AccessAttempt", "AccessFailureLog", "AccessLog")


def _close_portal_account(user_id: int) -> int:
    """Deactivate the account, end its sessions, and leave no address that reaches anyone."""
    email = User.objects.filter(pk=user_id).values_list("email", flat=True).first()
    if email and apps.is_installed("axes"):
        for name in SIGN_IN_RECORDS:
            apps.get_model("axes", name).objects.filter(username__iexact=email).delete()
    return User.objects.filter(pk=user_id).update(
        is_active=False,
        email=f"purged-{user_id}@retention.invalid",
        full_name="",
        password=make_password(None),
        session_generation=F("session_generation") + 1,
    )


def _person_may_go(person_id: int, today: date) -> bool:
    """True when every case of the young person is closed and past its retention period."""
    cases = Case.objects.filter(person_id=person_id).select_related("lead_organization")
    return all(_past_retention(case, today) for case in cases)


def purge_case(*, case_id: int, run: RetentionRun, today: date) -> RetentionPurge | None:
    """Purge one case if it is still due and no other worker holds it; the marker, or None."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("lead_organization")
            .filter(pk=case_id)
            .first()
        )
        if case is None or not _past_retention(case, today):
            return None
        if RetentionPurge.objects.filter(case_id=case.pk).exists():
            return None
        counts = _purge_case_records(case)
        person = Person.objects.select_for_update().get(pk=case.person_id)
        person_goes = _person_may_go(person.pk, today)
        if person_goes:
            counts.update(_purge_person(person, case.closed_on or today))
        record_events(
            [
                EventDraft(
                    user_id=None,
                    action=PURGE_ACTION,
                    outcome=AccessOutcome.ALLOWED,
                    case_id=case.pk,
                    organization_id=case.lead_organization_id,
                    role="system",
                    basis="retention",
                )
            ]
        )
        return RetentionPurge.objects.create(
            case=case,
            run=run,
            organization_id=case.lead_organization_id,
            person_purged=person_goes,
            counts={kind: n for kind, n in sorted(counts.items()) if n},
            purged_at=timezone.now(),
        )


def run_retention(*, today: date | None = None, max_batches: int = 50) -> RetentionReport:
    """Purge every due case, a batch at a time; idempotent and safe beside a second run."""
    today = today or timezone.localdate()
    run = RetentionRun.objects.create(started_at=timezone.now())
    report = RetentionReport(run_id=run.pk)
    after_id = 0
    for _ in range(max_batches):
        ids = due_case_ids(today=today, after_id=after_id)
        if not ids:
            break
        after_id = ids[-1]
        for case_id in ids:
            purge = purge_case(case_id=case_id, run=run, today=today)
            if purge is None:
                continue
            report.cases_purged += 1
            report.people_purged += int(purge.person_purged)
            report.counts.update(purge.counts)
    RetentionRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        cases_purged=report.cases_purged,
        people_purged=report.people_purged,
        counts=dict(sorted(report.counts.items())),
    )
    logger.info(
        "retention run %s: %d cases and %d young people purged, %d records cleared",
        run.pk,
        report.cases_purged,
        report.people_purged,
        sum(report.counts.values()),
    )
    return report


def recent_runs_for(*, organization_id: int, limit: int = 10) -> list[dict]:
    """The last runs with this organization's counts (zero where nothing of theirs was due)."""
    runs = list(RetentionRun.objects.order_by("-started_at", "-pk")[:limit])
    purges = RetentionPurge.objects.filter(
        organization_id=organization_id, run_id__in=[r.pk for r in runs]
    ).values_list("run_id", "person_purged", "counts")
    per_run: dict[int, dict] = {r.pk: {"cases": 0, "people": 0, "counts": Counter()} for r in runs}
    for run_id, person_purged, counts in purges:
        row = per_run[run_id]
        row["cases"] += 1
        row["people"] += int(person_purged)
        row["counts"].update(counts)
    return [
        {
            "run": run,
            "cases": per_run[run.pk]["cases"],
            "people": per_run[run.pk]["people"],
            "counts": dict(sorted(per_run[run.pk]["counts"].items())),
        }
        for run in runs
    ]
