"""Issue 18's acceptance: the whole life of a minor's case, walked on pages only.

The three organizations and their staff are made here as an operator and admins would make
them (test_going_live.py walks that part); everything after is done in pages, each person in
a browser of their own: intake, the young person's portal handed over, the family with a safe
mother and a father recorded as having harmed the young person, a consent for Partner Housing
signed by the young person in the portal and by the mother on a printed form whose scan is
uploaded, a referral the partner accepts, a document the partner may see and one it may not,
a transfer to a second lead organization under a consent of its own, closure with the
consents ended, and the supervisor's access audit listing the partner's reads. axe checks
every page on the way.
"""

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from cases.categories import DataCategory
from providers.models import Membership, Organization
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, activate_portal, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD, PARTNER, NEW_LEAD = "Lighthouse Youth Services", "Partner Housing", "Harborview Youth"
ALIAS, LEGAL_NAME = "Wren", "Wren Castillo"
MOTHER, FATHER = "Maria Castillo", "Victor Castillo"
HARMED = "Harmed the young person"
SHARED_DOCUMENT, LEAD_ONLY_DOCUMENT = "State ID card", "Protective order against the father"
PORTAL_CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
SIGN_IN_NAME, YOUNG_PERSON_PASSWORD = "river-stone", "a quiet harbor at dawn"
IDENTITY, FAMILY, DOCUMENTS = (
    str(DataCategory.IDENTITY.label),
    str(DataCategory.FAMILY.label),
    str(DataCategory.DOCUMENTS.label),
)
# "Name (required)", not "The relation, in words".
NAME_FIELD = re.compile(r"^Name\b")
PHONE = {"width": 390, "height": 844}
# A small PDF: the upload checks the content, not the name.
SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def staff_member(organization: Organization, role: str, full_name: str) -> User:
    user = f.UserFactory(password=PASSWORD, full_name=full_name)
    f.MembershipFactory(organization=organization, role=role, user=user)
    return user


def a_pdf(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(SCAN)
    return path


def expect_not_found(page: Page) -> None:
    """Forbidden looks like missing: the same "Not found" page as for an id that is not there."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert ALIAS not in page.content()


def open_the_case(page: Page, birth_date: date) -> int:
    """Intake on the "Open a case" page: an alias, a legal name, an exact birth date, an area."""
    page.wait_for_url("**/cases/")
    assert_accessible(page)
    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    assert_accessible(page)
    page.get_by_label("Alias").fill(ALIAS)
    page.get_by_role("textbox", name="Legal name").fill(LEGAL_NAME)
    page.get_by_label("Exact date", exact=True).check()
    page.get_by_label("Exact date of birth").fill(birth_date.isoformat())
    page.get_by_role("textbox", name="Home area").fill("Lane County")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("status")).to_contain_text("The case is open.")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert_accessible(page)
    return int(re.search(r"/cases/(\d+)/$", page.url).group(1))


def hand_over_the_portal(advocate: Page, phone: Page) -> None:
    """The advocate shows a one-time code; the young person types it on their own phone."""
    advocate.get_by_role("link", name="Give portal access").click()
    assert_accessible(advocate)
    advocate.get_by_role("button", name="Give portal access").click()
    expect(advocate.get_by_role("heading", name="The code, shown once")).to_be_visible()
    assert_accessible(advocate)
    code = PORTAL_CODE.search(advocate.locator(".slip").inner_text()).group(0)
    advocate.get_by_role("link", name="Done").click()

    activate_portal(phone, code, sign_in_name=SIGN_IN_NAME, password=YOUNG_PERSON_PASSWORD)
    expect(phone.get_by_text("Welcome. This is your account.")).to_be_visible()
    assert_accessible(phone)


def add_family_member(page: Page, name: str, relation: str, *, safe: bool, harmed: bool) -> None:
    page.get_by_role("link", name="Add a family member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a family member")
    assert_accessible(page)
    page.get_by_role("textbox", name=NAME_FIELD).fill(name)
    page.get_by_label("Relation to the young person").select_option(label=relation)
    if safe:
        page.get_by_label("Confirmed safe to contact").check()
    if harmed:
        page.get_by_label("Recorded as having harmed the young person", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()


def ask_for_consent(page: Page, *, categories: list[str], purpose: str) -> None:
    """From the request page (already open): the terms, the preview, then to the portal."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a consent")
    assert_accessible(page)
    for label in categories:
        page.get_by_label(label).check()
    expect(page.get_by_label("Why")).to_have_value(re.compile(".+"))
    page.get_by_label("Why").select_option(label=purpose)
    page.get_by_role("button", name="Preview what they would see").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent preview")
    assert_accessible(page)
    page.get_by_role("button", name="Send it to the young person's portal").click()
    expect(page.get_by_role("status")).to_contain_text("sent to the young person's portal")
    expect(page.get_by_text("Pending signature")).to_be_visible()
    assert_accessible(page)


