"""The Celery sweeps of consents: expiry at least once a minute (R14), re-signing daily."""

from datetime import timedelta

import pytest
from celery.schedules import maybe_schedule, schedule
from django.conf import settings
from django.utils import timezone

from cases.models import Person
from consent.errors import NotVisible
from consent.models import CaseGroupObjectPermission, Consent
from consent.policy import access_case, consents_in_force, viewer_for, visible_cases
from tasks.models import FollowUp
from tasks.tasks import expire_consents, flag_consents_for_resigning
from tests.consents import grant_consent


def _lapsed(consent: Consent) -> Consent:
    """Move the consent's period (and the rows the sync derived from it) into the past, as if
    it had been granted 91 days ago and nothing had run since it expired."""
    starts_at = timezone.now() - timedelta(days=91)
    expires_at = timezone.now() - timedelta(seconds=1)
    Consent.objects.filter(pk=consent.pk).update(starts_at=starts_at, expires_at=expires_at)
    CaseGroupObjectPermission.objects.filter(content_object_id=consent.case_id).update(
        valid_from=starts_at, valid_until=expires_at
    )
    consent.refresh_from_db()
    return consent


def _partner_sees(world) -> bool:
    viewer = viewer_for(world.partner_staff)
    return bool(consents_in_force(viewer=viewer, case_ids=[world.case.pk])) or (
        visible_cases(viewer=viewer, category="plan").filter(pk=world.case.pk).exists()
    )


@pytest.mark.django_db
def test_r14_an_expired_consent_grants_nothing_before_the_sweep_and_the_sweep_records_it(world):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    assert _partner_sees(world)
    assert CaseGroupObjectPermission.objects.filter(content_object_id=world.case.pk).exists()

    _lapsed(consent)

    # Before the sweep: still "active" on paper, and it grants nothing.
    assert consent.status == Consent.Status.ACTIVE
    assert not _partner_sees(world)
    with pytest.raises(NotVisible):
        access_case(viewer=viewer_for(world.partner_staff), case_id=world.case.pk)

    assert expire_consents() == 1

    consent.refresh_from_db()
    assert consent.status == Consent.Status.EXPIRED
    assert consent.expired_at is not None
    assert not CaseGroupObjectPermission.objects.filter(content_object_id=world.case.pk).exists()
    assert not _partner_sees(world)

    assert expire_consents() == 0
    assert Consent.objects.get(pk=consent.pk).expired_at == consent.expired_at


@pytest.mark.django_db
def test_r14_the_expiry_check_is_on_the_consent_even_if_its_rows_were_stale(world):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    Consent.objects.filter(pk=consent.pk).update(
        starts_at=timezone.now() - timedelta(days=91),
        expires_at=timezone.now() - timedelta(seconds=1),
    )

    viewer = viewer_for(world.partner_staff)
    assert consents_in_force(viewer=viewer, case_ids=[world.case.pk]) == {}
    with pytest.raises(NotVisible):
        access_case(viewer=viewer, case_id=world.case.pk)


@pytest.mark.django_db
def test_the_sweep_leaves_consents_in_force_alone(world):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    assert expire_consents() == 0

    assert Consent.objects.get(pk=consent.pk).status == Consent.Status.ACTIVE
    assert _partner_sees(world)


def test_r14_the_expiry_sweep_is_scheduled_at_least_once_a_minute() -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tasks.tasks.expire_consents"
    ]

    assert len(entries) == 1
    every = maybe_schedule(entries[0]["schedule"])
    assert type(every) is schedule
    assert every.run_every <= timedelta(seconds=60)


def test_the_re_signing_sweep_is_scheduled_daily() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "tasks.tasks.flag_consents_for_resigning" in tasks


@pytest.mark.django_db
def test_the_daily_task_flags_consents_of_young_people_now_of_age(world):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    Person.objects.filter(pk=world.case.person_id).update(
        birth_date_precision=Person.BirthDatePrecision.YEAR,
        birth_year=timezone.localdate().year - 30,
    )

    assert flag_consents_for_resigning() == 1
    assert flag_consents_for_resigning() == 0

    assert Consent.objects.get(pk=consent.pk).resign_due_at is not None
    assert FollowUp.objects.get().kind == FollowUp.Kind.CONSENT_RESIGN
