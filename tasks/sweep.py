"""The continuity sweep: every minute, find what is due and apply the rules (tasks/rules.py).

Each rule reads only due rows, by an indexed bound that can over-select near a weekend or
a daylight-saving change but never miss (the exact check is the rule's own, in the
organization's time zone and numbers). Rows are claimed in batches with
``select_for_update(skip_locked=True)``, so a second worker sweeping at the same moment
skips what the first holds, and every rule is idempotent, so what it finds already done it
leaves alone. Overdue follow-ups, the arm that can pile up by the hundred thousand, are
claimed by one locking query per large batch and escalated a batch at a time
(``rules.escalate_overdue_batch``); a batch that fails is re-run row by row, unless the
database connection is lost: then the sweep stops and its task retries (tasks/outage.py).
Delivery is enqueued once, after the sweep's writes commit; if the broker is down the
notifications wait in the outbox for the next run.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import models, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from cases.models import Case, PlannedService, PlanVersion, Referral, ServicePlan
from consent.models import Consent
from providers.models import Membership
from tasks import check_ins, rules
from tasks.business_days import min_calendar_span
from tasks.models import ContinuityRules, FollowUp, Notification
from tasks.outage import CONNECTION_LOST

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# Overdue follow-ups are claimed and escalated this many at a time: one locking query, one
# UPDATE and one outbox insert per batch, so a row costs its index upkeep, not round trips.
# (1,000 to 5,000 measure alike; bench/sweep.py.)
OVERDUE_BATCH_SIZE = 2000
# Rules add days in the organization's time zone; a day there can be 23 or 25 hours long.
# Index bounds in days are widened by this, so they over-select and never miss.
DST_MARGIN = timedelta(hours=1)
Kind = FollowUp.Kind
OPEN = FollowUp.Status.OPEN


@dataclass
class SweepReport:
    """What one sweep did, by rule (counts only)."""

    referral_follow_ups: int = 0
    referral_escalations: int = 0
    referrals_expired: int = 0
    service_follow_ups: int = 0
    services_lapsed: int = 0
    plan_reviews: int = 0
    check_ins: int = 0
    consent_renewals: int = 0
    overdue_escalations: int = 0
    weekly_digests: int = 0
    errors: int = 0

    @property
    def changes(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "errors")


@dataclass(frozen=True)
class Bounds:
    """The most eager numbers any organization uses: index bounds that never miss a row."""

    answer_days: int
    escalation_days: int
    expiry_days: int
    plan_review_days: int
    renewal_days: int
    grace_days: int

    @classmethod
    def load(cls) -> "Bounds":
        def default(name: str) -> int:
            return ContinuityRules._meta.get_field(name).get_default()

        found = ContinuityRules.objects.aggregate(
            answer=Min("referral_answer_business_days"),
            escalation=Min("referral_escalation_business_days"),
            expiry=Min("referral_expiry_business_days"),
            review=Min("plan_review_days"),
            renewal=Max("consent_renewal_days"),
            grace=Min("overdue_grace_days"),
        )

        def eager(key: str, name: str, pick: Callable[[int, int], int] = min) -> int:
            value = found[key]
            return default(name) if value is None else pick(value, default(name))

        return cls(
            answer_days=eager("answer", "referral_answer_business_days"),
            escalation_days=eager("escalation", "referral_escalation_business_days"),
            expiry_days=eager("expiry", "referral_expiry_business_days"),
            plan_review_days=eager("review", "plan_review_days"),
            renewal_days=eager("renewal", "consent_renewal_days", max),
            grace_days=eager("grace", "overdue_grace_days"),
        )


def run_sweep(now: datetime | None = None) -> SweepReport:
    """Apply every continuity rule to what is due; idempotent, safe to run concurrently."""
    now = now or timezone.now()
    report = SweepReport()
    bounds = Bounds.load()
    _sweep_referrals(now, bounds, report)
    _sweep_services(now, report)
    _sweep_plans(now, bounds, report)
    _sweep_check_ins(now, bounds, report)
    _sweep_consents(now, bounds, report)
    _sweep_overdue(now, bounds, report)
    _sweep_digests(now, report)
    if report.changes:
        transaction.on_commit(enqueue_delivery)
    return report


def enqueue_delivery() -> None:
    """Ask a worker to deliver the outbox, if the delivery task exists; a broker that is down
    loses nothing, because the rows wait in the outbox for the next sweep."""
    from tasks import tasks as celery_tasks  # lazily: tasks.tasks imports this module

    deliver = getattr(celery_tasks, "deliver_notifications", None)
    if deliver is None:
        return
    try:
        deliver.delay()
    except Exception:  # noqa: BLE001  (any broker failure: the outbox keeps the work)
        logger.warning("Could not enqueue notification delivery; the outbox keeps it.")


def _claim(
    model: type[models.Model],
    ids: Iterable[int],
    apply: Callable[[models.Model], None],
    report: SweepReport,
) -> None:
    """Lock the rows in batches, skipping rows another worker holds, and apply the rule to
    each in its own savepoint: one failing row is logged (by id) and the others go on."""
    ids = list(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        with transaction.atomic():
            batch = (
                model.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids[start : start + BATCH_SIZE])
                .order_by("pk")
            )
            for row in batch:
                try:
                    with transaction.atomic():
                        apply(row)
                except (SoftTimeLimitExceeded, *CONNECTION_LOST):
                    # Out of time: stop here (the claimed batch commits what is done); the
                    # next sweep, a minute later, picks up the rest. No connection: every
                    # later row would fail alike, so the task retries as a whole.
                    raise
                except Exception:
                    report.errors += 1
                    logger.exception("Continuity rule failed for %s %s", model.__name__, row.pk)


def _claim_in_order(
    queryset: "models.QuerySet[models.Model]",
    *,
    field: str,
    apply_batch: Callable[[list[models.Model]], int],
    apply_row: Callable[[models.Model], int],
    report: SweepReport,
    size: int,
) -> int:
    """Claim the queryset's rows in ``(field, pk)`` order, one locking query per batch, and
    apply the rule to each batch in one go; the count of changes.

    Each batch is read by query (``FOR UPDATE SKIP LOCKED ... LIMIT size``) after the last
    row this sweep has seen, not from a list made up front: a second sweeper skips the rows
    the first holds and the rows it has done, so the two split the work. A row the rule leaves
    as it was (not yet due by its organization's numbers) is passed, not read again. A batch
    whose apply fails is rolled back to its savepoint and applied row by row, so one bad row
    is logged (by id) and the others go on. Celery's soft time limit ends the run: the
    batches already committed stay, the rest is the next sweep's.
    """
    changes = 0
    after: tuple[object, int] | None = None
    while True:
        page = queryset
        if after is not None:
            page = page.filter(
                Q(**{f"{field}__gt": after[0]}) | Q(**{field: after[0], "pk__gt": after[1]})
            )
        with transaction.atomic():
            batch = list(page.select_for_update(skip_locked=True).order_by(field, "pk")[:size])
            if not batch:
                return changes
            changes += _apply_batch(batch, apply_batch, apply_row, report)
        if len(batch) < size:
            return changes  # the query ran out: what is left is held by another sweeper
        after = (getattr(batch[-1], field), batch[-1].pk)


def _apply_batch(
    batch: list[models.Model],
    apply_batch: Callable[[list[models.Model]], int],
    apply_row: Callable[[models.Model], int],
    report: SweepReport,
) -> int:
    try:
        with transaction.atomic():
            return apply_batch(batch)
    except (SoftTimeLimitExceeded, *CONNECTION_LOST):
        raise
    except Exception as error:  # noqa: BLE001  (re-run row by row, where each row is logged)
        name = type(batch[0]).__name__
        logger.warning(
            # Ids apart, words between: the log filter masks digit runs that look like phones.
            "Continuity batch of %s %s (first id %s, last id %s) failed (%s); one row at a time",
            len(batch),
            name,
            batch[0].pk,
            batch[-1].pk,
            type(error).__name__,
        )
    changes = 0
    for row in batch:
        try:
            with transaction.atomic():
                changes += apply_row(row)
        except (SoftTimeLimitExceeded, *CONNECTION_LOST):
            raise
        except Exception:
            report.errors += 1
            logger.exception("Continuity rule failed for %s %s", type(row).__name__, row.pk)
    return changes


# --- referrals ---------------------------------------------------------------------------


def due_referrals(now: datetime, bounds: Bounds) -> "models.QuerySet[Referral]":
    """Sent referrals that may need a follow-up, an escalation or expiry (index: status and
    sent_at)."""
    waiting = FollowUp.objects.filter(kind=Kind.REFERRAL_UNANSWERED, about_referral=OuterRef("pk"))
    lead_side_unescalated = waiting.filter(
        organization=OuterRef("from_organization"), status=OPEN, escalated_at__isnull=True
    )
    answer_late = Q(sent_at__lte=now - min_calendar_span(bounds.answer_days))
    escalation_late = Q(sent_at__lte=now - min_calendar_span(bounds.escalation_days))
    expired = Q(sent_at__lte=now - min_calendar_span(bounds.expiry_days))
    return Referral.objects.filter(status=Referral.Status.SENT).filter(
        answer_late & ~Exists(waiting) | escalation_late & Exists(lead_side_unescalated) | expired
    )


def _sweep_referrals(now: datetime, bounds: Bounds, report: SweepReport) -> None:
    def apply(referral: Referral) -> None:
        if rules.expire_referral(referral=referral, now=now):
            report.referrals_expired += 1
            return
        report.referral_follow_ups += rules.remind_unanswered_referral(referral=referral, now=now)
        report.referral_escalations += rules.escalate_unanswered_referral(
            referral=referral, now=now
        )

    ids = due_referrals(now, bounds).order_by("sent_at").values_list("pk", flat=True)
    _claim(Referral, ids, apply, report)


# --- planned services --------------------------------------------------------------------


def due_services(now: datetime) -> "models.QuerySet[PlannedService]":
    """Active services past their contact period with no follow-up for this clock, or past
    twice that (index: status and last contact). The clock here is the last contact or the
    creation: never later than the rule's own, so nothing due is missed."""
    clock = Coalesce("last_contact_at", "created_at")
    asked = FollowUp.objects.filter(
        kind=Kind.SERVICE_NO_CONTACT,
        about_planned_service=OuterRef("pk"),
        created_at__gte=OuterRef("clock"),
    )
    active = PlannedService.objects.filter(status=PlannedService.Status.ACTIVE)
    periods = active.values_list("expected_contact_days", flat=True).distinct().order_by()
    # One arm per contact period in use (a handful): portable, where "days * interval" is not.
    due = Q(pk__in=[])
    for days in periods:
        period = timedelta(days=days)
        due |= Q(expected_contact_days=days) & (
            Q(clock__lte=now - period + DST_MARGIN) & ~Exists(asked)
            | Q(clock__lte=now - 2 * period + DST_MARGIN)
        )
    return active.annotate(clock=clock).filter(due)


def _sweep_services(now: datetime, report: SweepReport) -> None:
    def apply(service: PlannedService) -> None:
        if rules.remind_no_contact(service=service, now=now) is not None:
            report.service_follow_ups += 1
        if rules.lapse_service(service=service, now=now):
            report.services_lapsed += 1

    ids = due_services(now).values_list("pk", flat=True)
    _claim(PlannedService, ids, apply, report)


# --- plans and consents ------------------------------------------------------------------


def due_plans(now: datetime, bounds: Bounds) -> "models.QuerySet[ServicePlan]":
    """Plans with an approved version, not reviewed for the shortest review period in use,
    and no review follow-up since."""
    approved_at = PlanVersion.objects.filter(
        plan=OuterRef("pk"), status=PlanVersion.Status.APPROVED
    ).values("approved_at")[:1]
    reviewed = Coalesce("last_reviewed_at", Subquery(approved_at))
    asked = FollowUp.objects.filter(
        kind=Kind.PLAN_REVIEW, about_plan=OuterRef("pk"), created_at__gte=OuterRef("reviewed")
    )
    return (
        ServicePlan.objects.annotate(reviewed=reviewed)
        .filter(reviewed__lte=now - timedelta(days=bounds.plan_review_days) + DST_MARGIN)
        .filter(~Exists(asked))
    )


def _sweep_plans(now: datetime, bounds: Bounds, report: SweepReport) -> None:
    def apply(plan: ServicePlan) -> None:
        if rules.remind_plan_review(plan=plan, now=now) is not None:
            report.plan_reviews += 1

    _claim(ServicePlan, due_plans(now, bounds).values_list("pk", flat=True), apply, report)


def _sweep_check_ins(now: datetime, bounds: Bounds, report: SweepReport) -> None:
    """Outcome check-ins due at intake, on the plan review clock and at closure (issue 21)."""

    def apply(case: Case) -> None:
        if check_ins.remind_check_in(case=case, now=now) is not None:
            report.check_ins += 1

    due = check_ins.due_check_in_cases(now, review_days=bounds.plan_review_days, margin=DST_MARGIN)
    _claim(Case, due.values_list("pk", flat=True), apply, report)


def due_consents(now: datetime, bounds: Bounds) -> "models.QuerySet[Consent]":
    """Active consents expiring within the longest renewal period in use, with no renewal
    follow-up yet (index: status and expiry)."""
    asked = FollowUp.objects.filter(kind=Kind.CONSENT_RENEWAL, about_consent=OuterRef("pk"))
    return Consent.objects.filter(
        status=Consent.Status.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=bounds.renewal_days) + DST_MARGIN,
    ).filter(~Exists(asked))


