"""R35: a scheduled job purges identifying fields of closed cases past the retention period;
narrative goes, counts stay.

The world: a case closed past its organization's retention period, one closed within it, one
open, and a young person with two cases (one closed past retention, one open). Each case's
records carry a seed word of its own, so the tests can search every table, the historical
ones included, for what must be gone and what must stay.
"""

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from cases.models import (
    Case,
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
)
from cases.services.plans import plan_snapshot
from consent.access_log import EventDraft, record_events, verify_chain
from consent.models import AccessEvent, CompelledDisclosure, Consent, Signature
from providers.models import Membership, Organization
from tasks.models import FollowUp, RetentionPurge, RetentionRun
from tasks.retention import PLACEHOLDER, PURGE_ACTION, run_retention
from tasks.tasks import purge_expired_cases
from tests import factories as f

pytestmark = pytest.mark.django_db

RETENTION_DAYS = 365


def _today() -> date:
    return timezone.localdate()


def _closed_case(lead: Organization, person: Person, days_ago: int) -> Case:
    closed_on = _today() - timedelta(days=days_ago)
    return f.CaseFactory(
        lead_organization=lead,
        person=person,
        status=Case.Status.CLOSED,
        closed_reason=Case.ClosedReason.OTHER,
        closed_reason_text="Closed when the family moved",
        opened_on=closed_on - timedelta(days=200),
        closed_on=closed_on,
    )


def _person(seed: str, *, user: User | None = None) -> Person:
    person = f.PersonFactory(
        alias=f"{seed}",
        legal_name=f"{seed} Legalname",
        chosen_name=f"{seed} Chosen",
        pronouns="they/them",
        birth_date_precision=Person.BirthDatePrecision.EXACT,
        birth_date=date(2005, 4, 17),
        gender=f"{seed} gender words",
        race_ethnicity=f"{seed} ethnicity words",
        languages=["en", "es"],
        user=user,
    )
    person.chosen_name = f"{seed} Renamed"  # a second history row holding the old value
    person.save()
    f.FamilyMemberFactory(
        person=person,
        name=f"{seed} Mother",
        phone="555-0100",
        email=f"{seed.lower()}.mother@example.org",
        address=f"1 {seed} Lane",
        notes=f"{seed} mother works nights",
    )
    SafeContactRule.objects.filter(person=person).update(
        allowed_channels=["sms"], phone="555-0199", code_word=f"{seed}bird", notes=f"{seed} notes"
    )
    rule = SafeContactRule.objects.get(person=person)
    rule.address = f"2 {seed} Road"
    rule.save()
    return person


