"""The access log: an event per access (R24), no personal data (R25), the young person's own
log (R26), append-only and hash-chained (R27).

Until the policy records accesses itself, requests here reach the log through the doors this
module wires: the pagination hook (a view declaring ``access_log_case_field``) and the API
exception handler (refusals).
"""

import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.cases import CaseViewSet
from cases.categories import DATA_CATEGORIES, DataCategory
from cases.models import SafeContactRule
from consent import access_log
from consent.access_log import (
    GENESIS_HASH,
    BrokenLink,
    EventDraft,
    begin_request,
    end_request,
    flush,
    note_case_access,
    note_denied,
    record_events,
    verify_chain,
)
from consent.middleware import AccessLogMiddleware
from consent.models import AccessEvent
from consent.policy import Action, access_case, viewer_for
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

TABLE = AccessEvent._meta.db_table  # "consent_accessevent", spelled out in the raw SQL below


@pytest.fixture
def case_list_is_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in for the lead's view declaration: the case list records the cases it shows."""
    monkeypatch.setattr(CaseViewSet, "access_log_case_field", "pk", raising=False)


def _draft(user_id: int | None = None, case_id: int | None = None, **extra) -> EventDraft:
    extra.setdefault("basis", "care_team")  # an allowed event always names its basis
    return EventDraft(user_id=user_id, action="view", outcome="allowed", case_id=case_id, **extra)


def _events(n: int) -> list[AccessEvent]:
    return record_events([_draft() for _ in range(n)])


def _access(viewer, case):
    """The viewer's access to a case, computed without recording it (the policy may record
    its own reads; these tests count only the events they note)."""
    return access_log.accesses_for_cases(viewer=viewer, case_ids=[case.pk])[case.pk]


# --- R24: one event per access -------------------------------------------------------------


def test_r24_a_care_team_read_records_user_organization_role_case_basis_purpose_and_time(world):
    viewer = viewer_for(world.advocate)
    access = _access(viewer, world.case)
    before = timezone.now()

    note_case_access(viewer, access, Action.VIEW, categories=[DataCategory.NOTES])

    event = AccessEvent.objects.get(outcome="allowed", case=world.case, user=world.advocate)
    assert event.organization_id == world.lead.pk
    assert event.role == "advocate"
    assert event.basis == "primary_advocate"
    assert event.categories == ["notes"]
    assert event.action == "view"
    assert event.purpose == "care_coordination"
    assert event.consent_id is None
    assert event.at >= before


def test_r24_a_partner_read_names_the_consent_relied_on_and_its_organization(world):
    consent = grant_consent(
        world.case, world.partner, [DataCategory.PLAN, DataCategory.FAMILY], by=world.advocate
    )
    viewer = viewer_for(world.partner_staff)

    note_case_access(viewer, _access(viewer, world.case), Action.VIEW)

    event = AccessEvent.objects.get(user=world.partner_staff)
    assert event.basis == f"consent:{consent.pk}"
    assert event.consent_id == consent.pk
    assert event.organization_id == world.partner.pk
    assert event.role == "advocate"
    assert event.categories == ["plan", "family"]
    assert event.purpose == consent.purpose


def test_r24_supervisor_and_young_person_bases_are_named(world):
    for user in (world.supervisor, world.young_person):
        viewer = viewer_for(user)
        note_case_access(viewer, _access(viewer, world.case), Action.VIEW)

    supervisor = AccessEvent.objects.get(user=world.supervisor)
    young_person = AccessEvent.objects.get(user=world.young_person)
    assert (supervisor.basis, supervisor.role, supervisor.organization_id) == (
        "supervisor",
        "supervisor",
        world.lead.pk,
    )
    assert (young_person.basis, young_person.role, young_person.organization_id) == (
        "young_person",
        "young_person",
        None,
    )
    assert young_person.categories == list(DATA_CATEGORIES)