def _sweep_consents(now: datetime, bounds: Bounds, report: SweepReport) -> None:
    def apply(consent: Consent) -> None:
        if rules.remind_consent_renewal(consent=consent, now=now) is not None:
            report.consent_renewals += 1

    _claim(Consent, due_consents(now, bounds).values_list("pk", flat=True), apply, report)


# --- overdue follow-ups and the weekly digest --------------------------------------------


def overdue_follow_ups(now: datetime, bounds: Bounds) -> "models.QuerySet[FollowUp]":
    """Open, unescalated follow-ups overdue by the shortest grace period in use (partial
    index followup_open_due)."""
    return FollowUp.objects.filter(
        status=OPEN,
        due_at__lte=now - timedelta(days=bounds.grace_days) + DST_MARGIN,
        escalated_at__isnull=True,
    )


# What the overdue rule reads of a follow-up (the per-row fallback reads the rest if needed).
OVERDUE_FIELDS = ("organization_id", "assignee_id", "due_at", "status", "escalated_at")


def _sweep_overdue(now: datetime, bounds: Bounds, report: SweepReport) -> None:
    book, supervisors = rules.RuleBook(), rules.SupervisorBook()

    def apply_batch(follow_ups: list[FollowUp]) -> int:
        return rules.escalate_overdue_batch(
            follow_ups=follow_ups, now=now, rules=book, supervisors=supervisors
        )

    def apply_row(follow_up: FollowUp) -> int:
        return int(rules.escalate_overdue(follow_up=follow_up, now=now))

    report.overdue_escalations += _claim_in_order(
        overdue_follow_ups(now, bounds).only(*OVERDUE_FIELDS),
        field="due_at",
        apply_batch=apply_batch,
        apply_row=apply_row,
        report=report,
        size=OVERDUE_BATCH_SIZE,
    )


