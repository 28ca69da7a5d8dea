"""Celery entry points of Harbor's core.

Sign-in sessions live in the database and Django never deletes expired ones by itself; the
daily sweep below does what ``manage.py clearsessions`` would do from a cron job.

Consents: the policy already refuses a consent from the second it expires (R14); the sweep
every minute makes its status and its permission rows say so too. The daily job flags
consents a parent signed for a young person who has since come of age (consent/majority.py).
Both are idempotent and take no arguments, so a repeated, late or concurrent run does no harm.
"""

from importlib import import_module

from celery import shared_task
from django.conf import settings

from consent.majority import flag_consents_for_resigning as flag_for_resigning
from consent.services import expire_due_consents


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
def flag_consents_for_resigning() -> int:
    """Give consents signed for a young person now of age a re-signing deadline; the count."""
    return flag_for_resigning()
