"""Celery entry points of Harbor's core.

Sign-in sessions live in the database and Django never deletes expired ones by itself; the
daily sweep below does what ``manage.py clearsessions`` would do from a cron job.

Consents: the policy already refuses a consent from the second it expires (R14); the sweep
every minute makes its status and its permission rows say so too. The daily job flags
consents a parent signed for a young person who has since come of age (consent/majority.py).
Both are idempotent and take no arguments, so a repeated, late or concurrent run does no harm.
"""

import logging
import time
from datetime import datetime
from functools import partial
from importlib import import_module
from typing import NoReturn

import kombu.exceptions
from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import OperationalError as DatabaseError
from django.db import transaction
from django.utils import timezone

from consent.access_log_checkpoints import write_checkpoint
from consent.majority import flag_consents_for_resigning as flag_for_resigning
from consent.services import expire_due_consents
from tasks.claims import claim_batch, live_claims, release_stale_claims
from tasks.delivery import deliver_batch, keep_delivering
from tasks.outage import CONNECTION_LOST, DatabaseLost
from tasks.outbox import queue_daily_digests
from tasks.senders import Senders

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Delete expired sign-in sessions; idempotent, so a repeated or late run does no harm."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@shared_task(ignore_result=True)
def expire_consents() -> int:
    """Mark consents past their expiry or re-signing deadline expired; the count."""
    return expire_due_consents()


@shared_task(ignore_result=True)
def checkpoint_access_log() -> int:
    """Append a signed checkpoint of the access log's lane heads outside the database (R27);
    how many events it covers. A repeated or late run only adds a line."""
    return write_checkpoint().events


@shared_task(ignore_result=True)
def flag_consents_for_resigning() -> int:
    """Give consents signed for a young person now of age a re-signing deadline; the count."""
    return flag_for_resigning()


# Issue 4, delivery. Tasks take ids and are idempotent (tasks/delivery.py); they are acked
# late and requeued when their worker dies. A broker or database that is briefly away is
# retried with backoff and jitter; due work waits in the outbox meanwhile, so nothing is lost.
TRANSIENT_INFRASTRUCTURE_ERRORS = (kombu.exceptions.OperationalError, DatabaseError)
# Below the broker's visibility timeout (settings), so a retry waiting for its countdown is
# never handed to a second worker as if the first had died.
RETRY_BACKOFF_MAX = 300
SAFE_TASK = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_INFRASTRUCTURE_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 5,
}


def _stop_and_retry(task: Task, error: BaseException) -> NoReturn:
    """A task whose database connection was lost: one log line, then the whole task again
    after a backoff; past ``max_retries`` it fails with ``DatabaseLost`` as its result."""
    lost = DatabaseLost.of(work=task.name, error=error)
    retries = task.request.retries
    if retries >= task.max_retries:
        logger.error("%s; giving up after %s retries", lost, retries)
        raise lost from None
    countdown = get_exponential_backoff_interval(
        factor=1, retries=retries, maximum=RETRY_BACKOFF_MAX, full_jitter=True
    )
    logger.warning("%s; retry %s of %s in %s s", lost, retries + 1, task.max_retries, countdown)
    raise task.retry(exc=lost, countdown=countdown) from None


@shared_task(bind=True, **SAFE_TASK)
def deliver_notifications(self: Task) -> int:
    """Free dead workers' claims, then start delivery tasks until
    ``HARBOR["DELIVERY_CONCURRENCY"]`` are at work, each with its first batch claimed; the
    rows claimed.

    A batch whose task never reaches the broker (Redis lost it) stays claimed, and the next
    sweep releases it after the claim lease (tasks/claims.py).
    """
    try:
        return _claim_and_enqueue(now=timezone.now())
    except CONNECTION_LOST as error:
        _stop_and_retry(self, error)


def _claim_and_enqueue(*, now: datetime) -> int:
    release_stale_claims(now=now)
    claimed = 0
    for _ in range(settings.HARBOR["DELIVERY_CONCURRENCY"] - live_claims(now=now)):
        # Each batch its own claim time: live_claims counts batches by it.
        claimed_at = timezone.now()
        ids = claim_batch(now=claimed_at)
        if not ids:
            break
        claimed += len(ids)
        transaction.on_commit(partial(send_notification_batch.delay, ids, claimed_at.isoformat()))
    return claimed


@shared_task(bind=True, **SAFE_TASK)
def send_notification_batch(
    self: Task, ids: list[int], claimed_at: str | None = None
) -> dict[str, int]:
    """Send the rows of one claimed batch (rows no longer held by this claim are skipped),
    then keep claiming and sending while there is work, for ``HARBOR["DELIVERY_SECONDS"]``,
    through the same ``HARBOR["DELIVERY_SENDERS"]`` provider connections; with work left, a
    fresh task goes on. The counts by outcome."""
    until = time.monotonic() + settings.HARBOR["DELIVERY_SECONDS"]
    claimed = datetime.fromisoformat(claimed_at) if claimed_at else None
    try:
        with Senders() as senders:
            outcomes = deliver_batch(ids, claimed_at=claimed, senders=senders)
            if keep_delivering(until=until, outcomes=outcomes, senders=senders):
                transaction.on_commit(partial(send_notification_batch.delay, []))
    except CONNECTION_LOST as error:
        _stop_and_retry(self, error)
    return outcomes


@shared_task(**SAFE_TASK)
def send_daily_digests() -> int:
    """Queue today's digest e-mail for staff who chose it; the sweep sends them."""
    return queue_daily_digests()


@shared_task(bind=True, **SAFE_TASK)
def sweep_follow_ups(self: Task) -> int:
    """Apply the continuity rules (issue 4) to everything due; the number of changes.

    Idempotent and safe to run on two workers at once (tasks/sweep.py), so beat runs it
    every minute and a late, repeated or retried run does no harm.
    """
    from tasks.sweep import run_sweep

    try:
        return run_sweep().changes
    except CONNECTION_LOST as error:
        _stop_and_retry(self, error)


@shared_task(**SAFE_TASK)
def purge_expired_cases() -> dict[str, int]:
    """The daily retention job (R35): purge closed cases past their organization's retention
    period, and remove documents' files no row names. Idempotent and safe beside a second
    worker (tasks/retention.py); counts only."""
    from tasks.retention import remove_stray_document_files, run_retention

    report = run_retention()
    return {
        "run": report.run_id,
        "cases_purged": report.cases_purged,
        "people_purged": report.people_purged,
        "stray_document_files": remove_stray_document_files(),
    }
