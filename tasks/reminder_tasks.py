"""Celery entry point of the young people's reminders (issue 20, tasks/young_person_reminders.py).

Beat runs it every few minutes (``CELERY_BEAT_SCHEDULE``); it only queues outbox rows, and the
outbox sweep (``tasks.tasks.deliver_notifications``) sends them, checking the young person's
safe channels and hours again at sending time. Loaded through ``CELERY_IMPORTS``.
"""

import kombu.exceptions
from celery import shared_task
from django.db import OperationalError as DatabaseError

from tasks.young_person_reminders import remind_young_people as queue_reminders


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(kombu.exceptions.OperationalError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def remind_young_people() -> dict[str, int]:
    """Queue today's reminders for young people who asked for them; counts by outcome.

    Idempotent per person and local day, so a late, repeated or concurrent run does no harm.
    """
    return queue_reminders().as_dict()
