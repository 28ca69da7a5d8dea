"""System involvement (issue 21) stays with the lead organization's staff: no consent releases
it, whatever its categories, and the young person does not read it (R17)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.system_involvement import SystemInvolvementEvent
from consent.errors import NotVisible
from consent.policy import (
    access_case_system_involvement,
    access_system_involvement,
    viewer_for,
    visible_system_involvement,
)
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db


def _record(world: World) -> SystemInvolvementEvent:
    return f.SystemInvolvementEventFactory(
        case=world.case,
        recorded_by=world.advocate,
        occurred_on=timezone.localdate() - timedelta(days=3),
    )


@pytest.mark.parametrize("persona", ["advocate", "supervisor"])
def test_r17_the_lead_staff_see_the_cases_system_involvement(world, persona):
    event = _record(world)
    viewer = viewer_for(getattr(world, persona))

    assert list(visible_system_involvement(viewer=viewer)) == [event]
    assert access_system_involvement(viewer=viewer, event_id=event.pk) == event


def test_r17_no_consent_releases_system_involvement_even_one_covering_every_category(world):
    event = _record(world)
    grant_consent(
        world.case,
        world.partner,
        ["identity", "contact", "plan", "notes", "documents", "family"],
        by=world.advocate,
    )
    viewer = viewer_for(world.partner_staff)

    assert not visible_system_involvement(viewer=viewer).exists()
    with pytest.raises(NotVisible):
        access_system_involvement(viewer=viewer, event_id=event.pk)
    with pytest.raises(NotVisible):
        access_case_system_involvement(viewer=viewer, case_id=world.case.pk)


def test_r17_the_young_person_does_not_read_what_the_systems_did(world):
    event = _record(world)
    viewer = viewer_for(world.young_person)

    assert not visible_system_involvement(viewer=viewer).exists()
    with pytest.raises(NotVisible):
        access_system_involvement(viewer=viewer, event_id=event.pk)


def test_a_colleague_off_the_care_team_does_not_see_the_event(world):
    event = _record(world)

    with pytest.raises(NotVisible):
        access_system_involvement(viewer=viewer_for(world.other_advocate), event_id=event.pk)
