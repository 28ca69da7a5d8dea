"""Celery entry points of Harbor's core.

Sign-in sessions live in the database and Django never deletes expired ones by itself; the
daily sweep below does what ``manage.py clearsessions`` would do from a cron job.
"""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Delete expired sign-in sessions; idempotent, so a repeated or late run does no harm."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
