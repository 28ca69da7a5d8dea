"""The continuity rules of issue 4: what turns into a follow-up, a reminder or an escalation.

One function per rule. Each takes the object it is about and the time, checks the numbers of
the organization that owns the clock (``ContinuityRules``, or the defaults), and is
idempotent: follow-ups are opened through the partial unique constraints (one open per
object, kind and side), a follow-up closed by hand is not opened again for the same clock,
escalation is a conditional update, and every notification names a window, so a rule firing
twice (a second worker, a retried task) writes nothing new. The sweep (tasks/sweep.py) finds
the due objects; these functions decide and write. No personal data is written anywhere:
follow-ups and notifications hold ids, kinds, reasons and counts.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.db import IntegrityError, connection, models, transaction
from django.db.models import OuterRef, Q, Subquery

from accounts.models import User
from cases.models import Case, PlannedService, PlanVersion, Referral, ServicePlan
from cases.services.referrals import expire_unanswered_referral
from consent.models import Consent
from providers.models import Membership, Organization
from tasks.business_days import add_business_days, in_zone, zone
from tasks.follow_ups import (
    close_follow_ups,
    open_follow_up,
    post_portal_notice,
    primary_advocate_of,
)
from tasks.models import ContinuityRules, FollowUp, Notification, PortalNotice
from tasks.outbox import Message, notify, notify_many

Kind = FollowUp.Kind
Reason = Notification.Reason
OPEN = FollowUp.Status.OPEN

# A plan review, once it falls due, is expected within two weeks.
PLAN_REVIEW_WITHIN = timedelta(days=14)
# A renewal follow-up falls due a week before the consent expires, so there is time to sign.
RENEWAL_DUE_BEFORE_EXPIRY = timedelta(days=7)
# The weekly digest goes from Monday 07:00 in the supervisor's organization's time zone.
DIGEST_FROM = time(7, 0)

# Notification windows: a follow-up is announced once, escalated once.
OPENED = "opened"
ESCALATED = "escalated"
LAPSED = "lapsed"


def rules_for(organization: Organization | int) -> ContinuityRules:
    """The organization's numbers; unsaved defaults when it has set none."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    found = ContinuityRules.objects.filter(organization_id=organization_id).first()
    return found or ContinuityRules(organization_id=organization_id)


def organization_time_zone(organization_field: str = "organization_id") -> Subquery:
    """The time zone the organization named by the outer row's ``organization_field`` set in its
    rules, to annotate a query with (NULL when it set none: the installation's zone then)."""
    return Subquery(
        ContinuityRules.objects.filter(organization_id=OuterRef(organization_field)).values(
            "time_zone"
        )[:1]
    )


class RuleBook:
    """``rules_for`` with a memory, so a sweep reads each organization's row once."""

    def __init__(self) -> None:
        self._rules: dict[int, ContinuityRules] = {}

    def __call__(self, organization_id: int) -> ContinuityRules:
        if organization_id not in self._rules:
            self._rules[organization_id] = rules_for(organization_id)
        return self._rules[organization_id]

    def load(self, organization_ids: Iterable[int]) -> None:
        """Read the rules of every organization not yet known, in one query."""
        missing = set(organization_ids) - self._rules.keys()
        if not missing:
            return
        for found in ContinuityRules.objects.filter(organization_id__in=missing):
            self._rules[found.organization_id] = found
        for organization_id in missing - self._rules.keys():
            self._rules[organization_id] = ContinuityRules(organization_id=organization_id)


# --- who ---------------------------------------------------------------------------------


