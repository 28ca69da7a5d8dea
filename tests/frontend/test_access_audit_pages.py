"""The supervisor's access audit of a case (R24, R26 amended): every access event of the case,
filterable, as a page and a CSV, for supervisors of the lead organization only; reading it is
logged too."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.categories import DataCategory
from consent.access_log import EventDraft, record_events
from consent.models import AccessEvent, AccessOutcome
from consent.policy import access_case, viewer_for
from providers.models import Membership
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audit_url(world: World, csv_file: bool = False, case_id: int | None = None) -> str:
    name = "supervisor-access-audit-csv" if csv_file else "supervisor-access-audit"
    return reverse(f"frontend:{name}", kwargs={"case_id": case_id or world.case.pk})


def partner_read(world: World) -> AccessEvent:
    """The partner's staff read the case under a consent covering the plan."""
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    access_case(viewer=viewer_for(world.partner_staff), case_id=world.case.pk)
    return AccessEvent.objects.filter(user=world.partner_staff).latest("sequence")


def refused_attempt(world: World, user: User) -> None:
    record_events(
        [
            EventDraft(
                user_id=user.pk,
                action="view",
                outcome=AccessOutcome.DENIED,
                case_id=world.case.pk,
                organization_id=world.partner.pk,
                role="advocate",
            )
        ]
    )


def read_at(world: World, when: object) -> None:
    record_events(
        [
            EventDraft(
                user_id=world.advocate.pk,
                action="view",
                outcome=AccessOutcome.ALLOWED,
                case_id=world.case.pk,
                organization_id=world.lead.pk,
                role="advocate",
                categories=("plan",),
                basis="care_team",
                at=when,
            )
        ]
    )


def rows_of(response) -> list:
    return [row["event"] for row in response.context["rows"]]


def test_r26_the_supervisor_sees_who_where_role_when_categories_basis_and_outcome(
    world: World,
) -> None:
    event = partner_read(world)
    refused_attempt(world, world.partner_staff)
    response = signed_in(world.supervisor).get(audit_url(world))
    assert response.status_code == 200
    body = response.content.decode()
    shown = rows_of(response)
    assert event in shown
    row = next(row for row in response.context["rows"] if row["event"] == event)
    assert row["who"] == (world.partner_staff.full_name or world.partner_staff.email)
    assert row["organization"] == world.partner.name
    assert row["role"] == "Advocate"
    assert row["categories"] == [DataCategory.PLAN.label]
    assert row["basis"] == f"consent {event.consent_id}"
    assert world.partner.name in body
    assert "Denied" in body
    assert any(row["denied"] for row in response.context["rows"])


def test_r26_the_audit_lists_every_event_of_the_case_and_none_of_another(world: World) -> None:
    partner_read(world)
    other_case = f.CaseFactory(lead_organization=world.lead)
    access_case(viewer=viewer_for(world.supervisor), case_id=other_case.pk)
    response = signed_in(world.supervisor).get(audit_url(world))
    shown = {event.pk for event in rows_of(response)}
    of_case = set(AccessEvent.objects.filter(case=world.case).values_list("pk", flat=True))
    # Everything recorded before this reading, and this reading itself is not on its own page.
    assert shown <= of_case
    assert shown >= of_case - {AccessEvent.objects.latest("sequence").pk}
    assert not AccessEvent.objects.filter(case=other_case, pk__in=shown).exists()


def test_r26_reading_the_audit_is_itself_logged(world: World) -> None:
    assert signed_in(world.supervisor).get(audit_url(world)).status_code == 200
    event = AccessEvent.objects.latest("sequence")
    assert (event.user_id, event.case_id, event.action) == (
        world.supervisor.pk,
        world.case.pk,
        "audit_access",
    )
    assert (event.outcome, event.basis, event.categories) == ("allowed", "supervisor", [])
    assert event.organization_id == world.lead.pk


def test_r26_the_audit_appears_in_its_own_next_reading(world: World) -> None:
    client = signed_in(world.supervisor)
    client.get(audit_url(world))
    response = client.get(audit_url(world))
    assert any(event.action == "audit_access" for event in rows_of(response))


def test_r26_filtering_by_outcome(world: World) -> None:
    partner_read(world)
    refused_attempt(world, world.partner_staff)
    response = signed_in(world.supervisor).get(audit_url(world), {"outcome": "denied"})
    assert response.status_code == 200
    shown = rows_of(response)
    assert shown and all(event.outcome == "denied" for event in shown)


def test_r26_filtering_by_organization(world: World) -> None:
    partner_read(world)
    read_at(world, timezone.now())
    response = signed_in(world.supervisor).get(audit_url(world), {"organization": world.partner.pk})
    shown = rows_of(response)
    assert shown and all(event.organization_id == world.partner.pk for event in shown)


