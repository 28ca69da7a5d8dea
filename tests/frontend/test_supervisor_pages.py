"""The supervisor's continuity pages: numbers, the lists behind them, and reassigning work."""

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import CareTeamMember, Case, PlannedService
from consent.models import AccessEvent
from providers.models import Membership
from tasks.models import ContinuityRules, FollowUp
from tests import factories as f
from tests.access_events import cases_named
from tests.conftest import World

pytestmark = pytest.mark.django_db

DASHBOARD = "frontend:supervisor-dashboard"


@dataclass
class Filled:
    overdue: list[FollowUp]
    cases: list[Case]


def _follow_up(world: World, case: Case, *, due_in: timedelta, **extra: object) -> FollowUp:
    return FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.OTHER,
        organization=case.lead_organization,
        assignee=world.advocate,
        due_at=timezone.now() + due_in,
        description="Call back",
        **extra,
    )


def _fill(world: World, copies: int, *, at: object = None) -> Filled:
    """Per copy, a case of the lead (primary: the world's advocate) with one overdue and one
    future follow-up, referrals sent 1, 5 and 10 days ago, two lapsed services (one marked,
    one past twice its contact period) and a fresh one, a consent expiring in 10 days and one
    in 60. The same at another organization, which must not count."""
    now = timezone.now()
    overdue, cases = [], []
    for organization in (world.lead, at or world.partner):
        for _ in range(copies):
            case = f.CaseFactory(lead_organization=organization)
            f.CareTeamMemberFactory(case=case, user=world.advocate)
            late = _follow_up(world, case, due_in=-timedelta(days=2))
            _follow_up(world, case, due_in=timedelta(days=2))
            for days in (1, 5, 10):
                f.ReferralFactory(
                    case=case,
                    to_organization=f.OrganizationFactory(),
                    sent=True,
                    sent_at=now - timedelta(days=days),
                )
            goal = f.GoalFactory(plan=case.plan)
            f.PlannedServiceFactory(goal=goal, status=PlannedService.Status.LAPSED)
            for silent_days in (30, 20):
                f.PlannedServiceFactory(
                    goal=goal,
                    status=PlannedService.Status.ACTIVE,
                    expected_contact_days=14,
                    last_contact_at=now - timedelta(days=silent_days),
                )
            for expires_in in (10, 60):
                f.ConsentFactory(
                    case=case,
                    recipient=world.partner if organization == world.lead else world.lead,
                    starts_at=now - timedelta(days=30),
                    expires_at=now + timedelta(days=expires_in),
                )
            if organization == world.lead:
                overdue.append(late)
                cases.append(case)
    return Filled(overdue=overdue, cases=cases)


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _list(kind: str, world: World, **params: object) -> str:
    query = "".join(f"&{name}={value}" for name, value in params.items())
    url = reverse("frontend:supervisor-list", kwargs={"kind": kind})
    return f"{url}?organization={world.lead.pk}{query}"


def _tiles(body: str) -> dict[str, int]:
    """Each tile's link and number."""
    found = re.findall(r'<a href="([^"]+)"><span class="number">(\d+)</span>', body)
    return {html.unescape(url): int(number) for url, number in found}


def _case_ids(body: str) -> set[int]:
    return {int(n) for n in re.findall(r"Case (\d+)", body)}


def test_each_tile_counts_only_the_supervised_organizations_work(world: World) -> None:
    _fill(world, 2)

    body = _client(world.supervisor).get(reverse(DASHBOARD)).content.decode()

    assert _tiles(body) == {
        _list("overdue", world): 2,
        _list("referrals", world, age="under-3"): 2,
        _list("referrals", world, age="3-to-7"): 2,
        _list("referrals", world, age="over-7"): 2,
        _list("lapsed", world): 4,
        _list("expiring", world): 2,
        _list("caseload", world): 0,
    }


def test_the_caseload_table_puts_an_advocate_over_the_limit_in_words(world: World) -> None:
    _fill(world, 2)  # the world's case and two more: three open cases for the advocate
    ContinuityRules.objects.create(organization=world.lead, caseload_limit=2)

    response = _client(world.supervisor).get(reverse(DASHBOARD))
    body = response.content.decode()

    assert _tiles(body)[_list("caseload", world)] == 1
    row = re.search(rf"{world.advocate.full_name}</th>(.*?)</tr>", body, re.S).group(1)
    assert "3 open cases" in row and "Over the limit" in row
    other = re.search(rf"{world.other_advocate.full_name}</th>(.*?)</tr>", body, re.S).group(1)
    assert "0 open cases" in other and "Within the limit" in other