def _records(case: Case, seed: str, staff: User, partner: Organization) -> None:
    """Narrative and counts on the case, each text with the seed word in it."""
    f.CareTeamMemberFactory(case=case, user=staff)
    f.FlagFactory(case=case, text=f"{seed} flag text")
    f.CaseNoteFactory(case=case, body=f"{seed} note body", author=staff)
    f.CaseNoteFactory(case=case, body=f"{seed} staff-only note", staff_only=True)
    f.ContactFactory(case=case, summary=f"{seed} contact summary", staff=staff)
    goal = f.GoalFactory(plan=case.plan, description=f"{seed} wants a flat")
    housing = f.PlannedServiceFactory(
        goal=goal, service_type=f.service_type("housing"), provider=partner
    )
    f.PlannedServiceFactory(
        goal=goal,
        service_type=f.service_type("legal_aid"),
        status=PlannedService.Status.COMPLETED,
    )
    goal.description = f"{seed} wants a flat soon"
    goal.save()
    f.PlanVersionFactory(
        plan=case.plan,
        content=plan_snapshot(case.plan),
        summary=f"{seed} plan summary",
        changes_requested=f"{seed} asks for changes",
    )
    referral = f.ReferralFactory(
        case=case,
        sent=True,
        to_organization=partner,
        planned_service=housing,
        message=f"{seed} needs housing",
    )
    ReferralTransition.objects.create(
        referral=referral,
        from_status="draft",
        to_status="sent",
        actor=staff,
        organization=case.lead_organization,
        at=timezone.now(),
        note=f"{seed} transition note",
    )
    f.ReferralFactory(
        case=case,
        to_organization=partner,
        status=Referral.Status.DECLINED,
        sent_at=timezone.now(),
        decline_reason=Referral.DeclineReason.OTHER,
        decline_reason_text=f"{seed} declined reason",
        message="",
    )
    f.CaseTransferFactory(
        case=case,
        to_organization=partner,
        status=CaseTransfer.Status.DECLINED,
        answered_at=timezone.now(),
        reason=f"{seed} moved away",
        answer_note=f"{seed} answer",
    )
    f.ConsentFactory(
        case=case,
        recipient=partner,
        purpose=Consent.Purpose.OTHER,
        purpose_text=f"For {seed} housing",
        revocation_reason="",
    )
    f.ConsentFactory(case=case, recipient=partner, status=Consent.Status.EXPIRED)
    CompelledDisclosure.objects.create(
        case=case,
        authority=CompelledDisclosure.Authority.COURT_ORDER,
        legal_authority=f"Docket {seed}-77",
        recipient_name="County Court",
        categories=["identity"],
        disclosed_at=timezone.now(),
        recorded_by=staff,
    )
    FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.OTHER,
        organization=case.lead_organization,
        due_at=timezone.now(),
        status=FollowUp.Status.DONE,
        completed_at=timezone.now(),
        description=f"Call {seed}",
        completion_note=f"Spoke with {seed}",
    )
    record_events(
        [
            EventDraft(
                user_id=staff.pk,
                action="view",
                outcome="allowed",
                case_id=case.pk,
                organization_id=case.lead_organization_id,
                role="advocate",
                categories=("identity", "plan"),
                basis="care_team",
            )
        ]
    )


@dataclass
class RetentionWorld:
    lead: Organization
    expired: Case  # closed past retention: "Quillon"
    recent: Case  # closed within retention: "Marrow"
    open_case: Case  # open: "Tamsin"
    shared_old: Case  # closed past retention, the young person has another case: "Brennick"
    shared_open: Case
    portal_user: User


@pytest.fixture
def rw(db: None) -> RetentionWorld:
    lead = f.OrganizationFactory(name="Lead Org", closed_case_retention_days=RETENTION_DAYS)
    partner = f.OrganizationFactory(name="Partner Org")
    staff = f.MembershipFactory(organization=lead, role=Membership.Role.ADVOCATE).user
    portal_user = f.UserFactory(email="quillon@example.org", full_name="Quillon Portal")
    expired = _closed_case(lead, _person("Quillon", user=portal_user), RETENTION_DAYS + 10)
    recent = _closed_case(lead, _person("Marrow"), RETENTION_DAYS - 10)
    open_case = f.CaseFactory(lead_organization=lead, person=_person("Tamsin"))
    brennick = _person("Brennick")
    shared_old = _closed_case(lead, brennick, RETENTION_DAYS + 50)
    shared_open = f.CaseFactory(lead_organization=lead, person=brennick)
    for case, seed in (
        (expired, "Quillon"),
        (recent, "Marrow"),
        (open_case, "Tamsin"),
        (shared_old, "Brennick"),
        (shared_open, "Brennick"),
    ):
        _records(case, seed, staff, partner)
    return RetentionWorld(lead, expired, recent, open_case, shared_old, shared_open, portal_user)