def test_r26_an_organization_the_audit_does_not_name_looks_like_one_that_does_not_exist(
    world: World,
) -> None:
    stranger = f.OrganizationFactory(name="Never Named")
    client = signed_in(world.supervisor)
    named = client.get(audit_url(world), {"organization": stranger.pk})
    missing = client.get(audit_url(world), {"organization": 987654})
    assert named.status_code == missing.status_code == 400
    assert named.context["form"].errors == missing.context["form"].errors
    assert named.context["rows"] == []


def test_r26_filtering_by_a_range_of_days(world: World) -> None:
    old = timezone.now() - timedelta(days=40)
    read_at(world, old)
    read_at(world, timezone.now() - timedelta(days=5))
    since = (timezone.localdate() - timedelta(days=45)).isoformat()
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    response = signed_in(world.supervisor).get(audit_url(world), {"since": since, "until": until})
    shown = rows_of(response)
    assert len(shown) == 1
    assert shown[0].at == old


def test_r26_a_range_ending_before_it_starts_is_refused(world: World) -> None:
    today = timezone.localdate()
    response = signed_in(world.supervisor).get(
        audit_url(world),
        {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert "until" in response.context["form"].errors


def test_r26_the_csv_has_the_same_events_filtered_the_same_way(world: World) -> None:
    event = partner_read(world)
    refused_attempt(world, world.partner_staff)
    response = signed_in(world.supervisor).get(
        audit_url(world, csv_file=True), {"outcome": "allowed"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="case-{world.case.pk}-access.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["sequence", "at", "user_id", "who"]
    by_sequence = {row[0]: row for row in rows[1:]}
    partner_row = by_sequence[str(event.sequence)]
    assert partner_row[5] == world.partner.name
    assert partner_row[8] == "plan"
    assert partner_row[9] == f"consent:{event.consent_id}"
    assert all(row[12] == "allowed" for row in rows[1:])


def test_r26_the_csv_is_safe_to_open_in_a_spreadsheet(world: World) -> None:
    world.partner.name = "=HYPERLINK(1)"
    world.partner.save()
    partner_read(world)
    body = signed_in(world.supervisor).get(audit_url(world, csv_file=True)).content.decode()
    assert "'=HYPERLINK(1)" in body


def test_r26_the_csv_never_holds_the_young_persons_name(world: World) -> None:
    person = world.case.person
    person.alias, person.legal_name = "Quillonette", "Quillonette Farthingale"
    person.save()
    partner_read(world)
    body = signed_in(world.supervisor).get(audit_url(world, csv_file=True)).content.decode()
    assert "Quillonette" not in body


@pytest.mark.parametrize(
    "persona",
    ["advocate", "other_advocate", "intake", "org_admin", "partner_staff", "young_person"],
)
@pytest.mark.parametrize("csv_file", [False, True])
def test_r26_anyone_but_the_lead_organizations_supervisors_gets_404(
    world: World, persona: str, csv_file: bool
) -> None:
    partner_read(world)
    response = signed_in(getattr(world, persona)).get(audit_url(world, csv_file=csv_file))
    assert response.status_code == 404


def test_r26_a_supervisor_of_another_organization_gets_404(world: World) -> None:
    partner_read(world)
    other = f.MembershipFactory(organization=world.partner, role=Membership.Role.SUPERVISOR).user
    assert signed_in(other).get(audit_url(world)).status_code == 404


def test_r26_a_case_that_does_not_exist_looks_the_same(world: World) -> None:
    client = signed_in(world.advocate)
    hidden = client.get(audit_url(world))
    missing = client.get(audit_url(world, case_id=987654))
    assert hidden.status_code == missing.status_code == 404


def test_r26_a_refused_reading_of_the_audit_is_logged(world: World) -> None:
    signed_in(world.advocate).get(audit_url(world))
    event = AccessEvent.objects.latest("sequence")
    assert (event.user_id, event.action, event.outcome) == (
        world.advocate.pk,
        "audit_access",
        "denied",
    )


def test_r26_the_case_page_links_to_the_audit_for_supervisors_only(world: World) -> None:
    case_url = reverse("frontend:case", kwargs={"case_id": world.case.pk})
    link = audit_url(world)
    assert link in signed_in(world.supervisor).get(case_url).content.decode()
    assert link not in signed_in(world.advocate).get(case_url).content.decode()


def test_r26_the_audit_page_costs_the_same_queries_with_more_events(
    world: World, constant_queries: object
) -> None:
    client = signed_in(world.supervisor)
    partner_read(world)
    for size in (3, 30):
        while AccessEvent.objects.filter(case=world.case).count() < size:
            read_at(world, timezone.now())
            refused_attempt(world, world.partner_staff)
        with constant_queries(14):
            assert client.get(audit_url(world)).status_code == 200