def sign_in_the_portal(phone: Page, organization: str) -> None:
    """The young person reads the request on their phone and signs; a parent must sign too."""
    phone.goto("/my/")
    phone.get_by_role("link", name="Who can see my information").click()
    assert_accessible(phone)
    phone.get_by_role("link", name="Read and sign").click()
    expect(phone.locator("main")).to_contain_text(organization)
    assert_accessible(phone)
    phone.get_by_role("button", name="I agree and sign").click()
    expect(phone.get_by_role("status")).to_contain_text(
        "It starts when the other needed signature is recorded"
    )


def record_the_mothers_signed_form(page: Page, scan: Path) -> None:
    """On the consent's page: print the form, then record the mother's signature on it with the
    scan of the signed paper; hers is the last signature needed."""
    page.get_by_role("link", name="Print the consent form: English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consent form")
    expect(page.locator(".signature-line")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("link", name="Back to the consent").click()

    page.get_by_role("link", name="Record a signed form").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a signature")
    # The father is not offered, and the page says why.
    expect(page.get_by_label(re.compile(FATHER))).to_have_count(0)
    expect(page.get_by_role("region", name="Who cannot sign, and why")).to_contain_text(FATHER)
    assert_accessible(page)
    page.get_by_label(f"{MOTHER} (Mother)").check()
    page.get_by_label("Scan of the signed form").set_input_files(scan)
    page.get_by_role("button", name="Record the signature").click()
    expect(page.get_by_role("status")).to_contain_text("The signature was recorded.")
    expect(page.locator("dd .badge").first).to_have_text("Active")


def upload_document(page: Page, *, kind: str, what: str, file: Path, to_partners: bool) -> None:
    page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label("What it is").fill(what)
    page.get_by_label("File").set_input_files(file)
    if to_partners:
        page.get_by_label("Partners may see it under a consent covering documents").check()
    page.get_by_role("button", name="Upload").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=what))
    expect(row).to_contain_text(
        "Under a consent covering documents" if to_partners else "Lead organization only"
    )


