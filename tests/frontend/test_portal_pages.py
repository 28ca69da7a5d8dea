"""The young person's portal pages: plan approval, consents (sign, say no, revoke at once),
receipts and the access log, each read through the policy with the young person's own basis.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Person, PlanVersion, ServicePlan
from cases.services.plans import start_plan_version, submit_plan_version
from consent.errors import NotVisible
from consent.models import AccessEvent, Consent, ConsentPurpose, RevocationChannel, SignatureMethod
from consent.policy import Action, access_case, viewer_for, visible_cases
from consent.receipts import receipt_errors
from consent.services import draft_consent, submit_for_signature
from providers.models import Membership, Organization
from tasks.models import FollowUp, PortalNotice
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

SAFETY_NOTICE = "Browsing leaves traces on this device."
NEUTRAL_TITLE = "<title>My account</title>"


@dataclass
class Portal:
    world: World
    client: Client
    partner_org: Organization
    partner_user: User
    active: Consent
    pending: Consent
    version: PlanVersion

    @property
    def young_person(self) -> User:
        return self.world.young_person


def _adult(person: Person) -> None:
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.now().year - 25, 3, 9)
    person.save()


@pytest.fixture
def portal(world: World) -> Portal:
    case, advocate = world.case, world.advocate
    _adult(case.person)
    partner_org = f.OrganizationFactory(name="Riverside Shelter")
    partner_user = f.MembershipFactory(organization=partner_org, role=Membership.Role.ADVOCATE).user
    active = grant_consent(case, partner_org, ["plan", "contact"], by=advocate)
    pending = draft_consent(
        case=case,
        recipient=world.partner,
        categories=["plan"],
        purpose=ConsentPurpose.REFERRAL,
        actor=advocate,
        starts_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )
    pending = submit_for_signature(consent=pending, actor=advocate)
    plan, _ = ServicePlan.objects.get_or_create(case=case)
    goal = f.GoalFactory(plan=plan, description="Find a safe place to live")
    f.PlannedServiceFactory(goal=goal, provider=partner_org)
    version = start_plan_version(case=case, actor=advocate)
    version = submit_plan_version(version=version, actor=advocate)
    client = Client()
    client.force_login(world.young_person)
    return Portal(world, client, partner_org, partner_user, active, pending, version)


def _other_young_persons_consent(world: World) -> Consent:
    other_case = world.other_young_person.person.cases.get()
    _adult(other_case.person)
    staff = f.MembershipFactory(
        organization=other_case.lead_organization, role=Membership.Role.ADVOCATE
    ).user
    f.CareTeamMemberFactory(case=other_case, user=staff)
    return grant_consent(other_case, f.OrganizationFactory(), ["plan"], by=staff)


def _portal_urls(p: Portal) -> list[str]:
    return [
        reverse("frontend:portal-home"),
        reverse("frontend:portal-plan-changes", args=[p.version.pk]),
        reverse("frontend:portal-consents"),
        reverse("frontend:portal-consent-approve", args=[p.pending.pk]),
        reverse("frontend:portal-consent-decline", args=[p.pending.pk]),
        reverse("frontend:portal-consent-revoke", args=[p.active.pk]),
        reverse("frontend:portal-consent-receipt", args=[p.active.pk]),
        reverse("frontend:portal-access-log"),
        reverse("frontend:portal-reminders"),
    ]


# --- R32, R33: every portal page -----------------------------------------------------------


def test_r32_every_portal_page_sends_no_store(portal: Portal) -> None:
    urls = [*_portal_urls(portal), reverse("frontend:portal-consent-receipt-json", args=[1])]
    urls[-1] = reverse("frontend:portal-consent-receipt-json", args=[portal.active.pk])
    for url in urls:
        response = portal.client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_r32_quick_exit_is_the_first_focusable_element_with_noreferrer(portal: Portal) -> None:
    for url in _portal_urls(portal):
        html = portal.client.get(url).content.decode()
        body = html[html.index("<body") :]
        first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body[body.index(">") :])
        assert first is not None, url
        tag = first.group(0)
        assert 'id="quick-exit"' in tag, (url, tag)
        assert 'rel="noreferrer"' in tag, url


def test_r33_every_portal_page_shows_the_safety_notice(portal: Portal) -> None:
    for url in _portal_urls(portal):
        assert SAFETY_NOTICE in portal.client.get(url).content.decode(), url


def test_r33_portal_titles_are_neutral_and_name_no_one(portal: Portal) -> None:
    person = portal.world.case.person
    for url in _portal_urls(portal):
        html = portal.client.get(url).content.decode()
        title = re.search(r"<title>.*?</title>", html, re.S).group(0)
        assert title == NEUTRAL_TITLE, (url, title)
        assert person.alias not in url


def test_a_staff_member_cannot_open_the_portal(portal: Portal) -> None:
    client = Client()
    client.force_login(portal.world.advocate)
    assert client.get(reverse("frontend:portal-home")).status_code == 404


# --- My plan --------------------------------------------------------------------------------


def test_home_shows_the_plan_waiting_for_approval_in_plain_words(portal: Portal) -> None:
    html = portal.client.get(reverse("frontend:portal-home")).content.decode()
    assert "A new plan is waiting for you" in html
    assert "Find a safe place to live" in html
    assert "Riverside Shelter" in html


def test_the_young_person_approves_their_plan_in_the_portal(portal: Portal) -> None:
    url = reverse("frontend:portal-plan-approve", args=[portal.version.pk])
    response = portal.client.post(url)
    assert response.status_code == 302
    portal.version.refresh_from_db()
    assert portal.version.status == PlanVersion.Status.APPROVED
    assert portal.version.approval_channel == PlanVersion.ApprovalChannel.PORTAL
    html = portal.client.get(reverse("frontend:portal-home")).content.decode()
    assert "You approved your plan" in html
    assert "My approved plan" in html and "Find a safe place to live" in html


def test_approving_a_plan_twice_is_refused_with_400(portal: Portal) -> None:
    url = reverse("frontend:portal-plan-approve", args=[portal.version.pk])
    portal.client.post(url)
    assert portal.client.post(url).status_code == 400


def test_asking_for_changes_sends_the_plan_back_with_the_comment(portal: Portal) -> None:
    url = reverse("frontend:portal-plan-changes", args=[portal.version.pk])
    response = portal.client.post(url, {"changes_requested": "Add a job goal"})
    assert response.status_code == 302
    portal.version.refresh_from_db()
    assert portal.version.status == PlanVersion.Status.DRAFT
    assert portal.version.changes_requested == "Add a job goal"


def test_asking_for_changes_without_a_comment_is_400_and_changes_nothing(portal: Portal) -> None:
    url = reverse("frontend:portal-plan-changes", args=[portal.version.pk])
    response = portal.client.post(url, {"changes_requested": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    portal.version.refresh_from_db()
    assert portal.version.status == PlanVersion.Status.AWAITING_APPROVAL


def test_a_young_person_cannot_approve_another_young_persons_plan(portal: Portal) -> None:
    other = Client()
    other.force_login(portal.world.other_young_person)
    url = reverse("frontend:portal-plan-approve", args=[portal.version.pk])
    assert other.post(url).status_code == 404
    portal.version.refresh_from_db()
    assert portal.version.status == PlanVersion.Status.AWAITING_APPROVAL


def test_notices_are_shown_and_can_be_marked_read(portal: Portal) -> None:
    notice = PortalNotice.objects.create(
        case=portal.world.case,
        person=portal.world.case.person,
        kind=PortalNotice.Kind.CONSENT_RENEWAL,
        object_id=portal.active.pk,
    )
    html = portal.client.get(reverse("frontend:portal-home")).content.decode()
    assert "ends soon" in html
    response = portal.client.post(reverse("frontend:portal-notice-read", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_another_young_persons_notice_is_404(portal: Portal) -> None:
    other_case = portal.world.other_young_person.person.cases.get()
    notice = PortalNotice.objects.create(
        case=other_case,
        person=other_case.person,
        kind=PortalNotice.Kind.CONSENT_RENEWAL,
        object_id=1,
    )
    response = portal.client.post(reverse("frontend:portal-notice-read", args=[notice.pk]))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


# --- Who can see my information ------------------------------------------------------------


def test_consents_page_shows_each_consent_as_a_card_in_plain_words(portal: Portal) -> None:
    html = portal.client.get(reverse("frontend:portal-consents")).content.decode()
    assert "Riverside Shelter" in html and "Partner Housing" in html
    assert "your approved service plan: goals and services" in html
    assert "to refer you to a service" in html
    assert "Waiting for your answer" in html and "Stop sharing" in html


def test_the_consents_page_is_recorded_in_the_access_log(portal: Portal) -> None:
    before = AccessEvent.objects.filter(user=portal.young_person).count()
    portal.client.get(reverse("frontend:portal-consents"))
    assert AccessEvent.objects.filter(user=portal.young_person).count() > before


def test_signing_a_pending_request_in_the_portal_activates_it(portal: Portal) -> None:
    url = reverse("frontend:portal-consent-approve", args=[portal.pending.pk])
    assert "Exactly what they will see" in portal.client.get(url).content.decode()
    response = portal.client.post(url)
    assert response.status_code == 302
    portal.pending.refresh_from_db()
    assert portal.pending.status == Consent.Status.ACTIVE
    signature = portal.pending.signatures.get()
    assert signature.method == SignatureMethod.PORTAL
    assert signature.recorded_by == portal.young_person


def test_saying_no_to_a_request_shares_nothing_and_tells_the_advocate(portal: Portal) -> None:
    url = reverse("frontend:portal-consent-decline", args=[portal.pending.pk])
    assert portal.client.post(url).status_code == 302
    portal.pending.refresh_from_db()
    assert portal.pending.status == Consent.Status.PENDING_SIGNATURE
    follow_up = FollowUp.objects.get(about_consent=portal.pending)
    assert follow_up.kind == FollowUp.Kind.CONSENT_DECLINED
    assert follow_up.assignee == portal.world.advocate
    assert portal.world.case.person.alias not in follow_up.description
    html = portal.client.get(reverse("frontend:portal-consents")).content.decode()
    assert "You said no" in html
    assert reverse("frontend:portal-consent-approve", args=[portal.pending.pk]) not in html


def test_r13_revoking_in_the_portal_ends_the_partners_access_at_once(portal: Portal) -> None:
    partner = viewer_for(portal.partner_user)
    case_id = portal.world.case.pk
    assert access_case(viewer=partner, case_id=case_id, action=Action.VIEW)
    url = reverse("frontend:portal-consent-revoke", args=[portal.active.pk])
    confirm = portal.client.get(url).content.decode()
    assert "Yes, stop sharing now" in confirm
    portal.active.refresh_from_db()
    assert portal.active.status == Consent.Status.ACTIVE  # the confirmation page changes nothing
    response = portal.client.post(url, follow=True)
    assert "can no longer see your information" in response.content.decode()
    portal.active.refresh_from_db()
    assert portal.active.status == Consent.Status.REVOKED
    assert portal.active.revocation_channel == RevocationChannel.PORTAL
    assert portal.active.revoked_by == portal.young_person
    partner = viewer_for(portal.partner_user)
    with pytest.raises(NotVisible):
        access_case(viewer=partner, case_id=case_id, action=Action.VIEW)
    assert not visible_cases(viewer=partner).filter(pk=case_id).exists()


def test_r16_a_revoked_consent_stays_in_history_with_its_receipt(portal: Portal) -> None:
    portal.client.post(reverse("frontend:portal-consent-revoke", args=[portal.active.pk]))
    html = portal.client.get(reverse("frontend:portal-consents")).content.decode()
    history = html[html.index('id="history"') :]
    assert "Riverside Shelter" in history and "Stopped" in history
    receipt_url = reverse("frontend:portal-consent-receipt", args=[portal.active.pk])
    assert receipt_url in history
    receipt = portal.client.get(receipt_url).content.decode()
    assert "Stopped on" in receipt


def test_a_young_person_cannot_see_or_revoke_another_young_persons_consent(
    portal: Portal,
) -> None:
    theirs = _other_young_persons_consent(portal.world)
    for name in (
        "portal-consent-revoke",
        "portal-consent-approve",
        "portal-consent-decline",
        "portal-consent-receipt",
        "portal-consent-receipt-json",
    ):
        url = reverse(f"frontend:{name}", args=[theirs.pk])
        assert portal.client.get(url).status_code == 404, name
    assert (
        portal.client.post(reverse("frontend:portal-consent-revoke", args=[theirs.pk])).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == Consent.Status.ACTIVE
    html = portal.client.get(reverse("frontend:portal-consents")).content.decode()
    assert theirs.recipient.name not in html


# --- Receipts (R39) ---------------------------------------------------------------------------


def test_r39_the_receipt_page_shows_the_receipt_and_offers_the_json(portal: Portal) -> None:
    html = portal.client.get(
        reverse("frontend:portal-consent-receipt", args=[portal.active.pk])
    ).content.decode()
    assert str(portal.active.receipt_id) in html
    assert "Riverside Shelter" in html
    assert portal.world.case.person.alias not in html
    json_url = reverse("frontend:portal-consent-receipt-json", args=[portal.active.pk])
    assert json_url in html
    response = portal.client.get(json_url)
    assert response["Content-Disposition"].startswith("attachment;")
    receipt = json.loads(response.content)
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt_errors(receipt) == []


def test_a_pending_request_has_no_receipt(portal: Portal) -> None:
    url = reverse("frontend:portal-consent-receipt", args=[portal.pending.pk])
    assert portal.client.get(url).status_code == 404


# --- Who looked at my file (R26) ------------------------------------------------------------


def test_r26_the_access_log_lists_partner_reads_with_the_consent_relied_on(
    portal: Portal,
) -> None:
    access_case(viewer=viewer_for(portal.partner_user), case_id=portal.world.case.pk)
    html = portal.client.get(reverse("frontend:portal-access-log")).content.decode()
    assert "Riverside Shelter" in html
    assert reverse("frontend:portal-consent-receipt", args=[portal.active.pk]) in html


def test_staff_names_show_only_where_their_organization_allows(portal: Portal) -> None:
    portal.partner_user.full_name = "Quillon Staffperson"
    portal.partner_user.save()
    access_case(viewer=viewer_for(portal.partner_user), case_id=portal.world.case.pk)
    url = reverse("frontend:portal-access-log")
    Organization.objects.filter(pk=portal.partner_org.pk).update(names_staff_to_young_people=False)
    assert "Quillon Staffperson" not in portal.client.get(url).content.decode()
    Organization.objects.filter(pk=portal.partner_org.pk).update(names_staff_to_young_people=True)
    assert "Quillon Staffperson" in portal.client.get(url).content.decode()


def test_another_young_persons_accesses_are_not_in_my_log(portal: Portal) -> None:
    theirs = _other_young_persons_consent(portal.world)
    org_staff = f.MembershipFactory(organization=theirs.recipient).user
    access_case(viewer=viewer_for(org_staff), case_id=theirs.case_id)
    html = portal.client.get(reverse("frontend:portal-access-log")).content.decode()
    assert theirs.recipient.name not in html


def _reads(portal: Portal, count: int) -> None:
    partner = viewer_for(portal.partner_user)
    for _ in range(count):
        access_case(viewer=partner, case_id=portal.world.case.pk)


@pytest.mark.parametrize(
    ("name", "grow"),
    [("portal-access-log", 30), ("portal-consents", 3), ("portal-home", 3)],
)
def test_portal_list_pages_cost_constant_queries(
    portal: Portal, constant_queries, name: str, grow: int
) -> None:
    url = reverse(f"frontend:{name}")
    _reads(portal, 3)
    with constant_queries(20):
        assert portal.client.get(url).status_code == 200
    _reads(portal, grow)
    for _ in range(grow if name != "portal-access-log" else 0):
        grant_consent(
            portal.world.case, f.OrganizationFactory(), ["plan"], by=portal.world.advocate
        )
    PortalNotice.objects.bulk_create(
        PortalNotice(
            case=portal.world.case,
            person=portal.world.case.person,
            kind=PortalNotice.Kind.CONSENT_RENEWAL,
            object_id=1000 + n,
        )
        for n in range(grow)
    )
    with constant_queries(20):
        assert portal.client.get(url).status_code == 200


def test_another_young_persons_portal_lists_none_of_my_records(portal: Portal) -> None:
    access_case(viewer=viewer_for(portal.partner_user), case_id=portal.world.case.pk)
    other = Client()
    other.force_login(portal.world.other_young_person)
    for name in ("portal-home", "portal-consents", "portal-access-log"):
        html = other.get(reverse(f"frontend:{name}")).content.decode()
        assert "Riverside Shelter" not in html, name
        assert "Find a safe place to live" not in html, name


def test_the_access_log_shows_my_own_visits_only_when_asked(portal: Portal) -> None:
    portal.client.get(reverse("frontend:portal-consents"))
    url = reverse("frontend:portal-access-log")
    assert "Your own file" not in portal.client.get(url).content.decode()
    assert "Your own file" in portal.client.get(url + "?mine=1").content.decode()


def test_the_access_log_is_paginated_newest_first(portal: Portal) -> None:
    _reads(portal, 30)
    url = reverse("frontend:portal-access-log")
    first = portal.client.get(url).content.decode()
    assert "Page 1 of 2" in first and "?page=2" in first
    second = portal.client.get(url + "?page=2").content.decode()
    assert "Page 2 of 2" in second and "Riverside Shelter" in second


def test_consent_cards_use_spanish_plain_words_for_a_spanish_speaker(portal: Portal) -> None:
    portal.young_person.preferred_language = "es"
    portal.young_person.save()
    html = portal.client.get(reverse("frontend:portal-consents")).content.decode()
    assert "tu plan de servicios aprobado: metas y servicios" in html
    assert "para referirte a un servicio" in html
