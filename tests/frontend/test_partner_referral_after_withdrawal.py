"""Issue 16, findings 3 and 4 (R13, R24), on the partner pages: once the consent a referral
travelled under is withdrawn or has expired, the receiving organization's referral page shows
the closing record and a neutral sentence, offers only the answers that close its record,
and records the read as denied."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Referral
from cases.services.referrals import accept_referral
from consent.models import AccessEvent, Consent, ConsentPurpose, RevocationChannel
from consent.services import revoke_consent
from providers.models import Membership
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

Status = Referral.Status
SECRET = "Zephyrine sleeps at her aunt's on Thornapple Street"
NOTICE = "information is no longer shared with your organization."
ENDINGS = ["withdrawn", "expired"]


def _consent(world) -> Consent:
    return grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )


def _referral(world, status: str = Status.ACCEPTED) -> Referral:
    referral = f.ReferralFactory(
        case=world.case, to_organization=world.partner, sent=True, categories=["plan"]
    )
    referral.message = SECRET
    referral.save(update_fields=["message"])
    if status == Status.ACCEPTED:
        accept_referral(referral=referral, actor=world.partner_staff, note=f"About {SECRET}")
    referral.refresh_from_db()
    return referral


@contextmanager
def _ended(world, consent: Consent, how: str) -> Iterator[None]:
    if how == "withdrawn":
        revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)
        yield
        return
    with time_machine.travel(consent.expires_at + timedelta(minutes=1), tick=False):
        yield


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, **kwargs: int) -> str:
    return reverse(f"frontend:{name}", kwargs=kwargs)


def _main(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _without_request_reference(body: str) -> str:
    # Each error page names its own request, so support can find it in the logs.
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", body)


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_partner_page_shows_no_referral_message_after_withdrawal(world, how):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, how):
        response = _client(world.partner_staff).get(
            _url("incoming-referral", referral_id=referral.pk)
        )

    body = _main(response)
    assert response.status_code == 200
    assert SECRET not in body and "Zephyrine" not in body
    assert NOTICE in body
    assert "No consent in force releases" not in body
    assert referral.service_type.name in body
    assert "Accepted" in body  # the status, for the partner's own record


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_partner_page_offers_only_closing_answers_after_withdrawal(world, how):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, how):
        body = _main(
            _client(world.partner_staff).get(_url("incoming-referral", referral_id=referral.pk))
        )

    assert _url("incoming-referral-close", referral_id=referral.pk) in body
    assert _url("incoming-referral-start", referral_id=referral.pk) not in body
    assert _url("incoming-referral-contact", referral_id=referral.pk) not in body


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_partner_list_page_shows_no_referral_message_after_withdrawal(world, how):
    consent = _consent(world)
    _referral(world)

    with _ended(world, consent, how):
        body = _main(_client(world.partner_staff).get(_url("incoming-referrals")))

    assert SECRET not in body
    assert NOTICE in body


@pytest.mark.parametrize("how", ENDINGS)
def test_r13_starting_the_service_from_the_page_is_refused_after_withdrawal(world, how):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, how):
        response = _client(world.partner_staff).post(
            _url("incoming-referral-start", referral_id=referral.pk)
        )

    assert response.status_code == 400
    assert "no longer shared with your organization" in _main(response)
    assert SECRET not in _main(response)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_r13_logging_a_contact_is_refused_after_withdrawal(world):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, "withdrawn"):
        response = _client(world.partner_staff).post(
            _url("incoming-referral-contact", referral_id=referral.pk),
            {
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "channel": "phone",
                "outcome": "reached",
                "summary": "Called",
            },
        )

    assert response.status_code == 400
    assert not world.case.contacts.exists()


def test_r13_the_partner_closes_its_record_from_the_page_after_withdrawal(world):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, "withdrawn"):
        response = _client(world.partner_staff).post(
            _url("incoming-referral-close", referral_id=referral.pk), {"note": "Ended"}
        )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED_WITHOUT_SERVICE


def test_r13_a_third_organization_gets_the_same_page_as_for_a_missing_id(world):
    consent = _consent(world)
    referral = _referral(world)
    outsider = f.MembershipFactory(role=Membership.Role.SUPERVISOR).user
    client = _client(outsider)

    with _ended(world, consent, "withdrawn"):
        hidden = client.get(_url("incoming-referral", referral_id=referral.pk))
        missing = client.get(_url("incoming-referral", referral_id=referral.pk + 1000))

    assert hidden.status_code == missing.status_code == 404
    assert _without_request_reference(_main(hidden)) == _without_request_reference(_main(missing))


@pytest.mark.parametrize("how", ENDINGS)
def test_r24_partner_page_reads_after_withdrawal_are_recorded_as_denied(world, how):
    consent = _consent(world)
    referral = _referral(world)

    with _ended(world, consent, how):
        client = _client(world.partner_staff)  # signed in now: a year-old session has ended
        client.get(_url("incoming-referral", referral_id=referral.pk))
        client.get(_url("incoming-referrals"))

    events = AccessEvent.objects.filter(user=world.partner_staff, case=world.case)
    assert events.exists()
    assert all(e.outcome == "denied" for e in events)
    assert not AccessEvent.objects.filter(outcome="allowed", basis="").exists()


def test_r24_the_partner_page_read_under_a_consent_names_it(world):
    consent = _consent(world)
    referral = _referral(world)

    _client(world.partner_staff).get(_url("incoming-referral", referral_id=referral.pk))

    [event] = AccessEvent.objects.filter(user=world.partner_staff, action="view")
    assert (event.outcome, event.consent_id) == ("allowed", consent.pk)
