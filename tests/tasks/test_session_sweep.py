"""The daily sweep of expired sign-in sessions, and the beat schedule that runs it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from coordination.celery import app as celery_app
from tasks.tasks import clear_expired_sessions


def _session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["seen"] = True
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


@pytest.mark.django_db
def test_sweep_deletes_expired_sessions_and_keeps_live_ones() -> None:
    expired = _session(expires_in=timedelta(minutes=-1))
    live = _session(expires_in=timedelta(hours=1))
    clear_expired_sessions()
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert not Session.objects.filter(pk=expired).exists()


def test_every_scheduled_task_is_a_registered_task() -> None:
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks
