"""R23: a compelled disclosure is its own basis, with its legal authority, and starts a
follow-up to tell the young person. A subpoena alone is refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import CareTeamMember
from consent.compelled import SUBPOENA_REFUSED, record_compelled_disclosure
from consent.models import CompelledDisclosure
from consent.signals import compelled_disclosure_recorded
from tasks import receivers
from tasks.models import FollowUp, PortalNotice
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

URL = reverse("compelled-disclosure-list")


def _detail(pk: int) -> str:
    return reverse("compelled-disclosure-detail", kwargs={"pk": pk})


def _payload(world, **changes) -> dict:
    payload = {
        "case": world.case.pk,
        "authority": "court_order",
        "legal_authority": "Order 2026-JV-0417, County Juvenile Court",
        "recipient_name": "County Juvenile Court",
        "categories": ["plan", "notes"],
        "disclosed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
    }
    payload.update(changes)
    return payload


def _record(world, **changes) -> CompelledDisclosure:
    values = {
        "case": world.case,
        "authority": "statute",
        "legal_authority": "State Child Welfare Code § 12-34",
        "recipient_name": "State child welfare agency",
        "categories": ["identity"],
        "disclosed_at": timezone.now(),
        "actor": world.advocate,
    }
    values.update(changes)
    return record_compelled_disclosure(**values)


def test_r23_a_subpoena_alone_is_refused_and_the_answer_says_why(world, api_for):
    response = api_for(world.advocate).post(URL, _payload(world, authority="subpoena"), "json")

    assert response.status_code == 400
    assert response.data["authority"] == [SUBPOENA_REFUSED]
    assert "subpoena alone" in SUBPOENA_REFUSED and "court order" in SUBPOENA_REFUSED
    assert not CompelledDisclosure.objects.exists()
    assert not FollowUp.objects.exists()


def test_r23_a_court_order_is_recorded_with_its_legal_authority(world, api_for):
    response = api_for(world.advocate).post(URL, _payload(world), "json")

    assert response.status_code == 201, response.data
    disclosure = CompelledDisclosure.objects.get(pk=response.data["id"])
    assert disclosure.authority == CompelledDisclosure.Authority.COURT_ORDER
    assert disclosure.legal_authority == "Order 2026-JV-0417, County Juvenile Court"
    assert disclosure.categories == ["notes", "plan"]
    assert disclosure.recorded_by == world.advocate
    assert response.data["legal_authority"] == disclosure.legal_authority


def test_r23_a_statute_is_a_basis_too(world):
    disclosure = _record(world)

    assert disclosure.authority == CompelledDisclosure.Authority.STATUTE


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_authority": "  "}, "legal_authority"),
        ({"recipient_name": ""}, "recipient_name"),
        ({"categories": []}, "categories"),
        ({"categories": ["bank_account"]}, "categories"),
        ({"authority": "warrant"}, "authority"),
    ],
)
def test_r23_incomplete_disclosures_are_refused_field_by_field(world, api_for, changes, field):
    response = api_for(world.advocate).post(URL, _payload(world, **changes), "json")

    assert response.status_code == 400
    assert field in response.data
    assert not CompelledDisclosure.objects.exists()


def test_r23_the_service_refuses_a_subpoena_and_a_missing_legal_authority(world):
    with pytest.raises(ValidationError) as refused:
        _record(world, authority="Subpoena duces tecum", legal_authority="")

    assert refused.value.message_dict["authority"] == [SUBPOENA_REFUSED]
    assert "legal_authority" in refused.value.message_dict


def test_r23_a_disclosure_opens_a_follow_up_for_the_lead_queue_and_primary_advocate(world):
    before = timezone.now()
    disclosure = _record(world)

    follow_up = FollowUp.objects.get()
    assert follow_up.kind == FollowUp.Kind.NOTIFY_COMPELLED
    assert follow_up.about_compelled == disclosure
    assert follow_up.case == world.case
    assert follow_up.organization == world.lead
    assert follow_up.assignee == world.advocate
    assert follow_up.status == FollowUp.Status.OPEN
    assert before + receivers.NOTIFY_COMPELLED_WITHIN <= follow_up.due_at
    assert follow_up.due_at <= timezone.now() + receivers.NOTIFY_COMPELLED_WITHIN
    # The advocate tells the young person; nothing is posted to the portal automatically.
    assert not PortalNotice.objects.exists()


def test_r23_without_a_primary_advocate_the_follow_up_waits_in_the_lead_queue(world):
    CareTeamMember.objects.filter(case=world.case).update(until=timezone.localdate())

    _record(world)

    follow_up = FollowUp.objects.get()
    assert follow_up.assignee is None
    assert follow_up.organization == world.lead


def test_r23_the_follow_up_is_opened_once_however_often_the_event_arrives(world):
    disclosure = _record(world)

    compelled_disclosure_recorded.send(sender=CompelledDisclosure, disclosure_id=disclosure.pk)

    assert FollowUp.objects.filter(about_compelled=disclosure).count() == 1


def test_r23_no_disclosure_is_recorded_when_its_follow_up_cannot_be(world, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(receivers, "open_follow_up", fail)

    with pytest.raises(RuntimeError):
        _record(world)

    assert not CompelledDisclosure.objects.exists()


def test_r23_a_partner_with_a_consent_cannot_see_or_record_compelled_disclosures(world, api_for):
    grant_consent(world.case, world.partner, ["plan", "notes"], by=world.advocate)
    disclosure = _record(world, categories=["plan"])
    partner = api_for(world.partner_staff)

    listed = partner.get(URL)
    detail = partner.get(_detail(disclosure.pk))
    created = partner.post(URL, _payload(world), "json")

    assert listed.status_code == 200
    assert listed.data["results"] == []
    assert detail.status_code == 404
    assert created.status_code in (400, 404)
    assert CompelledDisclosure.objects.count() == 1


def test_r23_the_lead_and_the_young_person_read_them_but_only_staff_record_them(world, api_for):
    disclosure = _record(world)

    for reader in (world.advocate, world.supervisor, world.young_person):
        response = api_for(reader).get(_detail(disclosure.pk))
        assert response.status_code == 200
        assert response.data["legal_authority"] == disclosure.legal_authority
    refused = api_for(world.young_person).post(URL, _payload(world), "json")
    supervised = api_for(world.supervisor).post(URL, _payload(world), "json")

    assert refused.status_code == 403
    assert supervised.status_code == 201
    assert CompelledDisclosure.objects.count() == 2


def test_r23_staff_of_the_lead_not_on_the_case_get_nothing(world, api_for):
    disclosure = _record(world)
    outsider = api_for(world.other_advocate)

    assert outsider.get(_detail(disclosure.pk)).status_code == 404
    assert outsider.post(URL, _payload(world), "json").status_code == 400
    assert CompelledDisclosure.objects.count() == 1
