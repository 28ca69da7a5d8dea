"""R24's page event: a list read writes one event naming every case it showed, with the
categories shown for each; the young person's log (R26), the supervisor's audit and the chain
check (R27) read it exactly as they read single events."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.categories import DataCategory
from cases.models import CareTeamMember
from consent.access_history import events_of_cases
from consent.access_log import EventDraft, flush, note_page_access, page_events, verify_chain
from consent.models import AccessEvent
from consent.policy import viewer_for
from providers.models import Membership
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _caseload(world: World, n: int, role: str = CareTeamMember.Role.PRIMARY) -> list[int]:
    """``n`` more cases of the lead with the world's advocate on their team."""
    cases = [f.CaseFactory(lead_organization=world.lead) for _ in range(n)]
    for case in cases:
        f.CareTeamMemberFactory(case=case, user=world.advocate, role=role)
    return [case.pk for case in cases]


def _list_events(response) -> list[AccessEvent]:
    return list(
        AccessEvent.objects.filter(request_id=response["X-Request-ID"], action="list").order_by(
            "id"
        )
    )


def test_r24_a_list_read_writes_one_event_naming_every_case_it_showed(world, api_for):
    _caseload(world, 4)

    response = api_for(world.advocate).get(reverse("case-list"))

    shown = [row["id"] for row in response.json()["results"]]
    assert len(shown) == 5
    (event,) = _list_events(response)
    assert event.case_id is None
    assert event.case_ids == shown  # in the page's order
    assert (event.user_id, event.organization_id, event.role) == (
        world.advocate.pk,
        world.lead.pk,
        Membership.Role.ADVOCATE,
    )
    assert (event.basis, event.purpose, event.outcome) == (
        "primary_advocate",
        "care_coordination",
        "allowed",
    )
    assert event.categories  # what the list showed of each case


def test_r24_cases_shown_on_different_bases_are_named_by_one_event_per_basis(world, api_for):
    primary = [world.case.pk, *_caseload(world, 2)]
    team = _caseload(world, 3, role=CareTeamMember.Role.SECONDARY)

    response = api_for(world.advocate).get(reverse("case-list"))

    named = {event.basis: set(event.case_ids) for event in _list_events(response)}
    assert named == {"primary_advocate": set(primary), "care_team": set(team)}


def test_r24_each_case_of_a_page_event_carries_exactly_the_categories_shown_for_it(world):
    others = _caseload(world, 2)
    viewer = viewer_for(world.advocate)

    note_page_access(
        viewer=viewer, case_ids=[world.case.pk, *others], categories=[DataCategory.CONTACT]
    )
    flush()

    (event,) = AccessEvent.objects.filter(action="list")
    assert event.categories == [DataCategory.CONTACT]
    assert sorted(event.case_ids) == sorted([world.case.pk, *others])


def test_r24_a_refusal_on_a_page_stays_an_event_of_its_own():
    allowed = [
        EventDraft(user_id=1, action="list", outcome="allowed", case_id=pk, basis="care_team")
        for pk in (1, 2)
    ]
    refused = EventDraft(user_id=1, action="list", outcome="denied", case_id=3)

    drafts = page_events([*allowed, refused])

    assert [(d.case_id, d.case_ids, d.outcome) for d in drafts] == [
        (None, (1, 2), "allowed"),
        (3, (), "denied"),
    ]


def test_r24_a_page_of_one_case_writes_a_single_event(world, api_for):
    response = api_for(world.advocate).get(reverse("case-list"))

    (event,) = _list_events(response)
    assert (event.case_id, event.case_ids) == (world.case.pk, [])


# --- R26: the young person reads it as an event about their case --------------------------


def test_r26_the_young_persons_log_shows_a_page_event_as_a_read_of_their_own_case(world, api_for):
    others = _caseload(world, 3)
    api_for(world.advocate).get(reverse("case-list"))

    entries = api_for(world.young_person).get(reverse("me-access-log")).json()["results"]

    listed = [entry for entry in entries if entry["action"] == "list"]
    assert [entry["case"] for entry in listed] == [world.case.pk]
    assert listed[0]["basis"] == "primary_advocate"
    # The other young people's cases the page showed are never named to this one.
    assert not set(others) & {entry["case"] for entry in entries}
    assert "case_ids" not in listed[0]


def test_r26_a_page_event_that_did_not_show_my_case_is_not_in_my_log(world, api_for):
    elsewhere = f.MembershipFactory(organization=world.lead, role="advocate").user
    for _ in range(2):
        f.CareTeamMemberFactory(case=f.CaseFactory(lead_organization=world.lead), user=elsewhere)
    api_for(elsewhere).get(reverse("case-list"))
    assert AccessEvent.objects.exclude(case_ids=[]).exists()

    entries = api_for(world.young_person).get(reverse("me-access-log")).json()["results"]

    assert [e for e in entries if e["action"] == "list"] == []


def test_r26_the_portal_export_and_the_selector_read_page_events_per_case(world, api_for):
    _caseload(world, 2)
    api_for(world.advocate).get(reverse("case-list"))

    mine = list(events_of_cases(case_ids=[world.case.pk]).filter(action="list"))

    assert len(mine) == 1 and world.case.pk in mine[0].case_ids


# --- the supervisor's audit ---------------------------------------------------------------


def test_r24_the_supervisors_audit_lists_a_page_event_for_each_case_it_named(world, api_for):
    others = _caseload(world, 2)
    api_for(world.advocate).get(reverse("case-list"))
    client = Client()
    client.force_login(world.supervisor)

    for case_id in (world.case.pk, *others):
        url = reverse("frontend:supervisor-access-audit-csv", kwargs={"case_id": case_id})
        rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode())))
        lists = [row for row in rows if row["action"] == "list"]
        assert len(lists) == 1, case_id
        assert lists[0]["basis"] == "primary_advocate"
        assert lists[0]["user_id"] == str(world.advocate.pk)


# --- R27: the chain covers the cases a page event names -----------------------------------


def test_r27_changing_the_cases_a_page_event_names_breaks_the_chain(world, api_for):
    _caseload(world, 2)
    api_for(world.advocate).get(reverse("case-list"))
    page = AccessEvent.objects.exclude(case_ids=[]).get()
    assert verify_chain() is None

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
        cursor.execute(
            'UPDATE "consent_accessevent" SET "case_ids" = %s WHERE "id" = %s',
            [f"[{page.case_ids[0]}]", page.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute('ALTER TABLE "consent_accessevent" ENABLE TRIGGER USER')

    broken = verify_chain()
    assert broken is not None and broken.sequence == page.sequence