def test_r24_list_pages_find_the_same_bases_as_the_policy(world):
    consent = grant_consent(world.case, world.partner, [DataCategory.PLAN], by=world.advocate)
    for user in (world.advocate, world.supervisor, world.young_person, world.partner_staff):
        viewer = viewer_for(user)
        by_policy = access_case(viewer=viewer, case_id=world.case.pk)

        by_page = _access(viewer, world.case)

        assert (by_page.bases, by_page.grants) == (by_policy.bases, by_policy.grants)
    assert by_page.grants[0].consent_id == consent.pk
    assert (
        access_log.accesses_for_cases(
            viewer=viewer_for(world.other_advocate), case_ids=[world.case.pk]
        )
        == {}
    )


def test_r24_a_denied_attempt_records_the_case_and_no_basis(world):
    note_denied(viewer_for(world.partner_staff), world.case.pk, Action.EDIT)

    event = AccessEvent.objects.get()
    assert (event.outcome, event.case_id, event.action, event.basis) == (
        "denied",
        world.case.pk,
        "edit",
        "",
    )
    assert (event.organization_id, event.role) == (world.partner.pk, "advocate")


def test_r24_a_refused_request_is_recorded_with_its_request_id(world, api_for):
    url = reverse("case-detail", kwargs={"pk": world.case.pk})

    response = api_for(world.other_advocate).get(url)

    assert response.status_code == 404
    event = AccessEvent.objects.get(user=world.other_advocate, outcome="denied")
    assert event.action == "view"
    assert event.request_id == response["X-Request-ID"]


def test_r24_a_refused_request_names_its_case_when_the_view_serves_cases(
    world, api_for, case_list_is_logged
):
    url = reverse("case-close", kwargs={"pk": world.case.pk})

    response = api_for(world.young_person).post(url, {"reason": "goals_met"}, format="json")

    assert response.status_code == 403
    event = AccessEvent.objects.get(user=world.young_person, outcome="denied")
    assert (event.case_id, event.action, event.role) == (world.case.pk, "close", "young_person")


def test_r24_a_denied_attempt_survives_the_views_rollback(world):
    viewer = viewer_for(world.other_advocate)

    def view(request):
        with transaction.atomic():
            world.case.status = "active"
            world.case.save(update_fields=["status"])
            note_denied(viewer, world.case.pk, Action.CLOSE)
            raise RuntimeError("the view failed after the refusal")

    with pytest.raises(RuntimeError):
        AccessLogMiddleware(view)(RequestFactory().get("/"))

    world.case.refresh_from_db()
    assert world.case.status == "open"
    assert AccessEvent.objects.filter(outcome="denied", case=world.case).count() == 1


def test_r24_events_of_a_request_are_written_after_it_and_only_once(world):
    viewer = viewer_for(world.advocate)
    access = _access(viewer, world.case)
    token = begin_request("req-1")
    try:
        note_case_access(viewer, access, Action.VIEW)
        note_case_access(viewer, access, Action.VIEW)  # the same read, noted twice
        note_case_access(viewer, access, Action.EDIT)
        assert not AccessEvent.objects.exists()
        flush()
    finally:
        end_request(token)

    assert list(AccessEvent.objects.values_list("action", "request_id")) == [
        ("view", "req-1"),
        ("edit", "req-1"),
    ]


def test_r24_outside_a_request_an_event_is_written_at_once(world):
    note_denied(viewer_for(world.other_advocate), world.case.pk, Action.VIEW)

    assert AccessEvent.objects.get().request_id == ""


def test_r24_every_response_carries_a_request_id(world, api_for):
    first = api_for(world.advocate).get(reverse("case-list"))
    second = api_for(world.advocate).get(reverse("case-list"))

    assert len(first["X-Request-ID"]) == 36
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_r24_a_list_page_records_one_event_per_case(world, api_for, case_list_is_logged):
    response = api_for(world.advocate).get(reverse("case-list"))

    assert response.status_code == 200
    events = AccessEvent.objects.filter(request_id=response["X-Request-ID"])
    assert list(events.values_list("case_id", "action", "basis")) == [
        (world.case.pk, "list", "primary_advocate")
    ]


