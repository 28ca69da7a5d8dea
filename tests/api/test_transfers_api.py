"""The transfers endpoints: offering a case to another organization, which accepts (and leads
it from then on) or declines; the sender may cancel while it waits."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.categories import DATA_CATEGORIES
from cases.models import CareTeamMember, Case, CaseTransfer
from consent.models import ConsentPurpose
from providers.models import Membership
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

Status = CaseTransfer.Status
TRANSFER = ConsentPurpose.TRANSFER


@pytest.fixture(autouse=True)
def transfer_consent(world):
    """The young person's consent to transferring their services to the partner (R41)."""
    return grant_consent(
        world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate, purpose=TRANSFER
    )


@pytest.fixture
def receiving_supervisor(world):
    return f.MembershipFactory(organization=world.partner, role=Membership.Role.SUPERVISOR).user


@pytest.fixture
def outsider(world):
    """A supervisor of a third organization, which neither leads nor receives the case."""
    return f.MembershipFactory(role=Membership.Role.SUPERVISOR).user


def _transfer(world, status: str = Status.REQUESTED) -> CaseTransfer:
    answered = {} if status == Status.REQUESTED else {"answered_at": timezone.now()}
    return f.CaseTransferFactory(
        case=world.case, to_organization=world.partner, status=status, **answered
    )


def _url(name: str, transfer: CaseTransfer | None = None) -> str:
    if transfer is None:
        return reverse(f"transfer-{name}")
    return reverse(f"transfer-{name}", kwargs={"pk": transfer.pk})


def _request_body(world, **fields) -> dict:
    return {"case": world.case.pk, "to_organization": world.partner.pk, "reason": "Moved", **fields}


@pytest.mark.parametrize("persona", ["advocate", "supervisor"])
def test_the_care_team_or_a_supervisor_requests_a_transfer(world, api_for, persona):
    response = api_for(getattr(world, persona)).post(_url("list"), _request_body(world))

    assert response.status_code == 201, response.data
    assert response.data["status"] == Status.REQUESTED
    assert response.data["case"] == world.case.pk
    assert response.data["requested_by"] == getattr(world, persona).pk
    assert response.data["requested_at"] is not None


def test_the_young_person_cannot_request_a_transfer(world, api_for):
    response = api_for(world.young_person).post(_url("list"), _request_body(world))

    assert response.status_code == 403
    assert not CaseTransfer.objects.exists()


@pytest.mark.parametrize("persona", ["other_advocate", "org_admin", "partner_staff"])
def test_staff_without_access_to_the_case_cannot_request_a_transfer(world, api_for, persona):
    response = api_for(getattr(world, persona)).post(_url("list"), _request_body(world))

    assert response.status_code == 400
    assert "case" in response.data
    assert not CaseTransfer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("reason", ""), ("to_organization", "lead"), ("to_organization", 0)]
)
def test_bad_input_is_a_field_error_and_writes_nothing(world, api_for, field, value):
    body = _request_body(world, **{field: world.lead.pk if value == "lead" else value})

    response = api_for(world.advocate).post(_url("list"), body)

    assert response.status_code == 400
    assert field in response.data
    assert not CaseTransfer.objects.exists()


def test_a_second_pending_transfer_is_a_field_error(world, api_for):
    _transfer(world)

    response = api_for(world.advocate).post(_url("list"), _request_body(world))

    assert response.status_code == 400
    assert "case" in response.data
    assert CaseTransfer.objects.count() == 1


def test_the_receiving_organization_sees_no_case_before_accepting(
    world, api_for, receiving_supervisor
):
    transfer = _transfer(world)

    detail = api_for(receiving_supervisor).get(_url("detail", transfer))
    rows = api_for(receiving_supervisor).get(_url("list")).data["results"]

    assert detail.status_code == 200
    assert "case" not in detail.data
    assert "reason" not in detail.data
    assert set(detail.data["offer"]) == {"age_band", "needs", "services", "area"}
    assert detail.data["from_organization_name"] == world.lead.name
    assert world.case.person.alias not in str(detail.content)
    assert [row["id"] for row in rows] == [transfer.pk]
    assert "case" not in rows[0]


def test_the_receiving_organization_cannot_find_the_case_id_by_filtering(
    world, api_for, receiving_supervisor
):
    _transfer(world)

    response = api_for(receiving_supervisor).get(_url("list"), {"case": world.case.pk})

    assert response.data["results"] == []


def test_receiving_advocates_do_not_see_offered_cases(world, api_for):
    transfer = _transfer(world)

    assert api_for(world.partner_staff).get(_url("detail", transfer)).status_code == 404