def test_a_minors_case_lives_its_whole_life_on_pages(
    open_page: Callable[[], Page], tmp_path: Path
) -> None:
    lead = f.OrganizationFactory(name=LEAD)
    housing = f.OrganizationFactory(name=PARTNER, kind=Organization.Kind.HOUSING, leads_cases=False)
    harborview = f.OrganizationFactory(name=NEW_LEAD)
    ada = staff_member(lead, Membership.Role.ADVOCATE, "Ada Advocate")
    pat = staff_member(housing, Membership.Role.ADVOCATE, "Pat Partner")
    sam = staff_member(harborview, Membership.Role.SUPERVISOR, "Sam Supervisor")
    nia = staff_member(harborview, Membership.Role.ADVOCATE, "Nia Newlead")
    service = f.service_type("housing_navigation")  # the seeded taxonomy's, as in production
    today = timezone.localdate()

    # Intake: Ada opens the case of a fifteen-year-old and hands them their portal.
    advocate = open_page()
    sign_in(advocate, ada)
    case_id = open_the_case(advocate, date(today.year - 15, 3, 14))
    case_page = f"/cases/{case_id}/"
    phone = open_page()
    phone.set_viewport_size(PHONE)
    hand_over_the_portal(advocate, phone)

    # Family: a safe mother, and a father recorded as having harmed the young person.
    advocate.goto(case_page)
    add_family_member(advocate, MOTHER, "Mother", safe=True, harmed=False)
    add_family_member(advocate, FATHER, "Father", safe=False, harmed=True)
    family = advocate.get_by_role("region", name="Family and guardians")
    expect(family.get_by_role("row", name=re.compile(FATHER))).to_contain_text(HARMED)
    expect(family.get_by_role("row", name=re.compile(MOTHER))).to_contain_text("Safe")
    assert_accessible(advocate)

    # A consent for Partner Housing, for a referral: identity, family and documents.
    advocate.get_by_role("link", name="Request a consent").click()
    advocate.get_by_label("Organization that may see the information").select_option(label=PARTNER)
    ask_for_consent(
        advocate,
        categories=[IDENTITY, FAMILY, DOCUMENTS],
        purpose="Referral to a service",
    )
    referral_consent_page = advocate.url

    # No referral can go out on the young person's signature alone.
    sign_in_the_portal(phone, PARTNER)
    advocate.goto(f"{case_page}referrals/new/")
    expect(advocate.get_by_text("No organization holds an active consent")).to_be_visible()
    assert_accessible(advocate)

    # The mother signs the printed form; its scan is uploaded and the consent is in force.
    advocate.goto(referral_consent_page)
    record_the_mothers_signed_form(advocate, a_pdf(tmp_path, "consent-signed.pdf"))

    # Documents: an ID the partner may see, a court order only the lead organization sees.
    advocate.goto(case_page)
    advocate.get_by_role("link", name="Upload or delete documents").click()
    expect(advocate.get_by_role("heading", level=1)).to_have_text("Documents")
    # The scan of the mother's signed form is kept there, for the lead organization only.
    scans = advocate.get_by_role("row").filter(has_text="Signed consent form")
    expect(scans).to_have_count(1)
    expect(scans).to_contain_text("Lead organization only")
    assert_accessible(advocate)
    upload_document(
        advocate,
        kind="ID document",
        what=SHARED_DOCUMENT,
        file=a_pdf(tmp_path, "id.pdf"),
        to_partners=True,
    )
    upload_document(
        advocate,
        kind="Court order",
        what=LEAD_ONLY_DOCUMENT,
        file=a_pdf(tmp_path, "order.pdf"),
        to_partners=False,
    )
    assert_accessible(advocate)
    lead_only_file = advocate.get_by_role("link", name=f"Download {LEAD_ONLY_DOCUMENT}")
    lead_only_id = re.search(r"/documents/(\d+)/file/", lead_only_file.get_attribute("href"))[1]

    # The referral to Partner Housing.
    advocate.goto(case_page)
    advocate.get_by_role("link", name="Make a referral").click()
    send = advocate.locator("form", has=advocate.get_by_role("button", name="Send the referral"))
    send.get_by_label("Service type").select_option(label=service.name)
    send.get_by_label("Send to").select_option(label=PARTNER)
    send.get_by_label(FAMILY).check()
    send.get_by_label(DOCUMENTS).check()
    send.get_by_role("button", name="Send the referral").click()
    expect(advocate.get_by_text("The referral was sent.")).to_be_visible()
    assert_accessible(advocate)

    # Pat accepts it, and reads what the consent releases: the family without the harm
    # mark, the shared document and not the lead-only one.
    partner = open_page()
    sign_in(partner, pat)
    partner.get_by_role("link", name="Incoming referrals").click()
    assert_accessible(partner)
    partner.get_by_role("link", name=service.name).first.click()
    assert_accessible(partner)
    partner.get_by_role("button", name="Accept the referral").click()
    expect(partner.get_by_role("status")).to_contain_text("Referral accepted.")
    partner.get_by_role(
        "link", name="See what the young person's consent releases to your organization"
    ).click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Released case information")
    expect(partner.get_by_role("main")).to_contain_text(ALIAS)
    expect(partner.get_by_role("main")).to_contain_text(MOTHER)
    expect(partner.get_by_role("main")).not_to_contain_text(HARMED)
    documents = partner.get_by_role("region", name="Documents")
    expect(documents.get_by_role("link", name=re.compile(SHARED_DOCUMENT))).to_be_visible()
    expect(partner.get_by_role("main")).not_to_contain_text(LEAD_ONLY_DOCUMENT)
    assert_accessible(partner)
    with partner.expect_download() as download:
        documents.get_by_role("link", name=re.compile(SHARED_DOCUMENT)).click()
    assert Path(download.value.path()).read_bytes() == SCAN
    partner_case_page = partner.url
    # The lead-only document cannot be fetched by its address either.
    partner.goto(f"/partner/cases/{case_id}/documents/{lead_only_id}/file/")
    expect_not_found(partner)

    # A transfer to Harborview needs a consent of its own, naming Harborview.
    advocate.goto(case_page)
    advocate.get_by_role("link", name="Transfer the case to another organization").click()
    expect(advocate.get_by_role("heading", level=1)).to_have_text("Transfer the case")
    assert_accessible(advocate)
    advocate.get_by_label("Receiving organization").select_option(label=NEW_LEAD)
    advocate.get_by_label("Why the case moves").fill("The family moved to Harborview's area.")
    advocate.get_by_role("button", name="Request the transfer").click()
    expect(advocate.get_by_text("No active consent of the young person")).to_be_visible()
    assert_accessible(advocate)
    advocate.get_by_role(
        "link",
        name="Ask the young person for a consent to transfer their services to this organization",
    ).click()
    expect(advocate.get_by_label("Organization that may see the information")).to_have_value(
        str(harborview.pk)
    )
    ask_for_consent(
        advocate,
        categories=[str(label) for label in DataCategory.labels],
        purpose="Transferring services to this organization",
    )
    transfer_consent_page = advocate.url
    sign_in_the_portal(phone, NEW_LEAD)
    advocate.goto(transfer_consent_page)
    record_the_mothers_signed_form(advocate, a_pdf(tmp_path, "transfer-consent-signed.pdf"))

    advocate.goto(f"{case_page}transfer/")
    advocate.get_by_label("Receiving organization").select_option(label=NEW_LEAD)
    advocate.get_by_label("Why the case moves").fill("The family moved to Harborview's area.")
    advocate.get_by_role("button", name="Request the transfer").click()
    expect(advocate.get_by_role("status")).to_contain_text("The transfer was requested.")
    expect(advocate.get_by_role("heading", name="Waiting for an answer")).to_be_visible()
    assert_accessible(advocate)

    # Until Harborview accepts, it sees an offer without a name, and no case.
    taker = open_page()
    sign_in(taker, sam)
    taker.wait_for_url("**/supervisor/")
    expect(taker.get_by_role("main")).not_to_contain_text(ALIAS)
    assert_accessible(taker)
    taker.goto(case_page)
    expect_not_found(taker)
    assert_accessible(taker)
    taker.goto(f"/partner/cases/{case_id}/")
    expect_not_found(taker)
    taker.get_by_role("link", name="Incoming referrals").click()
    taker.get_by_role("link", name="Incoming transfers").click()
    assert_accessible(taker)
    offer = taker.get_by_role("listitem").filter(has_text=f"Transfer offered by {LEAD}")
    expect(offer).to_contain_text("15-17")
    expect(offer).to_contain_text("Lane County")
    for identifying in (ALIAS, LEGAL_NAME, MOTHER, FATHER, SHARED_DOCUMENT):
        expect(taker.get_by_role("main")).not_to_contain_text(identifying)
    offer.get_by_role("link", name=f"Transfer offered by {LEAD}").click()
    assert_accessible(taker)
    expect(taker.get_by_role("main")).not_to_contain_text(ALIAS)
    taker.get_by_label("Primary advocate at your organization").select_option(label="Nia Newlead")
    taker.get_by_role("button", name="Accept the transfer").click()
    expect(taker.get_by_role("status")).to_contain_text("Your organization now leads the case.")
    expect(taker.get_by_role("heading", level=1)).to_contain_text(ALIAS)

    # Harborview leads now: Nia has the case; Lighthouse's care team has nothing left.
    new_lead = open_page()
    sign_in(new_lead, nia)
    new_lead.get_by_role("link", name=re.compile(ALIAS)).first.click()
    expect(new_lead.get_by_role("heading", level=1)).to_contain_text(ALIAS)
    expect(new_lead.get_by_role("main")).to_contain_text(NEW_LEAD)
    expect(new_lead.get_by_role("main")).to_contain_text(HARMED)
    assert_accessible(new_lead)
    advocate.goto(case_page)
    expect_not_found(advocate)
    # Partner Housing still reads under its consent, now from the new lead.
    partner.goto(partner_case_page)
    expect(partner.get_by_role("main")).to_contain_text(f"led by {NEW_LEAD}")

    # Closure: Nia closes the case and ends the consents in force with it.
    new_lead.get_by_role("link", name="Change the status").click()
    expect(new_lead.get_by_role("heading", level=1)).to_have_text("Case status")
    assert_accessible(new_lead)
    close = new_lead.get_by_role("region", name="Close")
    expect(close).to_contain_text(PARTNER)
    close.get_by_label("Why the case closes").select_option(index=1)
    close.get_by_label("End them now: the organizations lose access at once").check()
    close.get_by_role("button", name="Close the case").click()
    expect(new_lead.get_by_role("status")).to_contain_text("The case is closed.")
    expect(new_lead.get_by_role("link", name="Log a contact")).to_have_count(0)
    consents = new_lead.get_by_role("table", name="Consents")
    expect(consents.get_by_text("Active", exact=True)).to_have_count(0)
    expect(consents.get_by_role("row", name=re.compile(PARTNER))).to_contain_text("Revoked")
    assert_accessible(new_lead)

    # The consents are ended for everyone: the partner's page is gone, the young person is told.
    partner.goto(partner_case_page)
    expect_not_found(partner)
    phone.goto("/my/")
    expect(phone.get_by_role("region", name="Notices")).to_contain_text(
        "Your case was closed, and a permission to share your information ended with it."
    )
    assert_accessible(phone)
    phone.get_by_role("link", name="Who can see my information", exact=True).click()
    expect(phone.get_by_role("region", name="Can see my information now")).to_contain_text(
        "No other organization can see your information right now."
    )

    # Sam, supervisor of the lead organization now, reads who accessed the case: Partner
    # Housing's reads are there, with the consent they were made under.
    taker.goto(case_page)
    taker.get_by_role("link", name="Every access to this case (access audit)").click()
    expect(taker.get_by_role("heading", level=1)).to_have_text(f"Access audit of case {case_id}")
    assert_accessible(taker)
    taker.get_by_label("Organization").select_option(label=PARTNER)
    taker.get_by_role("button", name="Filter").click()
    partner_rows = taker.get_by_role("row").filter(has_text="Pat Partner")
    reads = partner_rows.filter(has_text=re.compile(r"consent \d+"))
    expect(reads.first).to_contain_text(PARTNER)
    expect(reads.first).to_contain_text("Allowed")
    expect(reads.filter(has_text=DOCUMENTS).first).to_be_visible()
    assert reads.count() >= 2
    # ...and the attempt after closure, refused.
    expect(partner_rows.first).to_contain_text("Denied")
    assert_accessible(taker)
