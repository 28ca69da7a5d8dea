"""Partner staff in a real browser: answer a referral under consent, read what was released,
and lose the case the moment the young person withdraws the consent."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Referral
from consent.models import ConsentPurpose
from consent.services import revoke_consent
from providers.models import Membership
from tests import factories as f
from tests.consents import grant_consent
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME, PHONE = "Zephyrine", "+1 555 0199 4321"


def test_partner_accepts_under_consent_then_loses_access_when_it_is_revoked(page: Page) -> None:
    lead = f.OrganizationFactory(name="Lead Community Org")
    partner = f.OrganizationFactory(name="Partner Housing")
    advocate = f.MembershipFactory(organization=lead, role=Membership.Role.ADVOCATE).user
    staff = f.UserFactory(password=PASSWORD)
    f.MembershipFactory(organization=partner, user=staff, role=Membership.Role.ADVOCATE)
    case = f.CaseFactory(lead_organization=lead, person=f.PersonFactory(alias=NAME))
    f.CareTeamMemberFactory(case=case, user=advocate)
    rule = case.person.safe_contact
    rule.phone = PHONE
    rule.save()
    f.CaseNoteFactory(case=case, author=advocate, body="Prefers meetings at the library")
    consent = grant_consent(
        case, partner, ["plan", "notes"], by=advocate, purpose=ConsentPurpose.REFERRAL
    )
    first = f.ReferralFactory(
        case=case,
        to_organization=partner,
        sent=True,
        message="Needs a bed this week",
        sent_at=timezone.now() - timedelta(days=3),
    )
    second = f.ReferralFactory(
        case=case, to_organization=partner, sent=True, message="Also asks for legal advice"
    )

    page.goto("/sign-in/")
    assert_accessible(page)
    sign_in(page, staff)
    page.goto("/partner/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Incoming referrals")
    expect(page.get_by_text("Needs a bed this week")).to_be_visible()
    expect(page.get_by_text("3 days")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=first.service_type.name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral")
    assert_accessible(page)
    page.get_by_role("button", name="Accept the referral").click()
    expect(page.get_by_role("status")).to_contain_text("Referral accepted.")
    assert_accessible(page)
    first.refresh_from_db()
    assert first.status == Referral.Status.ACCEPTED

    page.get_by_role("link", name=re.compile("consent releases to your organization")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Released case information")
    expect(page.get_by_text("Prefers meetings at the library")).to_be_visible()
    withheld = page.get_by_role("note")
    expect(withheld).to_contain_text("Identity")
    expect(withheld).to_contain_text("Contact details")
    expect(page.get_by_text(re.compile("may not disclose it to anyone else"))).to_be_visible()
    assert NAME not in page.content() and PHONE not in page.content()
    assert_accessible(page)
    case_url = page.url

    revoke_consent(consent=consent, actor=advocate, channel="staff_written")
    page.goto(case_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert_accessible(page)

    # After the withdrawal the other referral keeps only its closing record (R13): no
    # message, no way to accept.
    page.goto(f"/partner/referrals/{second.pk}/")
    expect(page.get_by_text("no longer shared with your organization")).to_be_visible()
    expect(page.get_by_role("button", name="Accept the referral")).to_have_count(0)
    assert "Also asks for legal advice" not in page.content()
    assert_accessible(page)
    second.refresh_from_db()
    assert second.status == Referral.Status.SENT