def test_the_caseload_limit_is_25_until_the_organization_sets_its_own(world: World) -> None:
    body = _client(world.supervisor).get(reverse(DASHBOARD)).content.decode()

    assert "The limit is 25 open cases" in body


def test_the_overdue_number_leads_to_the_overdue_follow_ups(world: World) -> None:
    filled = _fill(world, 2)

    body = _client(world.supervisor).get(_list("overdue", world)).content.decode()

    assert _case_ids(body) == {case.pk for case in filled.cases}
    for follow_up in filled.overdue:
        assert (
            reverse("frontend:supervisor-reassign-follow-up", kwargs={"follow_up_id": follow_up.pk})
            in body
        )


@pytest.mark.parametrize(("age", "count"), [("under-3", 1), ("3-to-7", 1), ("over-7", 1), ("", 3)])
def test_the_referral_numbers_lead_to_referrals_of_that_age(
    world: World, age: str, count: int
) -> None:
    _fill(world, 1)

    body = _client(world.supervisor).get(_list("referrals", world, age=age)).content.decode()

    assert body.count('data-label="Sent to"') == count


def test_the_lapsed_list_shows_marked_and_silent_services_not_fresh_ones(world: World) -> None:
    _fill(world, 1)

    body = _client(world.supervisor).get(_list("lapsed", world)).content.decode()

    assert body.count('data-label="Service"') == 2
    assert "No contact, about to lapse" in body and ">Lapsed<" in body


def test_the_expiring_list_shows_consents_ending_within_30_days(world: World) -> None:
    filled = _fill(world, 1)

    body = _client(world.supervisor).get(_list("expiring", world)).content.decode()

    assert body.count('data-label="Shared with"') == 1
    assert _case_ids(body) == {filled.cases[0].pk}


def test_the_caseload_list_of_one_advocate_shows_their_open_cases(world: World) -> None:
    filled = _fill(world, 2)
    url = _list("caseload", world, advocate=world.advocate.pk)

    body = _client(world.supervisor).get(url).content.decode()

    assert _case_ids(body) == {world.case.pk} | {case.pk for case in filled.cases}


def test_a_list_page_records_an_access_event_naming_each_case_shown(world: World) -> None:
    filled = _fill(world, 2)

    _client(world.supervisor).get(_list("overdue", world))

    seen = cases_named(AccessEvent.objects.filter(user=world.supervisor))
    assert seen == {case.pk for case in filled.cases}


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse(DASHBOARD),
        lambda w: _list("overdue", w),
        lambda w: _list("referrals", w),
        lambda w: _list("lapsed", w),
        lambda w: _list("expiring", w),
        lambda w: _list("caseload", w),
        lambda w: _list("caseload", w, advocate=w.advocate.pk),
    ],
)
def test_dashboard_and_lists_cost_the_same_queries_at_two_sizes(
    world: World, constant_queries: object, url: object
) -> None:
    client = _client(world.supervisor)
    client.get(url(world))  # warm the session and the permission-id cache
    _fill(world, 1)
    with constant_queries(25):
        assert client.get(url(world)).status_code == 200
    _fill(world, 4)
    f.MembershipFactory(organization=world.lead, role=Membership.Role.ADVOCATE)
    with constant_queries(25):
        assert client.get(url(world)).status_code == 200


@pytest.mark.parametrize("persona", ["advocate", "intake", "org_admin", "partner_staff"])
def test_people_who_do_not_supervise_get_404(world: World, persona: str) -> None:
    _fill(world, 1)
    client = _client(getattr(world, persona))

    assert client.get(reverse(DASHBOARD)).status_code == 404
    assert client.get(_list("overdue", world)).status_code == 404


def test_a_supervisor_elsewhere_cannot_name_this_organization(world: World) -> None:
    elsewhere = f.MembershipFactory(organization=world.partner, role=Membership.Role.SUPERVISOR)
    client = _client(elsewhere.user)

    assert client.get(f"{reverse(DASHBOARD)}?organization={world.lead.pk}").status_code == 404
    assert client.get(_list("overdue", world)).status_code == 404
    assert client.get(reverse(DASHBOARD)).status_code == 200


def test_a_supervisor_of_two_organizations_chooses_which_one(world: World) -> None:
    f.MembershipFactory(
        organization=world.partner, user=world.supervisor, role=Membership.Role.SUPERVISOR
    )
    _fill(world, 1)

    lead = _client(world.supervisor).get(f"{reverse(DASHBOARD)}?organization={world.lead.pk}")
    partner = _client(world.supervisor).get(f"{reverse(DASHBOARD)}?organization={world.partner.pk}")

    assert _tiles(lead.content.decode())[_list("overdue", world)] == 1
    assert '<select name="organization"' in lead.content.decode()
    partner_overdue = _list("overdue", world).replace(
        f"organization={world.lead.pk}", f"organization={world.partner.pk}"
    )
    assert _tiles(partner.content.decode())[partner_overdue] == 1