def _staff_of(organization_id: int, role: str) -> list[User]:
    memberships = (
        Membership.objects.filter(
            organization_id=organization_id, role=role, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    )
    return [membership.user for membership in memberships]


def supervisors_of(organization_id: int) -> list[User]:
    """The organization's active supervisors, longest-serving first."""
    return _staff_of(organization_id, Membership.Role.SUPERVISOR)


class SupervisorBook:
    """The ids of ``supervisors_of`` each organization, read once per sweep and for a whole
    batch of organizations in one query (a sweep lasts seconds; a supervisor added meanwhile
    is seen by the next one)."""

    def __init__(self) -> None:
        self._ids: dict[int, list[int]] = {}

    def __call__(self, organization_id: int) -> list[int]:
        self.load([organization_id])
        return self._ids[organization_id]

    def load(self, organization_ids: Iterable[int]) -> None:
        missing = set(organization_ids) - self._ids.keys()
        if not missing:
            return
        for organization_id in missing:
            self._ids[organization_id] = []
        memberships = Membership.objects.filter(
            organization_id__in=missing,
            role=Membership.Role.SUPERVISOR,
            is_active=True,
            user__is_active=True,
        ).order_by("pk")  # longest-serving first, as supervisors_of
        for organization_id, user_id in memberships.values_list("organization_id", "user_id"):
            if user_id not in self._ids[organization_id]:
                self._ids[organization_id].append(user_id)


def intake_workers_of(organization_id: int) -> list[User]:
    return _staff_of(organization_id, Membership.Role.INTAKE)


def _supervisor_for(follow_up: FollowUp) -> User | None:
    """A supervisor of the follow-up's organization, preferably not the assignee."""
    supervisors = supervisors_of(follow_up.organization_id)
    others = [s for s in supervisors if s.pk != follow_up.assignee_id]
    return (others or supervisors or [None])[0]


def _supervisor_id_for(follow_up: FollowUp, supervisor_ids: list[int]) -> int | None:
    """``_supervisor_for`` over ids already read."""
    others = [pk for pk in supervisor_ids if pk != follow_up.assignee_id]
    return (others or supervisor_ids or [None])[0]


def announce(follow_up: FollowUp, recipients: Iterable[User | None]) -> None:
    """Tell each recipient (once, whoever is named twice) that the follow-up is open."""
    for user in {u.pk: u for u in recipients if u is not None}.values():
        notify(recipient=user, reason=Reason.FOLLOW_UP_DUE, window=OPENED, follow_up=follow_up)


def open_once(*, lookup: dict[str, object], defaults: dict[str, object]) -> FollowUp:
    """The open follow-up named by ``lookup`` (the fields of its partial unique constraint),
    created when there is none; a concurrent creator's row is returned instead of an error."""
    try:
        with transaction.atomic():
            follow_up, _ = FollowUp.objects.get_or_create(**lookup, status=OPEN, defaults=defaults)
    except IntegrityError:
        follow_up = FollowUp.objects.get(**lookup, status=OPEN)
    return follow_up


# --- referrals ---------------------------------------------------------------------------


def _referral_deadline(referral: Referral, days: int, rules: ContinuityRules) -> datetime:
    return add_business_days(referral.sent_at, days, time_zone=rules.time_zone)


def remind_unanswered_referral(*, referral: Referral, now: datetime) -> int:
    """Sent and not answered within the answer period: a follow-up in the recipient's queue
    (with its intake worker when it has exactly one) and one for the sending organization,
    assigned to the case's primary advocate. Both are told. The count opened."""
    if referral.status != Referral.Status.SENT:
        return 0
    rules = rules_for(referral.from_organization_id)
    if now < _referral_deadline(referral, rules.referral_answer_business_days, rules):
        return 0
    due_at = _referral_deadline(referral, rules.referral_escalation_business_days, rules)
    intake = intake_workers_of(referral.to_organization_id)
    sides = (
        (referral.to_organization_id, intake[0] if len(intake) == 1 else None, intake),
        (referral.from_organization_id, primary_advocate_of(referral.case), []),
    )
    opened = 0
    for organization_id, assignee, queue in sides:
        already = FollowUp.objects.filter(
            kind=Kind.REFERRAL_UNANSWERED,
            about_referral_id=referral.pk,
            organization_id=organization_id,
        )
        if already.exists():
            # Open (nothing to do) or closed by hand (not reopened for the same referral).
            continue
        follow_up = open_once(
            lookup={
                "kind": Kind.REFERRAL_UNANSWERED,
                "about_referral": referral,
                "organization_id": organization_id,
            },
            defaults={"case_id": referral.case_id, "assignee": assignee, "due_at": due_at},
        )
        announce(follow_up, [assignee] if assignee else queue)
        opened += 1
    return opened


def escalate_unanswered_referral(*, referral: Referral, now: datetime) -> bool:
    """Still unanswered after the escalation period: the sending organization's follow-up
    goes to one of its supervisors, who is told."""
    if referral.status != Referral.Status.SENT:
        return False
    rules = rules_for(referral.from_organization_id)
    if now < _referral_deadline(referral, rules.referral_escalation_business_days, rules):
        return False
    follow_up = FollowUp.objects.filter(
        kind=Kind.REFERRAL_UNANSWERED,
        about_referral_id=referral.pk,
        organization_id=referral.from_organization_id,
        status=OPEN,
        escalated_at__isnull=True,
    ).first()
    return follow_up is not None and escalate(follow_up=follow_up, now=now)


def expire_referral(*, referral: Referral, now: datetime) -> bool:
    """No answer after the expiry period: the referral closes without response, its
    follow-ups close, and the sending advocate is told to choose another provider."""
    if referral.status != Referral.Status.SENT:
        return False
    rules = rules_for(referral.from_organization_id)
    if now < _referral_deadline(referral, rules.referral_expiry_business_days, rules):
        return False
    if not expire_unanswered_referral(referral=referral, at=now):
        return False
    waiting = FollowUp.objects.filter(kind=Kind.REFERRAL_UNANSWERED, about_referral=referral)
    close_follow_ups(
        waiting,
        status=FollowUp.Status.DONE,
        note=f"Referral {referral.pk} closed without response.",
        now=now,
    )
    sender = primary_advocate_of(referral.case) or referral.created_by
    if sender is not None:
        lead_side = waiting.filter(organization_id=referral.from_organization_id).last()
        notify(
            recipient=sender,
            reason=Reason.REFERRAL_EXPIRED,
            window=f"referral{referral.pk}",
            follow_up=lead_side,
        )
    return True


# --- planned services --------------------------------------------------------------------


def contact_clock(service: PlannedService, *, time_zone: str | None = None) -> datetime:
    """When the service's contact clock started: its last contact, else its start (the later
    of the day it starts and the day it was recorded)."""
    if service.last_contact_at is not None:
        return in_zone(service.last_contact_at, time_zone)
    created = in_zone(service.created_at, time_zone)
    if service.starts_on is None:
        return created
    return max(datetime.combine(service.starts_on, time.min, tzinfo=zone(time_zone)), created)


def _contact_period(service: PlannedService, rules: ContinuityRules) -> timedelta:
    # expected_contact_days is required on the model (default 14); the organization's default
    # applies only where a service carries none.
    return timedelta(days=service.expected_contact_days or rules.default_contact_days)


def _case_of_service(service: PlannedService) -> Case:
    return Case.objects.get(plan__goals__services=service)


def _no_contact_follow_up(service: PlannedService, clock: datetime) -> FollowUp | None:
    """The no-contact follow-up opened since the clock started (the open one first)."""
    this_clock = FollowUp.objects.filter(
        kind=Kind.SERVICE_NO_CONTACT, about_planned_service=service, created_at__gte=clock
    ).order_by("-pk")
    return this_clock.filter(status=OPEN).first() or this_clock.first()


def remind_no_contact(*, service: PlannedService, now: datetime) -> FollowUp | None:
    """Active with no contact logged for its contact period: a follow-up for the responsible
    advocate (else the primary advocate), due when the service would lapse. The follow-up
    when one was opened now; None when nothing is due or one was opened for this clock."""
    if service.status != PlannedService.Status.ACTIVE:
        return None
    case = _case_of_service(service)
    rules = rules_for(case.lead_organization_id)
    clock = contact_clock(service, time_zone=rules.time_zone)
    period = _contact_period(service, rules)
    if now < clock + period or _no_contact_follow_up(service, clock) is not None:
        return None
    assignee = service.responsible or primary_advocate_of(case)
    follow_up = open_once(
        lookup={"kind": Kind.SERVICE_NO_CONTACT, "about_planned_service": service},
        defaults={
            "case": case,
            "organization_id": case.lead_organization_id,
            "assignee": assignee,
            "due_at": clock + 2 * period,
        },
    )
    announce(follow_up, [assignee])
    return follow_up


def lapse_service(*, service: PlannedService, now: datetime) -> bool:
    """No contact for twice its contact period: the service is marked lapsed and the lead
    organization's supervisors are told."""
    if service.status != PlannedService.Status.ACTIVE:
        return False
    case = _case_of_service(service)
    rules = rules_for(case.lead_organization_id)
    clock = contact_clock(service, time_zone=rules.time_zone)
    if now < clock + 2 * _contact_period(service, rules):
        return False
    remind_no_contact(service=service, now=now)
    follow_up = _no_contact_follow_up(service, clock)
    with transaction.atomic():
        locked = PlannedService.objects.select_for_update().get(pk=service.pk)
        if locked.status != PlannedService.Status.ACTIVE:
            return False
        locked.status = PlannedService.Status.LAPSED
        locked._history_user = None  # the sweep, not a person
        locked.save(update_fields=["status"])
    service.status = locked.status
    window = f"{LAPSED}{clock:%Y%m%d%H%M}"
    for supervisor in supervisors_of(case.lead_organization_id):
        notify(
            recipient=supervisor, reason=Reason.SERVICE_LAPSED, window=window, follow_up=follow_up
        )
    return True


# --- plans -------------------------------------------------------------------------------


def last_review_of(plan: ServicePlan) -> datetime | None:
    """When the plan was last reviewed or approved; None while no version is approved."""
    approved = (
        PlanVersion.objects.filter(plan=plan, status=PlanVersion.Status.APPROVED)
        .values_list("approved_at", flat=True)
        .first()
    )
    if approved is None:
        return None
    return plan.last_reviewed_at or approved


def remind_plan_review(*, plan: ServicePlan, now: datetime) -> FollowUp | None:
    """An approved plan not reviewed for the review period: a plan-review follow-up for the
    primary advocate. None while nothing is due or one was already opened for this review."""
    reviewed = last_review_of(plan)
    if reviewed is None:
        return None
    case = Case.objects.get(pk=plan.case_id)
    rules = rules_for(case.lead_organization_id)
    reviewed = in_zone(reviewed, rules.time_zone)
    if now < reviewed + timedelta(days=rules.plan_review_days):
        return None
    if FollowUp.objects.filter(
        kind=Kind.PLAN_REVIEW, about_plan=plan, created_at__gte=reviewed
    ).exists():
        return None
    assignee = primary_advocate_of(case)
    follow_up = open_once(
        lookup={"kind": Kind.PLAN_REVIEW, "about_plan": plan},
        defaults={
            "case": case,
            "organization_id": case.lead_organization_id,
            "assignee": assignee,
            "due_at": now + PLAN_REVIEW_WITHIN,
        },
    )
    announce(follow_up, [assignee])
    return follow_up


# --- consents ----------------------------------------------------------------------------


def remind_consent_renewal(*, consent: Consent, now: datetime) -> FollowUp | None:
    """An active consent expiring within the renewal period: a renewal follow-up for the
    lead organization's queue and primary advocate, and a notice in the young person's
    portal. None while nothing is due or one was already opened for this consent."""
    if consent.status != Consent.Status.ACTIVE or consent.expires_at <= now:
        return None
    case = Case.objects.get(pk=consent.case_id)
    rules = rules_for(case.lead_organization_id)
    expires_at = in_zone(consent.expires_at, rules.time_zone)
    if now < expires_at - timedelta(days=rules.consent_renewal_days):
        return None
    if FollowUp.objects.filter(kind=Kind.CONSENT_RENEWAL, about_consent=consent).exists():
        return None
    follow_up = open_follow_up(
        case=case,
        kind=Kind.CONSENT_RENEWAL,
        about_consent=consent,
        due_at=max(now, expires_at - RENEWAL_DUE_BEFORE_EXPIRY),
    )
    post_portal_notice(case=case, kind=PortalNotice.Kind.CONSENT_RENEWAL, object_id=consent.pk)
    announce(follow_up, [follow_up.assignee])
    return follow_up


# --- escalation --------------------------------------------------------------------------


def escalate(*, follow_up: FollowUp, now: datetime) -> bool:
    """Hand an open follow-up to a supervisor of its organization, once, and tell them.

    A conditional update: of two workers escalating the same follow-up, one writes.
    """
    supervisor = _supervisor_for(follow_up)
    if supervisor is None:
        return False
    claimed = FollowUp.objects.filter(
        pk=follow_up.pk, status=OPEN, escalated_at__isnull=True
    ).update(escalated_to=supervisor, escalated_at=now)
    if not claimed:
        return False
    follow_up.escalated_to, follow_up.escalated_at = supervisor, now
    notify(recipient=supervisor, reason=Reason.ESCALATION, window=ESCALATED, follow_up=follow_up)
    return True


def _past_grace(follow_up: FollowUp, rules: ContinuityRules, now: datetime) -> bool:
    """Open, unescalated and overdue by more than the grace period (days in the
    organization's time zone)."""
    if follow_up.status != OPEN or follow_up.escalated_at is not None:
        return False
    due_at = in_zone(follow_up.due_at, rules.time_zone)
    return now >= due_at + timedelta(days=rules.overdue_grace_days)


def escalate_overdue(*, follow_up: FollowUp, now: datetime) -> bool:
    """Open and overdue by more than its organization's grace period: escalate it."""
    if follow_up.status != OPEN or follow_up.escalated_at is not None:
        return False
    if not _past_grace(follow_up, rules_for(follow_up.organization_id), now):
        return False
    return escalate(follow_up=follow_up, now=now)


class RowsChanged(Exception):
    """A batch's conditional update wrote fewer rows than it decided on: some changed under
    it, so the caller applies the rule row by row instead."""


def escalate_overdue_batch(
    *,
    follow_ups: Iterable[FollowUp],
    now: datetime,
    rules: RuleBook,
    supervisors: SupervisorBook,
) -> int:
    """``escalate_overdue`` for a batch the caller holds locked: the same checks and the same
    supervisor, decided in memory; one conditional UPDATE and one outbox insert for all.

    The count escalated. Raises ``RowsChanged`` (run it in a savepoint) when the update finds
    a row no longer open and unescalated, so nobody is told about an escalation not written.
    """
    follow_ups = list(follow_ups)
    organization_ids = {follow_up.organization_id for follow_up in follow_ups}
    rules.load(organization_ids)
    supervisors.load(organization_ids)
    by_supervisor: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in follow_ups:
        if not _past_grace(follow_up, rules(follow_up.organization_id), now):
            continue
        supervisor_id = _supervisor_id_for(follow_up, supervisors(follow_up.organization_id))
        if supervisor_id is not None:
            by_supervisor[supervisor_id].append(follow_up)
    chosen = [follow_up for batch in by_supervisor.values() for follow_up in batch]
    if not chosen:
        return 0
    written = _write_escalations(
        {f.pk: supervisor_id for supervisor_id, batch in by_supervisor.items() for f in batch},
        now=now,
    )
    if written != len(chosen):
        raise RowsChanged(f"{written} of {len(chosen)} follow-ups escalated")
    messages = []
    for supervisor_id, batch in by_supervisor.items():
        for follow_up in batch:
            follow_up.escalated_to_id, follow_up.escalated_at = supervisor_id, now
            messages.append(
                Message(
                    recipient_id=supervisor_id,
                    reason=Reason.ESCALATION,
                    window=ESCALATED,
                    follow_up_id=follow_up.pk,
                )
            )
    notify_many(messages)
    return len(chosen)


def _write_escalations(supervisor_of: dict[int, int], *, now: datetime) -> int:
    """Escalate each follow-up to its supervisor if still open and unescalated, in one UPDATE;
    the count written. PostgreSQL joins two arrays (three parameters however large the
    batch); elsewhere a CASE over the ids."""
    if connection.vendor != "postgresql":
        still_due = FollowUp.objects.filter(
            pk__in=list(supervisor_of), status=OPEN, escalated_at__isnull=True
        )
        by_supervisor: dict[int, list[int]] = defaultdict(list)
        for pk, supervisor_id in supervisor_of.items():
            by_supervisor[supervisor_id].append(pk)
        to = models.Case(
            *(models.When(pk__in=pks, then=models.Value(s)) for s, pks in by_supervisor.items()),
            output_field=models.BigIntegerField(),
        )
        return still_due.update(escalated_to_id=to, escalated_at=now)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(FollowUp._meta.db_table)} AS f"  # noqa: S608 (the model's table)
            " SET escalated_to_id = u.supervisor_id, escalated_at = %s"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, supervisor_id)"
            " WHERE f.id = u.id AND f.status = %s AND f.escalated_at IS NULL",
            [now, list(supervisor_of), list(supervisor_of.values()), OPEN],
        )
        return cursor.rowcount


# --- weekly digest -----------------------------------------------------------------------


def digest_week(now: datetime, *, time_zone: str | None = None) -> str | None:
    """The ISO week a digest sent now is for (``2025-W07``); None before Monday 07:00 local,
    so the digest arrives at the start of a working day rather than at midnight."""
    local = now.astimezone(zone(time_zone))
    if local.weekday() == 0 and local.time() < DIGEST_FROM:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def attention_count(organization_ids: Iterable[int], *, now: datetime) -> int:
    """Open follow-ups of these organizations that are overdue or escalated."""
    return (
        FollowUp.objects.filter(organization_id__in=list(organization_ids), status=OPEN)
        .filter(Q(due_at__lt=now) | Q(escalated_at__isnull=False))
        .count()
    )


def send_weekly_digest(
    *, supervisor: User, organization_ids: Iterable[int], now: datetime, week: str
) -> Notification:
    """The supervisor's weekly count of overdue and escalated items (counts only)."""
    count = attention_count(organization_ids, now=now)
    return notify(recipient=supervisor, reason=Reason.WEEKLY_DIGEST, window=week, item_count=count)[
        0
    ]