def _advocate_with_cases(world, n: int):
    advocate = f.MembershipFactory(organization=world.lead, role="advocate").user
    for _ in range(n):
        f.CareTeamMemberFactory(case=f.CaseFactory(lead_organization=world.lead), user=advocate)
    return advocate


def _list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("case-list"))
    assert response.status_code == 200
    inserts = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{TABLE}"')]
    return len(queries), len(inserts)


def test_r24_a_list_page_costs_one_bulk_insert_whatever_its_size(
    world, api_for, case_list_is_logged
):
    one = _list_queries(api_for(_advocate_with_cases(world, 1)))
    fifty = _list_queries(api_for(_advocate_with_cases(world, 50)))

    assert one == fifty
    assert one[1] == 1
    # The page of one wrote a single event; the page of fifty, R24's page event naming them all.
    single, page = AccessEvent.objects.filter(action="list").order_by("id")
    assert single.case_id is not None and single.case_ids == []
    assert page.case_id is None and len(page.case_ids) == 50


# --- R25: no personal data -----------------------------------------------------------------

SEEDED = {
    "alias": "Zephyrine Qx7",
    "legal_name": "Marisol Quintanilla-Vexwood",
    "chosen_name": "Quillon",
    "phone": "+1 555 0199 4471",
    "email": "zephyrine.qx7@example.net",
    "address": "4471 Obscurity Lane",
}


def test_r25_seeded_personal_data_is_in_no_event_log_line_or_error_body(
    world, api_for, caplog, case_list_is_logged
):
    person = world.case.person
    person.alias, person.legal_name = SEEDED["alias"], SEEDED["legal_name"]
    person.chosen_name = SEEDED["chosen_name"]
    person.save()
    SafeContactRule.objects.filter(person=person).update(
        phone=SEEDED["phone"], email=SEEDED["email"], address=SEEDED["address"]
    )
    world.young_person.email = SEEDED["email"]
    world.young_person.save()
    grant_consent(world.case, world.partner, [DataCategory.IDENTITY], by=world.advocate)
    caplog.set_level(logging.DEBUG)
    case_url = reverse("case-detail", kwargs={"pk": world.case.pk})
    person_url = reverse("person-detail", kwargs={"pk": person.pk})
    close_url = reverse("case-close", kwargs={"pk": world.case.pk})

    reads = [
        api_for(world.advocate).get(reverse("case-list")),
        api_for(world.advocate).get(case_url),
        api_for(world.partner_staff).get(reverse("case-list")),
        api_for(world.partner_staff).get(person_url),
    ]
    failures = [
        api_for(world.other_advocate).get(case_url),
        api_for(world.other_advocate).get(person_url),
        api_for(world.young_person).post(close_url, {"reason": "goals_met"}, format="json"),
        api_for(world.advocate).post(close_url, {"reason": "bogus"}, format="json"),
        api_for(world.advocate).patch(person_url, {"birth_date": "someday"}, format="json"),
        api_for(world.advocate).post(
            reverse("case-list"),
            {"lead_organization": 0, "person": {"alias": SEEDED["alias"]}},
            format="json",
        ),
    ]

    assert {r.status_code for r in reads} == {200}
    assert SEEDED["alias"] in reads[1].content.decode()  # the test can see the data it seeded
    assert sorted(r.status_code for r in failures) == [400, 400, 400, 403, 404, 404]
    events = [repr(row) for row in AccessEvent.objects.values_list()]
    assert len(events) >= 5  # two lists, three refusals (reads join once the policy logs)
    for value in SEEDED.values():
        assert not any(value in row for row in events), value
        assert value not in caplog.text, value
        for response in failures:
            assert value not in response.content.decode(), (value, response.status_code)


