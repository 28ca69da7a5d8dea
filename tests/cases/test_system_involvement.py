"""What the systems did (issue 21, point 2): the services the pages and the API share."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.services.system_involvement import (
    correct_system_involvement,
    record_system_involvement,
    remove_system_involvement,
    set_referral_source,
)
from cases.system_involvement import SystemInvolvementEvent
from tests.conftest import World

pytestmark = pytest.mark.django_db
LAST_MONTH = timezone.localdate() - timedelta(days=30)


def _record(world: World, **overrides: object) -> SystemInvolvementEvent:
    values = {"kind": "arrest", "occurred_on": LAST_MONTH, "note": "At the bus station"}
    return record_system_involvement(case=world.case, actor=world.advocate, **values | overrides)


def test_lead_staff_record_an_event_in_the_lead_organizations_name(world):
    event = _record(world)

    assert (event.organization, event.recorded_by, event.kind) == (
        world.lead,
        world.advocate,
        "arrest",
    )


def test_staff_of_another_organization_cannot_record_one(world):
    with pytest.raises(ValidationError):
        record_system_involvement(
            case=world.case, actor=world.partner_staff, kind="arrest", occurred_on=LAST_MONTH
        )

    assert not SystemInvolvementEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "sighting"), ("occurred_on", timezone.localdate() + timedelta(days=1))],
)
def test_an_unknown_kind_or_a_future_date_is_a_field_error(world, field, value):
    with pytest.raises(ValidationError) as caught:
        _record(world, **{field: value})

    assert list(caught.value.message_dict) == [field]
    assert not SystemInvolvementEvent.objects.exists()


def test_a_correction_keeps_what_the_event_said_before_in_the_history(world):
    event = _record(world)

    correct_system_involvement(event=event, actor=world.advocate, changes={"kind": "detention"})

    kinds = list(event.history.order_by("history_date").values_list("kind", flat=True))
    assert kinds == ["arrest", "detention"]


def test_removing_an_event_needs_a_reason_and_keeps_its_record(world):
    event = _record(world)
    with pytest.raises(ValidationError):
        remove_system_involvement(event=event, actor=world.advocate, reason="  ")

    removed = remove_system_involvement(event=event, actor=world.advocate, reason="Wrong case")

    assert (removed.removed_by, removed.removal_reason) == (world.advocate, "Wrong case")
    assert removed.is_removed and SystemInvolvementEvent.objects.filter(pk=event.pk).exists()


def test_a_removed_event_is_not_corrected(world):
    event = _record(world)
    remove_system_involvement(event=event, actor=world.advocate, reason="Wrong case")

    with pytest.raises(ValidationError):
        correct_system_involvement(event=event, actor=world.advocate, changes={"note": "x"})


def test_lead_staff_correct_the_referral_source_recorded_at_intake(world):
    case = set_referral_source(case=world.case, actor=world.advocate, referral_source="school")

    assert case.referral_source == "school"
    with pytest.raises(ValidationError):
        set_referral_source(case=world.case, actor=world.advocate, referral_source="rumour")
