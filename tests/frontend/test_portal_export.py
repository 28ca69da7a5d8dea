"""Download my information: the young person's own export, as a JSON file and a page to print.

It holds what the portal shows them about themselves (profile, plan in their words, services,
referrals, consents with receipts, who looked at their file, notices), never another young
person's records nor staff-only narrative, and it is recorded in the access log.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Person, ServicePlan
from cases.services.plans import start_plan_version, submit_plan_version
from consent.models import AccessEvent, Consent
from consent.policy import access_case, viewer_for
from providers.models import Membership, Organization
from tasks.models import PortalNotice
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

JSON_URL = "frontend:portal-export-json"
PAGE_URL = "frontend:portal-export"


@dataclass
class Export:
    world: World
    client: Client
    partner_org: Organization
    partner_user: User
    consent: Consent


def _adult(person: Person, *, alias: str) -> None:
    person.alias = alias
    person.pronouns = "she/her"
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.now().year - 25, 3, 9)
    person.save()


@pytest.fixture
def export(world: World) -> Export:
    case, advocate = world.case, world.advocate
    _adult(case.person, alias="Quillon")
    partner_org = f.OrganizationFactory(name="Riverside Shelter")
    partner_user = f.MembershipFactory(organization=partner_org, role=Membership.Role.ADVOCATE).user
    consent = grant_consent(case, partner_org, ["plan", "contact"], by=advocate)
    plan, _ = ServicePlan.objects.get_or_create(case=case)
    goal = f.GoalFactory(plan=plan, description="Find a safe place to live")
    f.PlannedServiceFactory(goal=goal, provider=partner_org)
    submit_plan_version(version=start_plan_version(case=case, actor=advocate), actor=advocate)
    f.ReferralFactory(case=case, to_organization=partner_org, sent=True, message="Staff words")
    f.CaseNoteFactory(case=case, body="Staff-only worry about Quillon", staff_only=True)
    f.ContactFactory(case=case, summary="Contact summary words")
    client = Client()
    client.force_login(world.young_person)
    return Export(world, client, partner_org, partner_user, consent)


def _other_young_persons_records(world: World) -> None:
    other_case = world.other_young_person.person.cases.get()
    _adult(other_case.person, alias="Marrowby")
    staff = f.MembershipFactory(
        organization=other_case.lead_organization, role=Membership.Role.ADVOCATE
    ).user
    f.CareTeamMemberFactory(case=other_case, user=staff)
    grant_consent(other_case, f.OrganizationFactory(name="Elsewhere Clinic"), ["plan"], by=staff)
    plan, _ = ServicePlan.objects.get_or_create(case=other_case)
    f.GoalFactory(plan=plan, description="Marrowby goal words")
    submit_plan_version(version=start_plan_version(case=other_case, actor=staff), actor=staff)


def _json(client: Client) -> dict:
    response = client.get(reverse(JSON_URL))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_file_is_an_attachment_that_is_not_stored(export: Export) -> None:
    response = export.client.get(reverse(JSON_URL))

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="my-information.json"'
    assert "no-store" in response["Cache-Control"]


def test_the_file_holds_my_profile_plan_referrals_and_consents_with_receipts(
    export: Export,
) -> None:
    data = _json(export.client)

    assert data["profile"]["alias"] == "Quillon"
    assert data["profile"]["pronouns"] == "she/her"
    assert [c["id"] for c in data["cases"]] == [export.world.case.pk]
    goals = data["plans"][0]["goals"]
    assert goals[0]["in_my_words"] == "Find a safe place to live"
    assert goals[0]["services"][0]["provider"] == "Riverside Shelter"
    assert data["referrals"][0]["organization"] == "Riverside Shelter"
    assert data["referrals"][0]["status"] == "Sent"
    (consent,) = data["consents"]
    assert consent["organization"] == "Riverside Shelter"
    assert consent["status"] == "Active"
    assert consent["receipt"]["consentReceiptID"] == str(export.consent.receipt_id)


def test_the_file_holds_who_looked_at_my_file_and_my_notices(export: Export) -> None:
    access_case(viewer=viewer_for(export.partner_user), case_id=export.world.case.pk)
    PortalNotice.objects.create(
        case=export.world.case,
        person=export.world.case.person,
        kind=PortalNotice.Kind.CONSENT_RENEWAL,
        object_id=export.consent.pk,
    )

    data = _json(export.client)

    assert any(row["organization"] == "Riverside Shelter" for row in data["access_log"])
    assert data["notices"][0]["text"].startswith("A permission to share your information")


def test_the_file_holds_no_staff_narrative(export: Export) -> None:
    body = export.client.get(reverse(JSON_URL)).content.decode()

    assert "Staff-only worry" not in body
    assert "Contact summary words" not in body
    assert "Staff words" not in body  # the referral's message to the partner


def test_the_file_holds_none_of_another_young_persons_records(export: Export) -> None:
    _other_young_persons_records(export.world)

    body = export.client.get(reverse(JSON_URL)).content.decode()

    for word in ("Marrowby", "Elsewhere Clinic"):
        assert word not in body
    other = Client()
    other.force_login(export.world.other_young_person)
    theirs = other.get(reverse(JSON_URL)).content.decode()
    assert "Marrowby goal words" in theirs
    for word in ("Quillon", "Riverside Shelter", "Find a safe place to live"):
        assert word not in theirs


def test_the_printable_page_shows_the_same_information(export: Export) -> None:
    response = export.client.get(reverse(PAGE_URL))

    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Find a safe place to live" in html and "Riverside Shelter" in html
    assert 'id="quick-exit"' in html
    assert "Browsing leaves traces on this device." in html
    assert reverse(JSON_URL) in html
    assert "Staff-only worry" not in html


def test_the_portal_navigation_links_to_the_export(export: Export) -> None:
    html = export.client.get(reverse("frontend:portal-home")).content.decode()
    assert reverse(PAGE_URL) in html


def test_the_export_is_recorded_in_the_access_log(export: Export) -> None:
    export.client.get(reverse(JSON_URL))

    event = AccessEvent.objects.filter(case_id=export.world.case.pk, action="export").get()
    assert event.user_id == export.world.young_person.pk
    assert event.role == "young_person"


@pytest.mark.parametrize("persona", ["advocate", "supervisor", "org_admin", "partner_staff"])
def test_staff_cannot_open_the_export(export: Export, persona: str) -> None:
    client = Client()
    client.force_login(getattr(export.world, persona))
    for name in (JSON_URL, PAGE_URL):
        assert client.get(reverse(name)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(export: Export, settings: object) -> None:
    for name in (JSON_URL, PAGE_URL):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def _grow(export: Export, size: int) -> None:
    world = export.world
    plan = ServicePlan.objects.get(case=world.case)
    for n in range(size):
        grant_consent(world.case, f.OrganizationFactory(), ["plan"], by=world.advocate)
        goal = f.GoalFactory(plan=plan, description=f"Goal {n}")
        f.PlannedServiceFactory(goal=goal, provider=export.partner_org)
        f.ReferralFactory(case=world.case, to_organization=f.OrganizationFactory(), sent=True)
        access_case(viewer=viewer_for(export.partner_user), case_id=world.case.pk)
        PortalNotice.objects.create(
            case=world.case,
            person=world.case.person,
            kind=PortalNotice.Kind.CONSENT_RENEWAL,
            object_id=5000 + n,
        )


@pytest.mark.parametrize("name", [JSON_URL, PAGE_URL])
def test_the_export_costs_constant_queries(export: Export, constant_queries, name: str) -> None:
    # The session and user, then one query per section (profile, cases, plans, referrals,
    # consents and their signatures, access log, check-ins, notices), and the access log's
    # append.
    with constant_queries(16):
        assert export.client.get(reverse(name)).status_code == 200
    _grow(export, 4)
    with constant_queries(16):
        assert export.client.get(reverse(name)).status_code == 200


def test_the_export_covers_a_consent_past_its_expiry_as_ended(export: Export) -> None:
    past = timezone.now() - timedelta(days=1)
    Consent.objects.filter(pk=export.consent.pk).update(
        starts_at=past - timedelta(days=30), expires_at=past
    )

    (consent,) = _json(export.client)["consents"]

    assert consent["status"] == "Expired"
    assert consent["receipt"] is not None
