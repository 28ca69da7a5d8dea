"""Writing one demo story: the case, its young person, family, safe contact, care team and
check-ins through the services of cases/; the plan and the running record (flags, notes,
contacts) as rows consistent with cases/models.py, since their services are younger than the
demo.
Referrals and transfers are written by coordination.demo.handoffs.
"""

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.checkins import CheckIn
from cases.models import (
    CareTeamMember,
    Case,
    CaseNote,
    Contact,
    Flag,
    Goal,
    Person,
    PlannedService,
    PlanVersion,
    Referral,
    SafeContactRule,
)
from cases.services.care_team import add_care_team_member
from cases.services.intake import open_case, save_family_member, update_safe_contact
from cases.services.lifecycle import activate_case
from cases.services.plans import plan_snapshot
from consent.closing import close_case_and_its_consents
from coordination.demo.cast import LEAD, YOUNG_PERSON, Cast
from coordination.demo.check_ins import closure_answers, write_check_ins
from coordination.demo.consents import (
    write_consents,
    write_portal_consents,
    write_transfer_consent,
)
from coordination.demo.demographics import (
    ask_sexual_orientation,
    demographic_fields,
    referral_source,
    write_system_involvement,
)
from coordination.demo.handoffs import write_referral, write_transfer
from coordination.demo.rows import backdate, save_as
from coordination.demo.stories import COUNSELLING, FAMILY, OFFER, STORIES, Clock, Story
from providers.models import Organization, ServiceType

CaseStatus = Case.Status
RefStatus = Referral.Status
PlanStatus = PlanVersion.Status
ServiceStatus = PlannedService.Status
Channel = SafeContactRule.Channel

SERVICE_STATUS = {
    RefStatus.DRAFT: ServiceStatus.PROPOSED,
    RefStatus.SENT: ServiceStatus.REFERRED,
    RefStatus.ACCEPTED: ServiceStatus.REFERRED,
    RefStatus.DECLINED: ServiceStatus.PROPOSED,
    RefStatus.WITHDRAWN: ServiceStatus.PROPOSED,
    RefStatus.IN_SERVICE: ServiceStatus.ACTIVE,
    RefStatus.COMPLETED: ServiceStatus.COMPLETED,
    RefStatus.CLOSED_WITHOUT_SERVICE: ServiceStatus.PROPOSED,
}
CONTACT_CHANNEL = {
    Channel.CALL: Contact.Channel.CALL,
    Channel.SMS: Contact.Channel.SMS,
    Channel.EMAIL: Contact.Channel.EMAIL,
    Channel.IN_PERSON: Contact.Channel.IN_PERSON,
    Channel.MAIL: Contact.Channel.OTHER,
}


@transaction.atomic
def ensure_cases(*, cast: Cast, now: datetime) -> int:
    """Tell every story whose young person is not in the database yet; return how many."""
    told = 0
    for index, story in enumerate(STORIES):
        if not Person.objects.filter(alias=story.alias).exists():
            _tell(story=story, index=index, cast=cast, now=now)
            told += 1
    return told


def _tell(*, story: Story, index: int, cast: Cast, now: datetime) -> None:
    lead = cast.organizations[story.lead]
    if story.lead == LEAD:
        lead = cast.organizations[LEAD] = ask_sexual_orientation(lead, actor=None)
    staff = cast.user(story.primary)
    today = timezone.localdate(now)
    opened_on = today - timedelta(days=story.days_ago)
    person_fields = {
        **_person_fields(story=story, index=index, today=today),
        **demographic_fields(index=index, asks_sexual_orientation=lead.collects_sexual_orientation),
    }
    case = open_case(
        actor=cast.user(story.opened_by or story.primary),
        lead_organization=lead,
        person_fields=person_fields,
        primary_advocate=staff,
        opened_on=opened_on,
        referral_source=referral_source(index),
    )
    write_system_involvement(case=case, staff=staff, index=index, today=today)
    clock = Clock(start=timezone.make_aware(datetime.combine(opened_on, time(9, 30))), now=now)
    person = case.person
    if story.portal:
        person.user = cast.user(YOUNG_PERSON)
        save_as(person, staff)
    if story.channels:
        update_safe_contact(person=person, actor=staff, changes=_safe_contact(story, index))
    for key in story.family:
        save_family_member(actor=staff, person=person, values=FAMILY[key])
    if story.second:
        add_care_team_member(
            case=case, user=cast.user(story.second), role=CareTeamMember.Role.SECONDARY, actor=staff
        )
    if story.handover_to:
        staff = cast.user(story.handover_to)
        add_care_team_member(case=case, user=staff, role=CareTeamMember.Role.PRIMARY, actor=staff)
    if story.status != CaseStatus.OPEN:
        case = activate_case(case=case, actor=staff)
    services = _plan(story=story, case=case, cast=cast, staff=staff, clock=clock)
    referrals = []
    for organization_name, status in story.referrals:
        referral = write_referral(
            case=case,
            to=cast.organizations[organization_name],
            status=status,
            service=services.get(organization_name),
            cast=cast,
            staff=staff,
            clock=clock,
        )
        referrals.append(referral)
    write_consents(case=case, referrals=referrals, staff=staff, clock=clock, now=now)
    if story.portal:
        recipient = cast.organizations[COUNSELLING]
        write_portal_consents(case=case, recipient=recipient, staff=staff, clock=clock, now=now)
    _record(story=story, case=case, staff=staff, clock=clock, service=services.get(story.lead))
    young_person = cast.user(YOUNG_PERSON) if story.portal else None
    write_check_ins(
        story=story, index=index, case=case, staff=staff, young_person=young_person, clock=clock
    )
    if story.transfer:
        receiving = cast.organizations[story.transfer[0]]
        write_transfer_consent(case=case, recipient=receiving, staff=staff, clock=clock, now=now)
        write_transfer(story=story, case=case, cast=cast, staff=staff, clock=clock)
    if story.status == CaseStatus.CLOSED:
        # Most close with their closure check-in; one in three without, so the continuity
        # engine has one to ask for.
        close_case_and_its_consents(
            case=case,
            actor=staff,
            reason=story.closed_reason,
            end_consents=False,
            check_in_answered_by="" if index % 3 == 0 else CheckIn.AnsweredBy.WITH_STAFF,
            check_in=closure_answers(index=index, case=case),
        )


