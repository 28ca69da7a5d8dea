"""Consents a parent co-signed for a minor, once the young person comes of age (a policy
choice documented in consent/majority.py): flagged for the young person's own signature, a
follow-up and a portal notice, and a lapse after the grace period unless re-signed."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from cases.models import Person
from consent.majority import flag_consents_for_resigning, resign_grace
from consent.models import CaseGroupObjectPermission, Consent, SignerRule
from consent.policy import consents_in_force, viewer_for, visible_cases
from consent.services import expire_due_consents, renew_consent, submit_for_signature
from tasks import receivers
from tasks.models import FollowUp, PortalNotice
from tests.consents import grant_consent, sign

pytestmark = pytest.mark.django_db


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _born(person: Person, *, years_ago: int, days_later: int = 0) -> None:
    born = _years_before(timezone.localdate(), years_ago) + timedelta(days=days_later)
    Person.objects.filter(pk=person.pk).update(
        birth_date_precision=Person.BirthDatePrecision.EXACT, birth_date=born
    )


@pytest.fixture
def parent_signed(world) -> Consent:
    """A consent signed by the young person and a parent while their age was unknown."""
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    assert consent.signer_rule == SignerRule.MINOR_WITH_PARENT
    return consent


def test_a_consent_co_signed_by_a_parent_is_flagged_on_the_birthday(world, parent_signed):
    _born(world.case.person, years_ago=18)
    before = timezone.now()

    assert flag_consents_for_resigning(today=timezone.localdate()) == 1

    parent_signed.refresh_from_db()
    assert before + resign_grace() <= parent_signed.resign_due_at
    assert parent_signed.resign_due_at <= timezone.now() + resign_grace()
    assert parent_signed.status == Consent.Status.ACTIVE
    follow_up = FollowUp.objects.get()
    assert follow_up.kind == FollowUp.Kind.CONSENT_RESIGN
    assert follow_up.about_consent == parent_signed
    assert follow_up.organization == world.lead
    assert follow_up.assignee == world.advocate
    assert follow_up.due_at == parent_signed.resign_due_at - receivers.RESIGN_DUE_BEFORE_LAPSE
    notice = PortalNotice.objects.get()
    assert (notice.person_id, notice.kind, notice.object_id) == (
        world.case.person_id,
        PortalNotice.Kind.CONSENT_RESIGN,
        parent_signed.pk,
    )


def test_a_second_run_changes_nothing(world, parent_signed):
    _born(world.case.person, years_ago=20)
    flag_consents_for_resigning(today=timezone.localdate())
    parent_signed.refresh_from_db()

    assert flag_consents_for_resigning(today=timezone.localdate()) == 0

    assert Consent.objects.get(pk=parent_signed.pk).resign_due_at == parent_signed.resign_due_at
    assert FollowUp.objects.count() == 1
    assert PortalNotice.objects.count() == 1


def test_a_young_person_still_a_minor_is_not_flagged(world, parent_signed):
    _born(world.case.person, years_ago=18, days_later=1)  # eighteen tomorrow

    assert flag_consents_for_resigning(today=timezone.localdate()) == 0
    assert Consent.objects.get(pk=parent_signed.pk).resign_due_at is None


def test_an_unknown_age_never_triggers(world, parent_signed):
    assert world.case.person.birth_date_precision == Person.BirthDatePrecision.UNKNOWN

    assert flag_consents_for_resigning(today=date(2100, 1, 1)) == 0
    assert not FollowUp.objects.exists()


def test_a_birth_year_counts_only_once_every_possible_birthday_has_passed(world, parent_signed):
    today = timezone.localdate()
    Person.objects.filter(pk=world.case.person_id).update(
        birth_date_precision=Person.BirthDatePrecision.YEAR, birth_year=today.year - 18
    )
    assert flag_consents_for_resigning(today=today) == 0

    Person.objects.filter(pk=world.case.person_id).update(birth_year=today.year - 19)
    assert flag_consents_for_resigning(today=today) == 1


def test_consents_the_young_person_signed_as_an_adult_are_not_touched(world):
    _born(world.case.person, years_ago=25)
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    assert consent.signer_rule == SignerRule.SELF

    assert flag_consents_for_resigning(today=timezone.localdate()) == 0


def test_the_grace_period_is_a_setting(world, parent_signed, settings):
    settings.HARBOR = {**settings.HARBOR, "CONSENT_RESIGN_GRACE_DAYS": 5}
    _born(world.case.person, years_ago=18)

    flag_consents_for_resigning(today=timezone.localdate())

    due = Consent.objects.get(pk=parent_signed.pk).resign_due_at
    assert timedelta(days=5) - timedelta(minutes=1) < due - timezone.now() <= timedelta(days=5)
    # Less than a week of grace: the follow-up is due at once.
    assert FollowUp.objects.get().due_at <= timezone.now()


def test_without_the_young_persons_signature_the_consent_lapses_at_the_deadline(
    world, parent_signed
):
    _born(world.case.person, years_ago=18)
    flag_consents_for_resigning(today=timezone.localdate())
    parent_signed.refresh_from_db()

    assert expire_due_consents(now=parent_signed.resign_due_at - timedelta(seconds=1)) == 0
    assert expire_due_consents(now=parent_signed.resign_due_at) == 1

    parent_signed.refresh_from_db()
    assert parent_signed.status == Consent.Status.EXPIRED
    follow_up = FollowUp.objects.get()
    assert follow_up.status == FollowUp.Status.CANCELLED
    assert follow_up.completed_at is not None


def test_r14_past_the_re_signing_deadline_the_partner_sees_nothing_even_before_the_sweep(
    world, parent_signed
):
    _born(world.case.person, years_ago=18)
    flag_consents_for_resigning(today=timezone.localdate())
    parent_signed.refresh_from_db()
    viewer = viewer_for(world.partner_staff)
    row = CaseGroupObjectPermission.objects.filter(content_object=world.case).first()
    assert row.valid_until == parent_signed.resign_due_at

    with time_machine.travel(parent_signed.resign_due_at + timedelta(seconds=1), tick=False):
        assert consents_in_force(viewer=viewer, case_ids=[world.case.pk]) == {}
        assert not visible_cases(viewer=viewer).filter(pk=world.case.pk).exists()
    parent_signed.refresh_from_db()
    assert parent_signed.status == Consent.Status.ACTIVE  # the sweep has not run


def test_the_young_persons_own_signature_replaces_it_and_closes_the_follow_up(world, parent_signed):
    _born(world.case.person, years_ago=18)
    flag_consents_for_resigning(today=timezone.localdate())

    renewal = renew_consent(consent=parent_signed, actor=world.advocate)
    renewal = submit_for_signature(consent=renewal, actor=world.advocate)
    assert renewal.signer_rule == SignerRule.SELF
    sign(renewal, by=world.advocate)  # the young person alone

    renewal.refresh_from_db()
    parent_signed.refresh_from_db()
    assert renewal.status == Consent.Status.ACTIVE
    assert renewal.resign_due_at is None
    assert parent_signed.status == Consent.Status.EXPIRED
    follow_up = FollowUp.objects.get()
    assert follow_up.status == FollowUp.Status.DONE
    assert str(renewal.pk) in follow_up.completion_note
    assert flag_consents_for_resigning(today=timezone.localdate()) == 0