def test_r25_an_access_event_has_no_field_for_personal_data():
    names = {field.name for field in AccessEvent._meta.get_fields()}

    assert names == {
        "id",
        "at",
        "user",
        "organization",
        "role",
        "case",
        "case_ids",
        "categories",
        "action",
        "basis",
        "consent",
        "purpose",
        "outcome",
        "request_id",
        "lane",
        "sequence",
        "prev_hash",
        "key_id",
        "hash",
    }


# --- R26: the young person's own log -------------------------------------------------------


def _my_log(client, **params) -> list[dict]:
    rows, url = [], reverse("me-access-log")
    while url:
        response = client.get(url, params)
        assert response.status_code == 200
        rows += response.data["results"]
        url, params = response.data["next"], {}
    return rows


def test_r26_the_young_person_lists_every_disclosure_and_access_for_three_years_and_more(
    world, api_for
):
    consent = grant_consent(world.case, world.partner, [DataCategory.PLAN], by=world.advocate)
    partner = viewer_for(world.partner_staff)
    long_ago = timezone.now() - timedelta(days=3 * 365 + 30)
    record_events(
        [
            _draft(
                world.advocate.pk,
                world.case.pk,
                at=long_ago,
                organization_id=world.lead.pk,
                role="advocate",
                basis="care_team",
            )
        ]
    )
    note_case_access(partner, _access(partner, world.case), Action.VIEW)
    note_denied(viewer_for(world.other_advocate), world.case.pk, Action.VIEW)

    rows = _my_log(api_for(world.young_person), page_size=1)

    assert [row["outcome"] for row in rows] == ["denied", "allowed", "allowed"]
    disclosure = rows[1]
    assert disclosure["organization"] == "Partner Housing"
    assert disclosure["role"] == "advocate"
    assert disclosure["consent"] == consent.pk
    assert disclosure["basis"] == f"consent:{consent.pk}"
    assert disclosure["categories"] == ["plan"]
    assert disclosure["case"] == world.case.pk
    assert disclosure["staff_name"] is None  # the partner has not chosen to name its staff
    assert rows[2]["organization"] == "Lead Community Org"
    assert rows[2]["at"].startswith(
        long_ago.astimezone(timezone.get_current_timezone()).date().isoformat()
    )


def test_r26_staff_are_named_only_where_their_organization_chose_it(world, api_for):
    world.advocate.full_name = "Ada Visible"
    world.advocate.save()
    world.partner_staff.full_name = "Pat Unnamed"
    world.partner_staff.save()
    grant_consent(world.case, world.partner, [DataCategory.PLAN], by=world.advocate)
    assert (
        api_for(world.org_admin)
        .patch(
            reverse("organization-detail", kwargs={"pk": world.lead.pk}),
            {"names_staff_to_young_people": True},
            format="json",
        )
        .status_code
        == 200
    )
    api_for(world.advocate).get(reverse("case-detail", kwargs={"pk": world.case.pk}))
    api_for(world.partner_staff).get(reverse("case-detail", kwargs={"pk": world.case.pk}))

    names = {
        (row["organization"], row["staff_name"]) for row in _my_log(api_for(world.young_person))
    }

    assert ("Lead Community Org", "Ada Visible") in names
    assert ("Partner Housing", None) in names
    assert "Pat Unnamed" not in str(names)


@pytest.mark.parametrize("persona", ["advocate", "supervisor", "partner_staff", "superuser"])
def test_only_an_organizations_admin_chooses_whether_staff_are_named(world, api_for, persona):
    response = api_for(getattr(world, persona)).patch(
        reverse("organization-detail", kwargs={"pk": world.lead.pk}),
        {"names_staff_to_young_people": True},
        format="json",
    )

    assert response.status_code == 403
    world.lead.refresh_from_db()
    assert world.lead.names_staff_to_young_people is False