def test_an_unknown_list_or_age_is_404(world: World) -> None:
    client = _client(world.supervisor)

    assert client.get(_list("gossip", world)).status_code == 404
    assert client.get(_list("referrals", world, age="ancient")).status_code == 404
    assert client.get(f"{reverse(DASHBOARD)}?organization=x").status_code == 404


# --- reassigning ------------------------------------------------------------------------------


def _reassign_url(follow_up: FollowUp) -> str:
    return reverse("frontend:supervisor-reassign-follow-up", kwargs={"follow_up_id": follow_up.pk})


def test_the_supervisor_reassigns_an_overdue_follow_up(world: World) -> None:
    follow_up = _fill(world, 1).overdue[0]
    client = _client(world.supervisor)

    response = client.post(_reassign_url(follow_up), {"assignee": world.other_advocate.pk})

    assert response.status_code == 302
    assert response["Location"] == _list("overdue", world)
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.other_advocate
    assert "The follow-up was reassigned." in client.get(response["Location"]).content.decode()


def test_reassigning_to_someone_outside_the_organization_is_a_form_error(world: World) -> None:
    follow_up = _fill(world, 1).overdue[0]

    response = _client(world.supervisor).post(
        _reassign_url(follow_up), {"assignee": world.partner_staff.pk}
    )

    assert response.status_code == 400
    assert "Choose an active advocate of this organization." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.advocate


def test_reassigning_a_closed_follow_up_is_a_form_error_and_changes_nothing(world: World) -> None:
    follow_up = _fill(world, 1).overdue[0]
    FollowUp.objects.filter(pk=follow_up.pk).update(
        status=FollowUp.Status.DONE, completed_at=timezone.now()
    )

    response = _client(world.supervisor).post(
        _reassign_url(follow_up), {"assignee": world.other_advocate.pk}
    )

    assert response.status_code == 400
    assert "Only an open follow-up can be reassigned." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.advocate


def test_the_reassign_form_offers_only_the_organizations_active_advocates(world: World) -> None:
    follow_up = _fill(world, 1).overdue[0]
    gone = f.MembershipFactory(
        organization=world.lead, role=Membership.Role.ADVOCATE, is_active=False
    ).user

    body = _client(world.supervisor).get(_reassign_url(follow_up)).content.decode()

    assert f'value="{world.other_advocate.pk}"' in body
    for outsider in (world.partner_staff, world.intake, gone):
        assert f'value="{outsider.pk}"' not in body


def test_the_assignee_advocate_cannot_use_the_supervisors_reassign_page(world: World) -> None:
    follow_up = _fill(world, 1).overdue[0]

    response = _client(world.advocate).post(
        _reassign_url(follow_up), {"assignee": world.other_advocate.pk}
    )

    assert response.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.assignee == world.advocate


def _primary_url(case: Case) -> str:
    return reverse("frontend:supervisor-primary-advocate", kwargs={"case_id": case.pk})


def _primary(case: Case) -> object:
    return CareTeamMember.objects.get(case=case, role="primary", until__isnull=True).user


def test_the_supervisor_hands_a_case_to_another_primary_advocate(world: World) -> None:
    response = _client(world.supervisor).post(
        _primary_url(world.case), {"advocate": world.other_advocate.pk}
    )

    assert response.status_code == 302
    assert _primary(world.case) == world.other_advocate


def test_a_new_primary_from_another_organization_is_a_form_error(world: World) -> None:
    response = _client(world.supervisor).post(
        _primary_url(world.case), {"advocate": world.partner_staff.pk}
    )

    assert response.status_code == 400
    assert "Choose an active advocate of this organization." in response.content.decode()
    assert _primary(world.case) == world.advocate


def test_naming_the_current_primary_again_is_a_form_error(world: World) -> None:
    response = _client(world.supervisor).post(
        _primary_url(world.case), {"advocate": world.advocate.pk}
    )

    assert response.status_code == 400
    assert "Already on this case" in response.content.decode()
    assert CareTeamMember.objects.filter(case=world.case).count() == 1


def test_the_primary_advocate_page_is_404_for_the_cases_own_advocate(world: World) -> None:
    response = _client(world.advocate).post(
        _primary_url(world.case), {"advocate": world.other_advocate.pk}
    )

    assert response.status_code == 404
    assert _primary(world.case) == world.advocate
