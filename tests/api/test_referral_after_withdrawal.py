"""Issue 16, finding 4 (R13, R24): once the consent a referral travelled under is withdrawn or
has expired, the receiving organization keeps only the closing record of the referral, every
move of its own re-checks the consent, and no read of it is logged as allowed without a basis.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from cases.models import Referral
from cases.services.referrals import accept_referral, start_referred_service
from consent.access_log import EventDraft, UnfoundedAccess
from consent.models import AccessEvent, Consent, ConsentPurpose, RevocationChannel
from consent.services import revoke_consent
from providers.models import Membership
from tests import factories as f
from tests.consents import grant_consent
from tests.fuzz.conformance import assert_matches_schema

pytestmark = pytest.mark.django_db

Status = Referral.Status
SECRET = "Zephyrine sleeps at her aunt's on Thornapple Street"
NOTICE = "The young person's information is no longer shared with your organization."
ENDINGS = ["withdrawn", "expired"]


def _consent(world) -> Consent:
    return grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )


def _referral(world, status: str = Status.ACCEPTED) -> Referral:
    """A referral that went out under a consent in force, moved on to ``status``."""
    referral = f.ReferralFactory(
        case=world.case, to_organization=world.partner, sent=True, categories=["plan"]
    )
    referral.message = SECRET
    referral.save(update_fields=["message"])
    if status in (Status.ACCEPTED, Status.IN_SERVICE):
        accept_referral(referral=referral, actor=world.partner_staff, note=f"Note on {SECRET}")
    if status == Status.IN_SERVICE:
        start_referred_service(referral=referral, actor=world.partner_staff)
    referral.refresh_from_db()
    return referral


@contextmanager
def _ended(world, consent: Consent, how: str) -> Iterator[None]:
    """The consent withdrawn now, or past its expiry with the sweep not yet run."""
    if how == "withdrawn":
        revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)
        yield
        return
    with time_machine.travel(consent.expires_at + timedelta(minutes=1), tick=False):
        yield


def _url(name: str, referral_id: int) -> str:
    return reverse(f"referral-{name}", kwargs={"pk": referral_id})


def _partner_events(world) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(user=world.partner_staff, case=world.case))


# --- what the receiving organization reads -----------------------------------------------


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_partner_reads_no_referral_message_after_withdrawal(world, api_for, how):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, how):
        response = api_for(world.partner_staff).get(_url("detail", referral.pk))

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert {"message", "categories", "outcome_note", "decline_reason_text"}.isdisjoint(
        response.data
    )
    assert response.data["information_shared"] is False
    assert response.data["notice"] == NOTICE
    assert response.data["status"] == Status.ACCEPTED
    assert response.data["service_type_name"] == referral.service_type.name
    assert response.data["sent_at"] and response.data["answered_at"]
    assert all("note" not in move for move in response.data["transitions"])


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_partner_lists_no_referral_message_after_withdrawal(world, api_for, how):
    consent = _consent(world)
    _referral(world)

    with _ended(world, consent, how):
        response = api_for(world.partner_staff).get(reverse("referral-list"))

    [row] = response.data["results"]
    assert "message" not in row and row["information_shared"] is False
    assert SECRET not in response.content.decode()


def test_r13_partner_reads_the_message_while_the_consent_is_in_force(world, api_for):
    _consent(world)
    referral = _referral(world)

    response = api_for(world.partner_staff).get(_url("detail", referral.pk))

    assert response.data["message"] == SECRET
    assert response.data["information_shared"] is True


def test_r13_the_lead_keeps_its_own_referral_after_withdrawal(world, api_for):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, "withdrawn"):
        response = api_for(world.advocate).get(_url("detail", referral.pk))

    assert response.data["message"] == SECRET


def test_r13_a_third_organization_gets_the_same_404_as_for_a_missing_id(world, api_for):
    consent = _consent(world)
    referral = _referral(world)
    outsider = f.MembershipFactory(role=Membership.Role.SUPERVISOR).user
    client = api_for(outsider)

    with _ended(world, consent, "withdrawn"):
        hidden = client.get(_url("detail", referral.pk))
        missing = client.get(_url("detail", referral.pk + 1000))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


# --- every move of the receiving organization re-checks the consent ----------------------


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_start_service_is_refused_after_withdrawal(world, api_for, how):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, how):
        response = api_for(world.partner_staff).post(_url("start-service", referral.pk))

    assert response.status_code == 400
    assert "no longer shared with your organization" in str(response.data["consent"])
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.transitions.count() == 1  # the acceptance only


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_completing_is_refused_after_withdrawal(world, api_for, how):
    consent = _consent(world)
    referral = _referral(world, Status.IN_SERVICE)

    with _ended(world, consent, how):
        response = api_for(world.partner_staff).post(
            _url("complete", referral.pk), {"outcome_note": "Housed"}
        )

    assert response.status_code == 400
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_note) == (Status.IN_SERVICE, "")


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_accepting_is_refused_after_withdrawal(world, api_for, how):
    consent = _consent(world)
    referral = _referral(world, Status.SENT)

    with _ended(world, consent, how):
        response = api_for(world.partner_staff).post(_url("accept", referral.pk))

    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_r13_the_partner_still_closes_its_own_record_after_withdrawal(world, api_for):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, "withdrawn"):
        response = api_for(world.partner_staff).post(
            _url("close-without-service", referral.pk), {"note": "Consent ended"}
        )

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.CLOSED_WITHOUT_SERVICE
    assert "message" not in response.data


def test_r13_the_partner_still_declines_after_withdrawal(world, api_for):
    consent = _consent(world)
    referral = _referral(world, Status.SENT)

    with _ended(world, consent, "withdrawn"):
        response = api_for(world.partner_staff).post(
            _url("decline", referral.pk), {"reason": "no_capacity"}
        )

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.DECLINED


def test_the_lead_withdraws_its_referral_without_a_consent(world, api_for):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, "withdrawn"):
        response = api_for(world.advocate).post(_url("withdraw", referral.pk))

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.WITHDRAWN


# --- R24: reads are denied or name their basis ------------------------------------------


@pytest.mark.parametrize("how", ENDINGS)
def test_r24_partner_reads_after_withdrawal_are_recorded_as_denied(world, api_for, how):
    consent = _consent(world)
    referral = _referral(world)
    client = api_for(world.partner_staff)

    with _ended(world, consent, how):
        client.get(_url("detail", referral.pk))
        client.get(reverse("referral-list"))

    events = _partner_events(world)
    assert {e.action for e in events} >= {"view", "list"}
    assert all(e.outcome == "denied" and not e.basis for e in events)


def test_r24_partner_reads_under_a_consent_in_force_name_the_consent(world, api_for):
    consent = _consent(world)
    referral = _referral(world)

    api_for(world.partner_staff).get(_url("detail", referral.pk))

    [event] = [e for e in _partner_events(world) if e.action == "view"]
    assert (event.outcome, event.basis, event.consent_id) == (
        "allowed",
        f"consent:{consent.pk}",
        consent.pk,
    )
    assert event.categories == ["plan"]


def test_r24_an_allowed_event_without_a_basis_is_refused_at_its_source(world):
    with pytest.raises(UnfoundedAccess):
        EventDraft(user_id=world.advocate.pk, action="view", outcome="allowed", case_id=1)
    # A refusal names no basis, and needs none.
    EventDraft(user_id=world.advocate.pk, action="view", outcome="denied", case_id=1)


def test_r24_no_event_is_allowed_without_a_basis_through_a_whole_referral(world, api_for):
    consent = _consent(world)
    referral = _referral(world)
    partner, lead = api_for(world.partner_staff), api_for(world.advocate)
    for client in (partner, lead):
        client.get(reverse("referral-list"))
        client.get(_url("detail", referral.pk))
    partner.post(_url("start-service", referral.pk))

    with _ended(world, consent, "withdrawn"):
        for client in (partner, lead):
            client.get(reverse("referral-list"))
            client.get(_url("detail", referral.pk))
        partner.post(_url("complete", referral.pk), {"outcome_note": "Housed"})
        partner.post(_url("close-without-service", referral.pk), {"note": "Ended"})

    assert AccessEvent.objects.exists()
    assert not AccessEvent.objects.filter(outcome="allowed", basis="").exists()


def test_r13_the_closing_record_matches_the_documented_schema(world, api_for):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, "withdrawn"):
        response = api_for(world.partner_staff).get(f"/api/v1/referrals/{referral.pk}/")

    assert_matches_schema(response, "get", "/api/v1/referrals/{id}/")