DEMO_AREAS = ("Cook County", "DuPage County", "60623", "Cook County", "Lake County")


def _person_fields(*, story: Story, index: int, today: date) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "alias": story.alias,
        "pronouns": ("she/her", "he/him", "they/them", "")[index % 4],
        "languages": ["es", "en"] if index % 3 == 0 else ["en"],
        # Where they live, for the directory matches and the gap report (counts only).
        "area": DEMO_AREAS[index % len(DEMO_AREAS)],
    }
    if index % 2 == 0:
        fields["legal_name"] = f"{story.name} Example-Demo"
    kind = index % 4
    if kind == 0:
        fields["birth_date_precision"] = Person.BirthDatePrecision.EXACT
        fields["birth_date"] = date(today.year - 15 - index % 5, 1 + index % 12, 1 + index)
    elif kind == 1:
        fields["birth_date_precision"] = Person.BirthDatePrecision.YEAR
        fields["birth_year"] = today.year - 17
    elif kind == 2:
        fields["birth_date_precision"] = Person.BirthDatePrecision.AGE_RANGE
        fields["age_range_min"], fields["age_range_max"] = 15, 17
    else:
        fields["declined_fields"] = ["birth_date", "race_ethnicity"]
    return fields


def _safe_contact(story: Story, index: int) -> dict[str, Any]:
    channels = set(story.channels)
    rule: dict[str, Any] = {"allowed_channels": list(story.channels)}
    if channels & {Channel.CALL, Channel.SMS}:
        rule["phone"] = f"555-01{index:02d}"
        rule["voicemail_ok"] = Channel.CALL in channels and index % 2 == 0
    if Channel.EMAIL in channels:
        rule["email"] = f"contact{index:02d}@example.org"
    if Channel.MAIL in channels:
        rule["address"] = f"{100 + index} Example Street (demo), Lake County"
    if index % 3 == 0:
        rule["safe_hours_start"], rule["safe_hours_end"] = time(16), time(20)
    if index % 4 == 0:
        rule["code_word"] = "blue kite"
        rule["notes"] = "Text first; if someone else answers, ask about the library book."
    return rule


def _plan(
    *, story: Story, case: Case, cast: Cast, staff: User, clock: Clock
) -> dict[str, PlannedService]:
    """Goals and planned services, then the plan's versions; services keyed by provider."""
    if story.status == CaseStatus.OPEN and not story.plan:
        return {}
    services: dict[str, PlannedService] = {}
    own = _goal(
        case=case,
        staff=staff,
        domain=Goal.Domain.SAFETY,
        text="I want to feel safe getting to school and back.",
        position=0,
    )
    services[story.lead] = _service(
        goal=own,
        code="case_management",
        provider=cast.organizations[story.lead],
        status=_own_service_status(story),
        staff=staff,
        starts_on=case.opened_on,
        expected_contact_days=14,
    )
    for position, (organization_name, referral_status) in enumerate(story.referrals, start=1):
        code, domain, text, _ = OFFER[organization_name]
        goal = _goal(case=case, staff=staff, domain=domain, text=text, position=position)
        active = referral_status in (RefStatus.IN_SERVICE, RefStatus.COMPLETED)
        services[organization_name] = _service(
            goal=goal,
            code=code,
            provider=cast.organizations[organization_name],
            status=SERVICE_STATUS[referral_status],
            staff=staff,
            starts_on=clock.at(0.55).date() if active else None,
            expected_contact_days=30,
        )
    _versions(story=story, case=case, cast=cast, staff=staff, clock=clock)
    return services