def _raw_dump() -> str:
    """Every row of every table, as the database stores it (historical tables included)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # Table names come from the database's own catalogue, quoted.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def _counts(case: Case) -> dict[str, object]:
    return {
        "services": Counter(
            PlannedService.objects.filter(goal__plan__case=case).values_list(
                "service_type__code", "status", "provider_id"
            )
        ),
        "referrals": Counter(
            Referral.objects.filter(case=case).values_list("status", "to_organization_id")
        ),
        "consents": Counter(
            Consent.objects.filter(case=case).values_list("status", "recipient_id", "purpose")
        ),
        "signatures": Signature.objects.filter(consent__case=case).count(),
        "goals": Goal.objects.filter(plan__case=case).count(),
        "notes": CaseNote.objects.filter(case=case).count(),
        "contacts": Contact.objects.filter(case=case).count(),
        "flags": Flag.objects.filter(case=case).count(),
        "follow_ups": FollowUp.objects.filter(case=case).count(),
        "case": Case.objects.filter(pk=case.pk).values(
            "status", "opened_on", "closed_on", "closed_reason", "lead_organization_id"
        )[0],
    }


def _history_rows(case: Case) -> int:
    return (
        Case.history.filter(id=case.pk).count()
        + CaseNote.history.filter(case_id=case.pk).count()
        + Flag.history.filter(case_id=case.pk).count()
        + Goal.history.filter(plan__case_id=case.pk).count()
        + Referral.history.filter(case_id=case.pk).count()
        + Person.history.filter(id=case.person_id).count()
    )


def test_r35_the_expired_case_loses_every_identifying_word_in_every_table(
    rw: RetentionWorld,
) -> None:
    assert "Quillon" in _raw_dump()

    run_retention()

    dump = _raw_dump()
    assert "Quillon" not in dump
    assert "555-0100" not in dump and "555-0199" not in dump
    assert "2005-04-17" not in dump


def test_r35_encrypted_details_of_the_expired_case_read_back_empty(rw: RetentionWorld) -> None:
    # Contact details and notes are encrypted at rest (R37): the raw search cannot see them.
    run_retention()

    person = Person.objects.get(pk=rw.expired.person_id)
    assert person.alias == PLACEHOLDER
    assert (person.legal_name, person.chosen_name, person.pronouns) == ("", "", "")
    assert person.birth_date is None and person.birth_year is None
    assert (person.gender, person.race_ethnicity, person.languages) == ("", "", [])
    # A de-identified age band stays for reports.
    assert person.birth_date_precision == Person.BirthDatePrecision.AGE_RANGE
    assert person.age_range_max - person.age_range_min == 4
    family = FamilyMember.objects.get(person=person)
    assert (family.name, family.phone, family.email, family.address, family.notes) == (
        PLACEHOLDER,
        "",
        "",
        "",
        "",
    )
    rule = SafeContactRule.objects.get(person=person)
    assert (rule.allowed_channels, rule.phone, rule.code_word, rule.notes, rule.address) == (
        [],
        "",
        "",
        "",
        "",
    )
    assert set(CaseNote.objects.filter(case=rw.expired).values_list("body", flat=True)) == {
        PLACEHOLDER
    }
    assert set(Contact.objects.filter(case=rw.expired).values_list("summary", flat=True)) == {""}


def test_r35_history_of_the_expired_case_and_its_young_person_is_gone(
    rw: RetentionWorld,
) -> None:
    assert _history_rows(rw.expired) > 0

    run_retention()

    assert _history_rows(rw.expired) == 0
    person_id = rw.expired.person_id
    assert not FamilyMember.history.filter(person_id=person_id).exists()
    assert not SafeContactRule.history.filter(person_id=person_id).exists()
    assert not PlannedService.history.filter(goal__plan__case=rw.expired).exists()
    assert not CaseTransfer.history.filter(case_id=rw.expired.pk).exists()


def test_r35_counts_stay_after_the_purge(rw: RetentionWorld) -> None:
    before = {case.pk: _counts(case) for case in (rw.expired, rw.shared_old)}

    run_retention()

    for case in (rw.expired, rw.shared_old):
        assert _counts(case) == before[case.pk]
    version = PlanVersion.objects.get(plan__case=rw.expired)
    services = [s["service_type"]["code"] for g in version.content["goals"] for s in g["services"]]
    assert sorted(services) == ["housing", "legal_aid"]


def test_r35_cases_open_or_within_retention_are_untouched(rw: RetentionWorld) -> None:
    kept = (rw.recent, rw.open_case, rw.shared_open)
    before = {case.pk: (_counts(case), _history_rows(case)) for case in kept}

    run_retention()

    for case in kept:
        assert (_counts(case), _history_rows(case)) == before[case.pk]
    dump = _raw_dump()
    for seed in ("Marrow Legalname", "Marrow flag text", "Tamsin wants a flat", "Call Tamsin"):
        assert seed in dump
    assert CaseNote.objects.get(case=rw.recent, staff_only=False).body == "Marrow note body"
    assert not RetentionPurge.objects.filter(case__in=kept).exists()


def test_r35_a_young_person_with_another_live_case_keeps_their_record(
    rw: RetentionWorld,
) -> None:
    run_retention()

    person = Person.objects.get(pk=rw.shared_old.person_id)
    assert person.alias == "Brennick" and person.legal_name == "Brennick Legalname"
    assert FamilyMember.objects.get(person=person).phone == "555-0100"
    assert Person.history.filter(id=person.pk).exists()
    # ... while the closed case's own narrative is gone.
    assert set(CaseNote.objects.filter(case=rw.shared_old).values_list("body", flat=True)) == {
        PLACEHOLDER
    }
    assert Flag.objects.get(case=rw.shared_old).text == PLACEHOLDER
    assert not RetentionPurge.objects.get(case=rw.shared_old).person_purged


def test_r35_the_young_persons_record_goes_once_their_last_case_is_past_retention(
    rw: RetentionWorld,
) -> None:
    run_retention()
    shared_open = rw.shared_open
    closed_on = _today() - timedelta(days=RETENTION_DAYS + 1)
    Case.objects.filter(pk=shared_open.pk).update(
        status=Case.Status.CLOSED,
        closed_reason=Case.ClosedReason.GOALS_MET,
        opened_on=closed_on - timedelta(days=10),
        closed_on=closed_on,
    )

    report = run_retention()

    assert (report.cases_purged, report.people_purged) == (1, 1)
    assert Person.objects.get(pk=shared_open.person_id).alias == PLACEHOLDER
    assert "Brennick" not in _raw_dump()


def test_r35_the_portal_account_of_a_purged_young_person_is_closed(rw: RetentionWorld) -> None:
    AccessLog.objects.create(
        username="quillon@example.org", ip_address="10.0.0.1", user_agent="test", path_info="/"
    )
    AccessFailureLog.objects.create(
        username="Quillon@example.org", ip_address="10.0.0.1", user_agent="test", path_info="/"
    )

    run_retention()

    user = User.objects.get(pk=rw.portal_user.pk)
    assert not user.is_active
    assert user.email.endswith(".invalid") and "quillon" not in user.email.lower()
    assert user.full_name == ""
    assert not user.has_usable_password()
    assert not AccessLog.objects.exists() and not AccessFailureLog.objects.exists()


def test_r35_the_access_log_is_kept_whole_and_still_verifies(rw: RetentionWorld) -> None:
    events_before = AccessEvent.objects.filter(case_id=rw.expired.pk).count()

    run_retention()

    assert verify_chain() is None
    events = AccessEvent.objects.filter(case_id=rw.expired.pk)
    assert events.count() == events_before + 1
    purge_event = events.get(action=PURGE_ACTION)
    assert purge_event.user_id is None and purge_event.organization_id == rw.lead.pk


def test_r35_a_second_run_purges_nothing(rw: RetentionWorld) -> None:
    run_retention()
    dump = _raw_dump()
    events = AccessEvent.objects.count()

    report = run_retention()

    assert (report.cases_purged, report.people_purged, dict(report.counts)) == (0, 0, {})
    assert AccessEvent.objects.count() == events
    assert _raw_dump().count(PLACEHOLDER) == dump.count(PLACEHOLDER)
    assert RetentionPurge.objects.count() == 2


def test_r35_the_report_counts_what_was_purged(rw: RetentionWorld) -> None:
    report = run_retention()

    assert (report.cases_purged, report.people_purged) == (2, 1)
    run = RetentionRun.objects.get(pk=report.run_id)
    assert run.finished_at is not None
    assert (run.cases_purged, run.people_purged) == (2, 1)
    assert run.counts["notes"] == 4  # two per case
    assert run.counts["consents"] == 4
    assert run.counts["referrals"] == 4
    assert run.counts["person"] == 1
    assert run.counts["portal_accounts"] == 1
    assert run.counts["family_members"] == 1
    assert run.counts["history_rows"] > 0
    expired = RetentionPurge.objects.get(case=rw.expired)
    assert expired.person_purged and expired.organization_id == rw.lead.pk
    assert expired.counts["contacts"] == 1
    assert "Quillon" not in repr(run.counts) + repr(expired.counts)


def test_r35_the_run_log_line_holds_no_personal_data(
    rw: RetentionWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="tasks.retention"):
        run_retention()

    assert "retention run" in caplog.text
    for seed in ("Quillon", "Brennick", "555-0100"):
        assert seed not in caplog.text


def test_r35_the_retention_period_is_per_organization(db: None) -> None:
    short = f.OrganizationFactory(closed_case_retention_days=30)
    long = f.OrganizationFactory(closed_case_retention_days=RETENTION_DAYS)
    at_short = _closed_case(short, _person("Shortlived"), 60)
    at_long = _closed_case(long, _person("Longlived"), 60)

    report = run_retention()

    assert report.cases_purged == 1
    assert RetentionPurge.objects.filter(case=at_short).exists()
    assert not RetentionPurge.objects.filter(case=at_long).exists()
    assert Person.objects.get(pk=at_long.person_id).alias == "Longlived"


def test_r35_the_day_the_period_ends_the_case_is_still_kept(db: None) -> None:
    org = f.OrganizationFactory(closed_case_retention_days=30)
    boundary = _closed_case(org, _person("Boundary"), 30)

    assert run_retention().cases_purged == 0
    assert run_retention(today=_today() + timedelta(days=1)).cases_purged == 1
    assert Person.objects.get(pk=boundary.person_id).alias == PLACEHOLDER


def test_r35_the_celery_task_runs_the_job(rw: RetentionWorld) -> None:
    result = purge_expired_cases()

    assert result["cases_purged"] == 2 and result["people_purged"] == 1
    assert RetentionPurge.objects.filter(case=rw.expired).exists()


def test_r35_the_beat_schedule_runs_the_job_daily(settings: object) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-cases"]
    assert entry["task"] == "tasks.tasks.purge_expired_cases"
    assert entry["schedule"].hour == {4}


def test_r35_work_left_for_a_later_batch_is_not_lost(rw: RetentionWorld) -> None:
    report = run_retention(max_batches=1)
    assert report.cases_purged == 2  # both fit one batch
    assert ReferralTransition.objects.filter(note__contains="Quillon").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r35_a_case_another_worker_holds_is_skipped_then_purged_by_the_next_run(
    rw: RetentionWorld,
) -> None:
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=rw.expired.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    locked.wait(10)
    try:
        first = run_retention()
    finally:
        release.set()
        thread.join()

    assert first.cases_purged == 1
    assert not RetentionPurge.objects.filter(case=rw.expired).exists()
    assert run_retention().cases_purged == 1
    assert RetentionPurge.objects.filter(case=rw.expired).exists()


def test_r35_system_involvement_keeps_its_kinds_and_dates_and_loses_its_words(
    rw: RetentionWorld,
) -> None:
    """What the systems did (issue 21) still counts after retention; the notes go."""
    event = f.SystemInvolvementEventFactory(
        case=rw.expired, kind="juvenile_court", note="Hearing about Quillon"
    )
    occurred_on = event.occurred_on

    run_retention()

    event.refresh_from_db()
    assert (event.kind, event.occurred_on, event.note) == ("juvenile_court", occurred_on, "")
    assert not event.history.exists()
