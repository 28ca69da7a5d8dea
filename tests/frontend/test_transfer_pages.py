"""Transfers under consent on pages at both organizations (issue 18, point 4; R41): the lead's
care team asks under the young person's consent naming the receiving organization, or is told
to ask for that consent; the receiving organization sees only the offer and accepts (becoming
the lead) or declines (keeping nothing)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.categories import DATA_CATEGORIES
from cases.models import CareTeamMember, CaseTransfer, Person
from consent import services
from consent.models import AccessEvent, Consent, ConsentPurpose, RevocationChannel
from providers.models import Membership
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

Status = CaseTransfer.Status
ALIAS, LEGAL_NAME, PHONE = "Quillon", "Quillon Ashgrove", "+1 555 0177 2468"
BIRTH_DATE = date(timezone.localdate().year - 24, 4, 23)
# What the receiving organization must not read before it accepts.
IDENTIFYING = (ALIAS, LEGAL_NAME, PHONE, "Ashgrove", "Secret reason: moved in with an aunt")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def seeded(world: World) -> World:
    person = world.case.person
    person.alias, person.legal_name = ALIAS, LEGAL_NAME
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = BIRTH_DATE
    person.save()
    rule = person.safe_contact
    rule.phone = PHONE
    rule.save()
    return world


@pytest.fixture
def taker(world: World):
    """A supervisor of the receiving organization (the world's partner)."""
    return f.MembershipFactory(organization=world.partner, role=Membership.Role.SUPERVISOR).user


@pytest.fixture
def new_primary(world: World):
    return f.MembershipFactory(organization=world.partner, role=Membership.Role.ADVOCATE).user


def _transfer_url(world: World) -> str:
    return reverse("frontend:case-transfer", kwargs={"case_id": world.case.pk})


def _ask(world: World, reason: str = IDENTIFYING[-1]):
    data = {"to_organization": world.partner.pk, "reason": reason}
    return _client(world.advocate).post(_transfer_url(world), data)


def _consent(world: World) -> None:
    grant_consent(
        world.case,
        world.partner,
        list(DATA_CATEGORIES),
        by=world.advocate,
        purpose=ConsentPurpose.TRANSFER,
    )


def _requested(world: World) -> CaseTransfer:
    _consent(world)
    assert _ask(world).status_code == 302
    return CaseTransfer.objects.get(case=world.case, status=Status.REQUESTED)


def test_the_case_page_links_to_the_transfer_page(world: World) -> None:
    page = _client(world.advocate).get(reverse("frontend:case", args=[world.case.pk]))
    assert _transfer_url(world) in page.content.decode()


def test_r41_a_request_without_the_transfer_consent_is_refused_on_the_form(world: World) -> None:
    response = _ask(world)
    body = response.content.decode()
    assert response.status_code == 400
    assert "No active consent of the young person for transferring their services" in body
    consent_url = reverse("frontend:consent-request", kwargs={"case_id": world.case.pk})
    assert f"{consent_url}?purpose=service_transfer&amp;recipient={world.partner.pk}" in body
    assert not CaseTransfer.objects.exists()


def test_r41_a_consent_for_another_purpose_does_not_allow_a_transfer(world: World) -> None:
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    assert _ask(world).status_code == 400
    assert not CaseTransfer.objects.exists()


def test_the_consent_request_page_takes_the_purpose_and_recipient_chosen(world: World) -> None:
    url = reverse("frontend:consent-request", kwargs={"case_id": world.case.pk})
    page = _client(world.advocate).get(
        f"{url}?purpose=service_transfer&recipient={world.partner.pk}"
    )
    form = page.context["form"]
    assert (form["purpose"].value(), form["recipient"].value()) == (
        "service_transfer",
        world.partner.pk,
    )


def test_bad_input_is_a_400_with_errors_and_writes_nothing(world: World) -> None:
    _consent(world)
    response = _client(world.advocate).post(_transfer_url(world), {"to_organization": "x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"to_organization", "reason"}
    assert not CaseTransfer.objects.exists()


def test_r41_a_request_with_the_consent_is_recorded_and_can_be_withdrawn(world: World) -> None:
    transfer = _requested(world)
    assert transfer.to_organization == world.partner
    page = _client(world.advocate).get(_transfer_url(world)).content.decode()
    assert "Waiting for an answer" in page and world.partner.name in page

    cancel = reverse(
        "frontend:case-transfer-cancel",
        kwargs={"case_id": world.case.pk, "transfer_id": transfer.pk},
    )
    assert _client(world.advocate).post(cancel).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == Status.CANCELLED


def test_r41_a_withdrawn_transfer_leaves_the_receiver_nothing(world: World, taker) -> None:
    transfer = _requested(world)
    transfer.status, transfer.answered_at = Status.CANCELLED, timezone.now()
    transfer.save()
    client = _client(taker)
    listing = client.get(reverse("frontend:incoming-transfers"))
    assert listing.status_code == 200 and not listing.context["rows"]
    url = reverse("frontend:incoming-transfer", kwargs={"transfer_id": transfer.pk})
    assert client.get(url).status_code == 404


def test_r41_the_receiver_sees_only_the_offer(seeded: World, taker) -> None:
    transfer = _requested(seeded)
    client = _client(taker)
    for url in (
        reverse("frontend:incoming-transfers"),
        reverse("frontend:incoming-transfer", kwargs={"transfer_id": transfer.pk}),
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200
        assert "21-24" in body  # the age band, not the birth date
        leaked = [text for text in IDENTIFYING if text in body]
        assert not leaked, (url, leaked)
        assert BIRTH_DATE.isoformat() not in body and str(BIRTH_DATE.year) not in body
        assert reverse("frontend:case", args=[seeded.case.pk]) not in body
    # Advocates of the receiving organization do not answer transfers.
    advocate = f.MembershipFactory(organization=seeded.partner).user
    detail = reverse("frontend:incoming-transfer", kwargs={"transfer_id": transfer.pk})
    assert _client(advocate).get(detail).status_code == 404


def test_r24_r41_reading_offers_goes_into_the_case_log_as_nothing_released(
    world: World, taker
) -> None:
    transfer = _requested(world)
    client = _client(taker)

    client.get(reverse("frontend:incoming-transfers"))
    client.get(reverse("frontend:incoming-transfer", kwargs={"transfer_id": transfer.pk}))

    events = AccessEvent.objects.filter(case_id=world.case.pk, user_id=taker.pk)
    assert sorted(events.values_list("action", "outcome")) == [
        ("list", "denied"),
        ("view", "denied"),
    ]
    assert all(event.categories == [] and event.basis == "" for event in events)


def test_r41_accepting_makes_the_receiver_the_lead_and_the_old_lead_loses_the_case(
    seeded: World, taker, new_primary
) -> None:
    transfer = _requested(seeded)
    url = reverse("frontend:incoming-transfer-accept", kwargs={"transfer_id": transfer.pk})
    bad = _client(taker).post(url, {"primary_advocate": seeded.advocate.pk})
    assert bad.status_code == 400 and "primary_advocate" in bad.context["accept_form"].errors

    response = _client(taker).post(url, {"primary_advocate": new_primary.pk})
    assert response.status_code == 302
    seeded.case.refresh_from_db()
    assert seeded.case.lead_organization == seeded.partner
    assert (
        CareTeamMember.objects.get(
            case=seeded.case, until__isnull=True, role=CareTeamMember.Role.PRIMARY
        ).user
        == new_primary
    )
    case_url = reverse("frontend:case", args=[seeded.case.pk])
    assert _client(new_primary).get(case_url).status_code == 200
    caseload = _client(new_primary).get(reverse("frontend:caseload")).content.decode()
    assert case_url in caseload
    # The old lead's care team and supervisor keep nothing (their consent is only to transfer).
    assert _client(seeded.advocate).get(case_url).status_code == 404
    assert _client(seeded.supervisor).get(case_url).status_code == 404


def test_r41_accepting_is_refused_once_the_consent_is_withdrawn(
    world: World, taker, new_primary
) -> None:
    transfer = _requested(world)
    consent = Consent.objects.get(purpose=ConsentPurpose.TRANSFER)
    services.revoke_consent(
        consent=consent, actor=world.advocate, channel=RevocationChannel.WRITTEN
    )
    url = reverse("frontend:incoming-transfer-accept", kwargs={"transfer_id": transfer.pk})
    response = _client(taker).post(url, {"primary_advocate": new_primary.pk})
    assert response.status_code == 400
    world.case.refresh_from_db()
    assert world.case.lead_organization == world.lead


def test_r41_declining_leaves_the_receiver_nothing(world: World, taker) -> None:
    transfer = _requested(world)
    url = reverse("frontend:incoming-transfer-decline", kwargs={"transfer_id": transfer.pk})
    assert _client(taker).post(url, {"note": ""}).status_code == 400
    assert _client(taker).post(url, {"note": "No capacity"}).status_code == 302
    transfer.refresh_from_db()
    world.case.refresh_from_db()
    assert transfer.status == Status.DECLINED and world.case.lead_organization == world.lead
    detail = reverse("frontend:incoming-transfer", kwargs={"transfer_id": transfer.pk})
    assert _client(taker).get(detail).status_code == 404
    assert _client(taker).get(reverse("frontend:case", args=[world.case.pk])).status_code == 404
    # The sender reads the answer on its own page.
    assert "No capacity" in _client(world.advocate).get(_transfer_url(world)).content.decode()


def test_the_incoming_transfers_list_costs_the_same_for_any_number(
    world: World, taker, constant_queries
) -> None:
    client = _client(taker)
    url = reverse("frontend:incoming-transfers")
    for _ in range(3):
        case = f.CaseFactory(lead_organization=world.lead)
        f.CareTeamMemberFactory(case=case, user=world.advocate)
        grant_consent(
            case,
            world.partner,
            list(DATA_CATEGORIES),
            by=world.advocate,
            purpose=ConsentPurpose.TRANSFER,
        )
        data = {"to_organization": world.partner.pk, "reason": "Moved"}
        page = reverse("frontend:case-transfer", kwargs={"case_id": case.pk})
        assert _client(world.advocate).get(page).status_code == 200
        assert _client(world.advocate).post(page, data).status_code == 302
        with constant_queries(10):
            assert client.get(url).status_code == 200