def _own_service_status(story: Story) -> str:
    if story.status == CaseStatus.CLOSED:
        return ServiceStatus.COMPLETED
    if story.lapsed:
        return ServiceStatus.LAPSED
    return ServiceStatus.ACTIVE if story.status == CaseStatus.ACTIVE else ServiceStatus.PROPOSED


def _goal(*, case: Case, staff: User, domain: str, text: str, position: int) -> Goal:
    goal = Goal(plan=case.plan, description=text, domain=domain, position=position)
    save_as(goal, staff)
    return goal


def _service(
    *,
    goal: Goal,
    code: str,
    provider: Organization,
    status: str,
    staff: User,
    starts_on: date | None,
    expected_contact_days: int,
) -> PlannedService:
    service = PlannedService(
        goal=goal,
        service_type=ServiceType.objects.get(code=code),
        provider=provider,
        responsible=staff,
        status=status,
        starts_on=starts_on,
        expected_contact_days=expected_contact_days,
    )
    if status == ServiceStatus.COMPLETED and starts_on:
        service.ends_on = max(starts_on, timezone.localdate())
    save_as(service, staff)
    return service


def _versions(*, story: Story, case: Case, cast: Cast, staff: User, clock: Clock) -> None:
    """Number the versions oldest first; each later version adds a goal to the one before."""
    snapshot = plan_snapshot(case.plan)
    approver = cast.user(YOUNG_PERSON) if story.portal else staff
    channel = (
        PlanVersion.ApprovalChannel.PORTAL
        if story.portal
        else PlanVersion.ApprovalChannel.IN_PERSON
    )
    count = len(story.plan)
    approvals: list[PlanVersion] = []
    for number, status in enumerate(story.plan, start=1):
        written = clock.at(0.2 + 0.5 * (number - 1) / count)
        shown = max(1, len(snapshot["goals"]) - (count - number))
        version = PlanVersion(
            plan=case.plan,
            number=number,
            status=status,
            summary=f"Version {number}: {shown} goal(s) agreed with the young person.",
            content={**snapshot, "goals": snapshot["goals"][:shown]},
            created_by=staff,
        )
        if status != PlanStatus.DRAFT:
            version.submitted_at = written + (clock.now - written) * 0.05
        if status in (PlanStatus.APPROVED, PlanStatus.SUPERSEDED):
            version.approved_at = written + (clock.now - written) * 0.1
            version.approved_by = approver
            version.approval_channel = channel
            approvals.append(version)
        version.save()
        backdate(version, created_at=written)
    for older, newer in pairwise(approvals):
        older.superseded_at = newer.approved_at
        older.save(update_fields=["superseded_at"])
    if approvals:
        case.plan.last_reviewed_at = approvals[-1].approved_at
        case.plan.save(update_fields=["last_reviewed_at"])


def _record(
    *, story: Story, case: Case, staff: User, clock: Clock, service: PlannedService | None
) -> None:
    """Flags, notes and logged contacts; contacts keep the case-management clock."""
    for kind, text, cleared in story.flags:
        flag = Flag(case=case, kind=kind, text=text, raised_by=staff)
        if cleared:
            flag.cleared_by, flag.cleared_at = staff, clock.at(0.8)
        save_as(flag, staff)
        backdate(flag, raised_at=clock.at(0.1))
    notes = [("First meeting at the drop-in centre; talked about what would help first.", False)]
    if story.flags:
        notes.append(("Reviewed the safety plan together; flag added.", True))
    for position, (body, staff_only) in enumerate(notes):
        note = CaseNote(
            case=case,
            author=staff,
            organization=case.lead_organization,
            category=CaseNote.Category.SAFETY if staff_only else CaseNote.Category.GENERAL,
            body=body,
            staff_only=staff_only,
        )
        save_as(note, staff)
        backdate(note, created_at=clock.at(0.05 + 0.1 * position))
    if story.status == CaseStatus.OPEN or not story.channels:
        return
    channel = CONTACT_CHANNEL[story.channels[0]]
    times = (0.2,) if story.lapsed else (0.4, 0.9)
    outcomes = (Contact.Outcome.REACHED, Contact.Outcome.NO_ANSWER)
    for fraction, outcome in zip(times, outcomes, strict=False):
        Contact.objects.create(
            case=case,
            staff=staff,
            organization=case.lead_organization,
            planned_service=service,
            occurred_at=clock.at(fraction),
            channel=channel,
            outcome=outcome,
            summary="Checked in about the plan." if outcome == Contact.Outcome.REACHED else "",
        )
    if service is not None:
        service.last_contact_at = clock.at(max(times))
        save_as(service, staff)
