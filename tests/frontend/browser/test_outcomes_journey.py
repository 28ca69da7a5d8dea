"""The outcome and equity pages (issue 21, point 4) in a real browser, in English and in
Spanish: the supervisor's page, a list behind one of its figures, and the community report's
outcome section; axe checks each."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.checkins import CheckIn
from providers.models import Membership
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world(language: str) -> object:
    lead = f.OrganizationFactory(name="Riverside Youth Collective")
    supervisor = f.UserFactory(password=PASSWORD, full_name="Sam Supervisor")
    supervisor.preferred_language = language
    supervisor.save()
    f.MembershipFactory(user=supervisor, organization=lead, role=Membership.Role.SUPERVISOR)
    today = timezone.localdate()
    now = timezone.now()
    for n in range(7):
        person = f.PersonFactory(
            gender=["girl", "boy", "nonbinary"][n % 3],
            race_ethnicity_codes=[["black_african_american"], ["white"]][n % 2],
        )
        case = f.CaseFactory(
            lead_organization=lead,
            person=person,
            opened_on=today - timedelta(days=40),
            referral_source=["self", "law_enforcement"][n % 2],
        )
        f.CheckInFactory(
            case=case,
            occasion=CheckIn.Occasion.INTAKE,
            recorded_at=now - timedelta(days=40),
            safety="not_safe",
        )
        f.CheckInFactory(case=case, recorded_at=now - timedelta(days=10), safety="safe")
    return supervisor


@pytest.mark.parametrize(("language", "heading"), [("en", "Outcomes and equity"), ("es", None)])
def test_supervisor_reads_outcomes_and_opens_a_list(
    page: Page, language: str, heading: str | None
) -> None:
    supervisor = _world(language)
    sign_in(page, supervisor)

    page.goto("/supervisor/analytics/outcomes/")
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    page.locator("a[href*='/supervisor/analytics/outcomes/lists/']").first.click()
    page.wait_for_url("**/outcomes/lists/**")
    assert_accessible(page)

    page.goto("/community/outstanding-supports/")
    expect(page.locator("#outcomes-heading")).to_be_visible()
    assert_accessible(page)
    page.goto("/community/report/")
    assert_accessible(page)
