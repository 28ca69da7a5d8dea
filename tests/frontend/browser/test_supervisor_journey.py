"""The supervisor's and the organization admin's journeys, in a real browser."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from providers.models import Membership
from tasks.models import FollowUp
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff(organization: object, role: str, name: str) -> object:
    user = f.UserFactory(password=PASSWORD, full_name=name)
    f.MembershipFactory(user=user, organization=organization, role=role)
    return user


def test_supervisor_sees_an_overdue_follow_up_and_reassigns_it(page: Page) -> None:
    lead = f.OrganizationFactory(name="Riverside Youth Collective")
    supervisor = _staff(lead, Membership.Role.SUPERVISOR, "Sam Supervisor")
    advocate = _staff(lead, Membership.Role.ADVOCATE, "Ada Advocate")
    other = _staff(lead, Membership.Role.ADVOCATE, "Otto Other")
    case = f.CaseFactory(lead_organization=lead)
    f.CareTeamMemberFactory(case=case, user=advocate)
    follow_up = FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.OTHER,
        organization=lead,
        assignee=advocate,
        due_at=timezone.now() - timedelta(days=3),
        description="Call back",
    )

    sign_in(page, supervisor)  # a supervisor lands on the continuity dashboard
    expect(page.get_by_role("heading", level=1)).to_have_text("Continuity")
    assert_accessible(page)

    tile = page.get_by_role("link", name="Overdue follow-ups")
    expect(tile).to_contain_text("1")
    tile.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue follow-ups")
    expect(page.get_by_role("cell", name="Ada Advocate")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Reassign follow-up {follow_up.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reassign a follow-up")
    assert_accessible(page)
    page.get_by_label("New assignee").select_option(label="Otto Other")
    page.get_by_role("button", name="Reassign").click()

    expect(page.get_by_role("status")).to_contain_text("The follow-up was reassigned.")
    expect(page.get_by_role("cell", name="Otto Other")).to_be_visible()
    assert_accessible(page)
    follow_up.refresh_from_db()
    assert follow_up.assignee == other


def test_org_admin_adds_a_member(page: Page) -> None:
    lead = f.OrganizationFactory(name="Riverside Youth Collective")
    admin = _staff(lead, Membership.Role.ORG_ADMIN, "Alex Admin")
    newcomer = f.UserFactory(email="newcomer@example.org", full_name="Nia Newcomer")

    sign_in(page, admin)
    page.get_by_role("link", name="Organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organization")
    assert_accessible(page)

    page.get_by_role("link", name="Invite a member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a member")
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("newcomer@example.org")
    page.get_by_label("Role").select_option("advocate")
    page.get_by_role("button", name="Invite").click()

    expect(page.get_by_role("status")).to_contain_text("The member was added.")
    expect(page.get_by_role("row", name="Nia Newcomer")).to_contain_text("Advocate")
    assert_accessible(page)
    assert Membership.objects.filter(user=newcomer, organization=lead, is_active=True).exists()
    sign_out(page)
