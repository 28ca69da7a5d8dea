"""The referrals endpoints: who may draft, send, answer and close a referral, and what the
receiving organization sees."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import PlannedService, Referral, ReferralTransition
from consent.models import RevocationChannel
from consent.services import revoke_consent
from providers.models import Membership
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

Status = Referral.Status
CASE_FIELDS = {"case", "planned_service", "created_by", "created_at"}


@pytest.fixture
def outsider(world):
    """Staff of a third organization, which neither leads the case nor receives the referral."""
    return f.MembershipFactory(role=Membership.Role.SUPERVISOR).user


def _referral(world, status: str = Status.SENT, **fields) -> Referral:
    """A referral as the real flow leaves it: one that left went under a covering consent."""
    extra = {} if status == Status.DRAFT else {"sent_at": timezone.now()}
    if status == Status.DECLINED:
        extra["decline_reason"] = Referral.DeclineReason.NO_CAPACITY
    values = {"case": world.case, "to_organization": world.partner, **extra, **fields}
    referral = f.ReferralFactory(status=status, **values)
    recipient = referral.to_organization
    if status != Status.DRAFT and not referral.case.consents.filter(recipient=recipient).exists():
        categories = list(referral.categories or ["plan"])
        grant_consent(referral.case, recipient, categories, by=world.advocate)
    return referral


def _service(world) -> PlannedService:
    return f.PlannedServiceFactory(goal=f.GoalFactory(plan=world.case.plan))


def _url(name: str, referral: Referral | None = None) -> str:
    if referral is None:
        return reverse(f"referral-{name}")
    return reverse(f"referral-{name}", kwargs={"pk": referral.pk})


def _create_body(world, **fields) -> dict:
    return {
        "case": world.case.pk,
        "to_organization": world.partner.pk,
        "service_type": f.service_type().pk,
        "categories": ["plan"],
        "message": "Needs a safe bed",
        **fields,
    }


def test_the_care_team_drafts_a_referral(world, api_for):
    response = api_for(world.advocate).post(_url("list"), _create_body(world))

    assert response.status_code == 201, response.data
    assert response.data["status"] == Status.DRAFT
    assert response.data["case"] == world.case.pk
    assert response.data["from_organization"] == world.lead.pk
    assert response.data["categories"] == ["plan"]


def test_a_referral_for_a_planned_service_takes_its_service_type(world, api_for):
    service = _service(world)
    body = _create_body(world, planned_service=service.pk)
    del body["service_type"]

    response = api_for(world.supervisor).post(_url("list"), body)

    assert response.status_code == 201, response.data
    assert response.data["planned_service"] == service.pk
    assert response.data["service_type"] == service.service_type_id


BAD_INPUT = {
    "categories": lambda world, body: body.update(categories=["plan", "diary"]),
    "service_type": lambda world, body: body.pop("service_type"),
    "to_organization": lambda world, body: body.update(to_organization=world.lead.pk),
    "planned_service": lambda world, body: body.update(
        planned_service=f.PlannedServiceFactory().pk
    ),
}


@pytest.mark.parametrize("field", sorted(BAD_INPUT))
def test_bad_input_is_a_field_error_and_writes_nothing(world, api_for, field):
    body = _create_body(world)
    BAD_INPUT[field](world, body)

    response = api_for(world.advocate).post(_url("list"), body)

    assert response.status_code == 400
    assert field in response.data
    assert not Referral.objects.exists()


def test_the_young_person_cannot_draft_a_referral(world, api_for):
    response = api_for(world.young_person).post(_url("list"), _create_body(world))

    assert response.status_code == 403
    assert not Referral.objects.exists()


@pytest.mark.parametrize("persona", ["other_advocate", "partner_staff", "org_admin"])
def test_staff_without_access_to_the_case_cannot_draft_for_it(world, api_for, persona):
    response = api_for(getattr(world, persona)).post(_url("list"), _create_body(world))

    assert response.status_code == 400
    assert "case" in response.data
    assert not Referral.objects.exists()


def test_drafts_are_invisible_to_the_receiving_organization(world, api_for):
    draft = _referral(world, Status.DRAFT)
    client = api_for(world.partner_staff)

    assert client.get(_url("detail", draft)).status_code == 404
    assert client.get(_url("list")).data["results"] == []
    assert client.post(_url("accept", draft)).status_code == 404


def test_sending_reaches_the_recipient_and_records_the_move(world, api_for):
    draft = _referral(world, Status.DRAFT)
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    response = api_for(world.advocate).post(_url("send", draft))

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.SENT
    assert response.data["sent_at"] is not None
    [move] = response.data["transitions"]
    assert (move["from_status"], move["to_status"]) == (Status.DRAFT, Status.SENT)
    assert move["actor"] == world.advocate.pk
    assert move["organization"] == world.lead.pk
    assert api_for(world.partner_staff).get(_url("detail", draft)).status_code == 200


def test_the_recipient_sees_the_referral_but_nothing_of_the_case(world, api_for):
    referral = _referral(world, planned_service=_service(world), categories=["identity"])

    response = api_for(world.partner_staff).get(_url("detail", referral))

    assert response.status_code == 200
    assert not CASE_FIELDS & set(response.data)
    assert response.data["from_organization_name"] == world.lead.name
    assert response.data["service_type_name"] == referral.service_type.name
    assert response.data["message"] == referral.message
    assert response.data["categories"] == ["identity"]
    assert world.case.person.alias not in str(response.content)


def test_the_recipient_cannot_find_the_case_id_by_filtering(world, api_for):
    _referral(world)

    response = api_for(world.partner_staff).get(_url("list"), {"case": world.case.pk})

    assert response.status_code == 200
    assert response.data["results"] == []


def test_the_sender_sees_the_case_of_the_referral(world, api_for):
    referral = _referral(world)

    response = api_for(world.advocate).get(_url("detail", referral))

    assert response.data["case"] == world.case.pk


@pytest.mark.parametrize("name", ["accept", "decline", "start-service", "complete"])
def test_the_sender_cannot_answer_its_own_referral(world, api_for, name):
    referral = _referral(world)

    response = api_for(world.advocate).post(_url(name, referral), {"reason": "no_capacity"})

    assert response.status_code == 403
    assert not ReferralTransition.objects.exists()


@pytest.mark.parametrize("name", ["send", "withdraw"])
def test_the_recipient_cannot_act_for_the_sender(world, api_for, name):
    referral = _referral(world)

    response = api_for(world.partner_staff).post(_url(name, referral))

    assert response.status_code == 403
    assert not ReferralTransition.objects.exists()


def test_the_recipient_cannot_change_what_was_sent(world, api_for):
    referral = _referral(world)

    response = api_for(world.partner_staff).patch(_url("detail", referral), {"message": "x"})

    assert response.status_code == 403


def test_the_young_person_sees_the_referral_but_cannot_send_it(world, api_for):
    draft = _referral(world, Status.DRAFT)
    client = api_for(world.young_person)

    assert client.get(_url("detail", draft)).status_code == 200
    assert client.post(_url("send", draft)).status_code == 403


def test_the_sender_changes_a_sent_referral(world, api_for):
    referral = _referral(world)

    response = api_for(world.advocate).patch(_url("detail", referral), {"message": "Call first"})

    assert response.status_code == 200, response.data
    assert response.data["message"] == "Call first"


def test_once_accepted_the_sender_can_no_longer_change_it(world, api_for):
    referral = _referral(world)
    api_for(world.partner_staff).post(_url("accept", referral))

    response = api_for(world.advocate).patch(_url("detail", referral), {"message": "Changed"})

    assert response.status_code == 400
    assert "status" in response.data
    referral.refresh_from_db()
    assert referral.message == "Needs housing support"


def test_the_recipient_cannot_accept_once_the_consent_is_revoked(world, api_for):
    referral = _referral(world)
    consent = world.case.consents.get(recipient=world.partner)
    revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)

    response = api_for(world.partner_staff).post(_url("accept", referral))

    assert response.status_code == 400
    assert "No consent in force" in response.data["consent"][0]
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_the_recipient_accepts(world, api_for):
    referral = _referral(world)

    response = api_for(world.partner_staff).post(_url("accept", referral))

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.ACCEPTED
    assert response.data["answered_at"] is not None
    assert response.data["transitions"][-1]["organization"] == world.partner.pk
    assert "case" not in response.data


def test_declining_for_another_reason_without_words_is_a_field_error(world, api_for):
    referral = _referral(world)

    response = api_for(world.partner_staff).post(
        _url("decline", referral), {"reason": "other", "reason_text": ""}
    )

    assert response.status_code == 400
    assert "reason_text" in response.data
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert not referral.transitions.exists()


def test_an_unknown_decline_reason_is_a_field_error(world, api_for):
    referral = _referral(world)

    response = api_for(world.partner_staff).post(_url("decline", referral), {"reason": "busy"})

    assert response.status_code == 400
    assert "reason" in response.data


def test_the_recipient_declines_with_a_coded_reason(world, api_for):
    referral = _referral(world)

    response = api_for(world.partner_staff).post(
        _url("decline", referral), {"reason": "not_eligible"}
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.DECLINED
    assert response.data["decline_reason"] == "not_eligible"


def test_the_recipient_delivers_and_completes_the_service(world, api_for):
    service = _service(world)
    referral = _referral(world, Status.DRAFT, planned_service=service)
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    assert api_for(world.advocate).post(_url("send", referral)).status_code == 200
    recipient = api_for(world.partner_staff)
    recipient.post(_url("accept", referral))
    recipient.post(_url("start-service", referral))

    response = recipient.post(_url("complete", referral), {"outcome_note": "Housed"})

    assert response.status_code == 200, response.data
    assert response.data["outcome_note"] == "Housed"
    assert [t["to_status"] for t in response.data["transitions"]] == [
        "sent",
        "accepted",
        "in_service",
        "completed",
    ]
    service.refresh_from_db()
    assert (service.status, service.provider) == (PlannedService.Status.COMPLETED, world.partner)


def test_completing_without_an_outcome_is_a_field_error(world, api_for):
    referral = _referral(world, Status.IN_SERVICE)

    response = api_for(world.partner_staff).post(_url("complete", referral), {})

    assert response.status_code == 400
    assert "outcome_note" in response.data
    referral.refresh_from_db()
    assert referral.status == Status.IN_SERVICE


def test_closing_without_service_needs_a_note(world, api_for):
    referral = _referral(world, Status.ACCEPTED)
    client = api_for(world.partner_staff)

    refused = client.post(_url("close-without-service", referral), {"note": ""})
    closed = client.post(_url("close-without-service", referral), {"note": "Could not reach"})

    assert refused.status_code == 400 and "note" in refused.data
    assert closed.status_code == 200, closed.data
    assert closed.data["status"] == Status.CLOSED_WITHOUT_SERVICE


def test_the_sender_withdraws_an_accepted_referral(world, api_for):
    referral = _referral(world, Status.ACCEPTED)

    response = api_for(world.supervisor).post(_url("withdraw", referral), {"note": "Found a bed"})

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.WITHDRAWN
    assert response.data["transitions"][-1]["note"] == "Found a bed"


def test_an_illegal_move_answers_400_with_the_allowed_moves(world, api_for):
    referral = _referral(world, Status.DECLINED)

    response = api_for(world.partner_staff).post(_url("start-service", referral))

    assert response.status_code == 400
    assert response.data["allowed"] == []


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "detail"),
        ("patch", "detail"),
        ("post", "send"),
        ("post", "withdraw"),
        ("post", "accept"),
        ("post", "decline"),
        ("post", "start-service"),
        ("post", "complete"),
        ("post", "close-without-service"),
    ],
)
def test_a_third_organization_gets_404_on_everything(world, api_for, outsider, method, name):
    referral = _referral(world)
    before = list(Referral.objects.values_list())

    response = getattr(api_for(outsider), method)(_url(name, referral), {"note": "x"})

    assert response.status_code == 404
    assert list(Referral.objects.values_list()) == before


def test_a_third_organization_lists_nothing(world, api_for, outsider):
    _referral(world)

    response = api_for(outsider).get(_url("list"))

    assert response.data["results"] == []


def test_the_list_filters_by_direction_status_and_recipient(world, api_for):
    outgoing = _referral(world)
    accepted = _referral(world, Status.ACCEPTED, to_organization=f.OrganizationFactory())
    incoming = f.ReferralFactory(case=f.CaseFactory(), to_organization=world.lead, sent=True)
    client = api_for(world.supervisor)

    def ids(**query) -> set[int]:
        return {row["id"] for row in client.get(_url("list"), query).data["results"]}

    assert ids() == {outgoing.pk, accepted.pk, incoming.pk}
    assert ids(direction="incoming") == {incoming.pk}
    assert ids(direction="outgoing") == {outgoing.pk, accepted.pk}
    assert ids(status="accepted") == {accepted.pk}
    assert ids(to_organization=world.partner.pk) == {outgoing.pk}
    assert ids(case=world.case.pk) == {outgoing.pk, accepted.pk}


def test_an_incoming_referral_in_a_mixed_list_shows_no_case(world, api_for):
    _referral(world)
    f.ReferralFactory(case=f.CaseFactory(), to_organization=world.lead, sent=True)

    rows = api_for(world.supervisor).get(_url("list")).data["results"]

    assert sorted("case" in row for row in rows) == [False, True]


@pytest.mark.parametrize("persona", ["supervisor", "partner_staff"])
def test_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries, persona):
    _referral(world)
    client = api_for(getattr(world, persona))
    with constant_queries(4):  # viewer (2), page, transitions
        first = client.get(_url("list"))
    assert len(first.data["results"]) == 1
    for _ in range(49):
        referral = _referral(world, Status.ACCEPTED)
        referral.transitions.create(
            from_status="sent", to_status="accepted", organization=world.partner, at=timezone.now()
        )

    with constant_queries(4):
        response = client.get(_url("list"))
    assert len(response.data["results"]) == 50
