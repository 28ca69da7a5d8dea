"""A minor's family in a real browser: a safe mother and a father who harmed them recorded on
the case page, the signature form offering the mother and saying why the father cannot sign,
the "may consent alone" flag with its basis, and a relative taken off the record. axe checks
every page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import FamilyMember, Flag
from consent.models import ConsentPurpose
from consent.services import draft_consent, submit_for_signature
from providers.models import Membership
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advocate_records_the_family_and_sees_who_may_sign(page: Page) -> None:
    lead = f.OrganizationFactory(name="Lead Community Org")
    housing = f.OrganizationFactory(name="Partner Housing")
    advocate = f.MembershipFactory(
        organization=lead, role=Membership.Role.ADVOCATE, user=f.UserFactory(password=PASSWORD)
    ).user
    case = f.CaseFactory(lead_organization=lead)  # no birth date: treated as a minor
    f.CareTeamMemberFactory(case=case, user=advocate)

    sign_in(page, advocate)
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Family and guardians")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a family member").click()
    expect(page.get_by_label("Name")).to_be_visible()
    assert_accessible(page, moderate=True)
    page.get_by_label("Name").fill("Ada Mother")
    page.get_by_label("Relation to the young person").select_option(label="Mother")
    page.get_by_label("Confirmed safe to contact").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("rowheader", name="Ada Mother")).to_be_visible()

    page.get_by_role("link", name="Add a family member").click()
    page.get_by_label("Name").fill("Bart Father")
    page.get_by_label("Relation to the young person").select_option(label="Father")
    page.get_by_label("Recorded as having harmed the young person", exact=True).check()
    page.get_by_label("Confirmed safe to contact").check()
    page.get_by_role("button", name="Save").click()
    # Refused: someone who caused harm is never marked safe to contact.
    expect(page.get_by_text("Contact is never marked safe")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Confirmed safe to contact").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Harmed the young person", exact=True)).to_be_visible()
    assert FamilyMember.objects.count() == 2

    # The signature form offers the young person and the mother, and says why not the father.
    consent = submit_for_signature(
        consent=draft_consent(
            case=case,
            recipient=housing,
            categories=["plan"],
            purpose=ConsentPurpose.REFERRAL,
            actor=advocate,
            starts_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=30),
        ),
        actor=advocate,
    )
    page.goto(f"/cases/{case.pk}/consents/{consent.pk}/sign/")
    expect(page.get_by_label("Ada Mother (Mother)")).to_be_visible()
    expect(page.get_by_text("cannot sign", exact=False).first).to_be_visible()
    assert page.get_by_label("Bart Father (Father)").count() == 0
    assert_accessible(page)

    # The "may consent alone" flag, with its legal basis.
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role(
        "link", name="Record that the young person may consent without a parent"
    ).click()
    assert_accessible(page, moderate=True)
    page.get_by_label("Legal basis").fill("State minor consent law for shelter services")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Legal basis: State minor consent law")).to_be_visible()
    assert Flag.objects.get().kind == Flag.Kind.MAY_CONSENT_ALONE

    # Taking the father off the record.
    page.get_by_role("link", name="End Bart Father").click()
    assert_accessible(page)
    page.get_by_role("button", name="Take off the record").click()
    expect(page.get_by_text("Bart Father is no longer on the family record.")).to_be_visible()
    assert FamilyMember.objects.get(name="Bart Father").ended_on is not None
    assert_accessible(page)