def test_accepting_hands_the_case_to_the_new_primary(world, api_for, receiving_supervisor):
    transfer = _transfer(world)
    new_primary = f.MembershipFactory(organization=world.partner).user
    old_advocate_client = api_for(world.advocate)
    case_url = reverse("case-detail", kwargs={"pk": world.case.pk})
    assert old_advocate_client.get(case_url).status_code == 200

    response = api_for(receiving_supervisor).post(
        _url("accept", transfer), {"primary_advocate": new_primary.pk}
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.ACCEPTED
    assert response.data["case"] == world.case.pk
    assert response.data["answered_by"] == receiving_supervisor.pk
    assert response.data["answered_at"] is not None
    assert old_advocate_client.get(case_url).status_code == 404
    assert api_for(world.supervisor).get(case_url).status_code == 404
    assert old_advocate_client.get(_url("detail", transfer)).status_code == 404
    assert api_for(new_primary).get(case_url).status_code == 200
    team = CareTeamMember.objects.filter(case=world.case, until__isnull=True)
    assert [(m.user, m.role) for m in team] == [(new_primary, "primary")]


def test_the_new_primary_must_be_an_advocate_of_the_receiving_organization(
    world, api_for, receiving_supervisor
):
    transfer = _transfer(world)

    response = api_for(receiving_supervisor).post(
        _url("accept", transfer), {"primary_advocate": world.other_advocate.pk}
    )

    assert response.status_code == 400
    assert "primary_advocate" in response.data
    transfer.refresh_from_db()
    assert transfer.status == Status.REQUESTED
    assert Case.objects.get(pk=world.case.pk).lead_organization == world.lead


def test_accepting_without_a_primary_advocate_is_a_field_error(
    world, api_for, receiving_supervisor
):
    transfer = _transfer(world)

    response = api_for(receiving_supervisor).post(_url("accept", transfer), {})

    assert response.status_code == 400
    assert "primary_advocate" in response.data


def test_a_person_already_open_at_the_receiving_organization_cannot_be_taken_over(
    world, api_for, receiving_supervisor
):
    f.CaseFactory(person=world.case.person, lead_organization=world.partner)
    transfer = _transfer(world)
    new_primary = f.MembershipFactory(organization=world.partner).user

    response = api_for(receiving_supervisor).post(
        _url("accept", transfer), {"primary_advocate": new_primary.pk}
    )

    assert response.status_code == 400
    assert "case" in response.data
    assert Case.objects.get(pk=world.case.pk).lead_organization == world.lead


@pytest.mark.parametrize("name", ["accept", "decline"])
def test_the_sending_side_cannot_answer_its_own_transfer(world, api_for, name):
    transfer = _transfer(world)

    response = api_for(world.supervisor).post(
        _url(name, transfer), {"primary_advocate": world.advocate.pk}
    )

    assert response.status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == Status.REQUESTED


def test_the_receiving_side_cannot_cancel(world, api_for, receiving_supervisor):
    transfer = _transfer(world)

    response = api_for(receiving_supervisor).post(_url("cancel", transfer))

    assert response.status_code == 403


def test_the_receiving_organization_declines_with_a_note(world, api_for, receiving_supervisor):
    transfer = _transfer(world)

    response = api_for(receiving_supervisor).post(_url("decline", transfer), {"note": "No room"})

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.DECLINED
    assert response.data["answer_note"] == "No room"
    assert response.data["answered_by"] == receiving_supervisor.pk
    assert "case" not in response.data


def test_the_sender_cancels_a_waiting_transfer(world, api_for):
    transfer = _transfer(world)

    response = api_for(world.advocate).post(_url("cancel", transfer))

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.CANCELLED
    assert response.data["answered_by"] == world.advocate.pk


@pytest.mark.parametrize("status", [Status.DECLINED, Status.CANCELLED])
def test_an_answered_transfer_cannot_be_cancelled(world, api_for, status):
    transfer = _transfer(world, status)

    response = api_for(world.advocate).post(_url("cancel", transfer))

    assert response.status_code == 400
    assert response.data["allowed"] == []


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "detail"), ("post", "accept"), ("post", "decline"), ("post", "cancel")],
)
def test_a_third_organization_gets_404_on_everything(world, api_for, outsider, method, name):
    transfer = _transfer(world)

    response = getattr(api_for(outsider), method)(_url(name, transfer), {"note": "x"})

    assert response.status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == Status.REQUESTED


def test_a_third_organization_lists_nothing(world, api_for, outsider):
    _transfer(world)

    assert api_for(outsider).get(_url("list")).data["results"] == []


@pytest.mark.parametrize("persona", ["supervisor", "receiving_supervisor"])
def test_list_query_count_does_not_grow_with_rows(
    world, api_for, constant_queries, receiving_supervisor, persona
):
    _transfer(world)
    viewer = receiving_supervisor if persona == "receiving_supervisor" else world.supervisor
    client = api_for(viewer)
    # viewer (2), page; the receiver also reads the offers (person, goals, services)
    budget = 6 if persona == "receiving_supervisor" else 3
    with constant_queries(budget):
        first = client.get(_url("list"))
    assert len(first.data["results"]) == 1
    for _ in range(49):
        case = f.CaseFactory(lead_organization=world.lead)
        f.CaseTransferFactory(case=case, to_organization=world.partner)

    with constant_queries(budget):
        response = client.get(_url("list"))
    assert len(response.data["results"]) == 50