def _sweep_digests(now: datetime, report: SweepReport) -> None:
    """Each supervisor's weekly digest, once per ISO week of their organization's time zone."""
    memberships = Membership.objects.filter(
        role=Membership.Role.SUPERVISOR, is_active=True, user__is_active=True
    ).select_related("user")
    teams: dict[int, list[int]] = defaultdict(list)
    users: dict[int, User] = {}
    for membership in memberships.order_by("pk"):
        teams[membership.user_id].append(membership.organization_id)
        users[membership.user_id] = membership.user
    book = rules.RuleBook()
    weeks = {
        user_id: rules.digest_week(now, time_zone=book(orgs[0]).time_zone)
        for user_id, orgs in teams.items()
    }
    sent: set[tuple[int, str]] = set()
    for week in {w for w in weeks.values() if w is not None}:
        digests = Notification.objects.filter(
            reason=Notification.Reason.WEEKLY_DIGEST,
            recipient_id__in=list(teams),
            key__endswith=f":{week}",
        )
        sent |= {(user_id, week) for user_id in digests.values_list("recipient_id", flat=True)}
    for user_id, organization_ids in teams.items():
        week = weeks[user_id]
        if week is None or (user_id, week) in sent:
            continue
        rules.send_weekly_digest(
            supervisor=users[user_id], organization_ids=organization_ids, now=now, week=week
        )
        report.weekly_digests += 1