def test_r26_nobody_else_reads_a_young_persons_access_log(world, api_for):
    record_events([_draft(world.advocate.pk, world.case.pk)])

    for user in (world.other_young_person, world.advocate, world.supervisor, world.superuser):
        assert _my_log(api_for(user)) == []


# --- R27: append-only, hash-chained --------------------------------------------------------


def test_r27_the_chain_links_each_event_to_the_one_before():
    first, second = _events(2)
    (third,) = _events(1)

    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert verify_chain() is None


def test_r27_the_orm_refuses_to_change_or_remove_an_event():
    (event,) = _events(1)
    event.role = "changed"

    for attempt in (
        event.save,
        event.delete,
        lambda: AccessEvent.objects.update(role="x"),
        lambda: AccessEvent.objects.filter(pk=event.pk).delete(),
        lambda: AccessEvent.objects.bulk_update([event], ["role"]),
    ):
        with pytest.raises(TypeError, match="append-only"):
            attempt()


def _tamper(sql: str, params: list) -> None:
    """Change rows behind the ORM's back, as someone with database access could. PostgreSQL's
    trigger refuses it first; only the table owner disabling the trigger gets through."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql, params)
            cursor.execute('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER')
        cursor.execute(sql, params)


def test_r27_editing_a_row_is_detected():
    _events(4)

    _tamper('UPDATE "consent_accessevent" SET "role" = %s WHERE "sequence" = %s', ["advocate", 2])

    assert verify_chain() == BrokenLink(2, "hash does not match the event's contents")


def test_r27_editing_a_row_and_its_hash_is_detected_by_the_next_row():
    events = _events(4)
    second = AccessEvent.objects.get(sequence=2)
    second.role = "advocate"
    forged = access_log.event_hash(second)

    _tamper(
        'UPDATE "consent_accessevent" SET "role" = %s, "hash" = %s WHERE "sequence" = %s',
        ["advocate", forged, 2],
    )

    assert forged != events[1].hash
    assert verify_chain() == BrokenLink(3, "prev_hash does not match the previous event")


def test_r27_deleting_a_row_is_detected():
    _events(4)

    _tamper('DELETE FROM "consent_accessevent" WHERE "sequence" = %s', [3])

    broken = verify_chain()
    assert broken is not None
    assert broken.sequence == 3
    assert broken.reason.startswith("gap in sequence")


@pytest.mark.postgres
def test_r27_postgresql_refuses_update_and_delete_of_an_event():
    _events(2)

    with connection.cursor() as cursor:
        for sql in (
            'UPDATE "consent_accessevent" SET "role" = \'x\'',
            'DELETE FROM "consent_accessevent"',
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql)

    assert AccessEvent.objects.count() == 2
    assert verify_chain() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_r27_concurrent_requests_fork_no_lane_of_the_chain():
    """Eight sessions append at once, as eight web processes would: every event is chained
    once, in some lane, and every lane verifies. (A lane's head read in the statement that
    took its lock forked lanes here: that statement's snapshot predates the lock.)"""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def append() -> None:
        try:
            start.wait()
            for _ in range(15):
                record_events([_draft() for _ in range(10)])
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AccessEvent.objects.count() == 8 * 15 * 10
    assert verify_chain() is None


def test_verify_access_log_command_reports_an_intact_chain(capsys, settings, tmp_path):
    settings.HARBOR_ACCESS_LOG_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    _events(3)

    call_command("verify_access_log")

    assert capsys.readouterr().out.splitlines()[0] == "access log intact: 3 events"


def test_verify_access_log_command_fails_at_the_first_broken_link():
    _events(3)
    _tamper('UPDATE "consent_accessevent" SET "action" = %s WHERE "sequence" = %s', ["edit", 2])

    with pytest.raises(CommandError, match="broken at event 2"):
        call_command("verify_access_log")
