"""The consents endpoints, and what a partner organization sees under a consent (R11-R21)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseNote, FamilyMember, PlanVersion, Referral
from consent.models import REDISCLOSURE_NOTICE, AccessEvent, Consent
from tests import factories as f
from tests.consents import grant_consent, safe_parent, store

pytestmark = pytest.mark.django_db

IDENTITY_FIELDS = ("alias", "legal_name", "chosen_name", "birth_date", "birth_year")


def _url(name: str, consent: Consent | None = None) -> str:
    if consent is None:
        return reverse(f"consent-{name}")
    return reverse(f"consent-{name}", kwargs={"pk": consent.pk})


def _case_url(world) -> str:
    return reverse("case-detail", kwargs={"pk": world.case.pk})


def _draft_body(world, **fields) -> dict:
    return {
        "case": world.case.pk,
        "recipient": world.partner.pk,
        "categories": ["plan"],
        "purpose": "referral",
        **fields,
    }


@pytest.fixture
def person(world):
    """The young person, with data in every category, so leaks would show."""
    person = world.case.person
    person.alias = "Zephyrine"
    person.legal_name = "Zephyrine Quillfeather"
    person.save()
    rule = person.safe_contact
    rule.phone = "+1 555 0199 777"
    rule.save()
    f.FamilyMemberFactory(person=person, name="Orvalle Quillfeather", relation="aunt_uncle")
    f.CaseNoteFactory(case=world.case, author=world.advocate, body="Shared note about school")
    f.CaseNoteFactory(
        case=world.case, author=world.advocate, body="Staff-only risk note", staff_only=True
    )
    return person


def test_staff_draft_submit_and_record_signatures_until_the_consent_is_active(world, api_for):
    client = api_for(world.advocate)
    parent = safe_parent(world.case)

    draft = client.post(_url("list"), _draft_body(world), format="json")
    assert draft.status_code == 201, draft.data
    assert draft.data["status"] == "draft"
    expires = timezone.datetime.fromisoformat(draft.data["expires_at"])
    assert timedelta(days=89) < expires - timezone.now() <= timedelta(days=90)
    consent = Consent.objects.get(pk=draft.data["id"])

    submitted = client.post(_url("submit", consent))
    assert submitted.data["status"] == "pending_signature"
    assert submitted.data["missing_signers"] == [
        "the young person",
        "one parent, legal guardian or legal custodian",
    ]
    form = {"evidence": "signed form #12", "signed_at": timezone.now().isoformat()}
    assert client.post(_url("sign", consent), form).data["status"] == "pending_signature"

    signed = client.post(_url("sign", consent), {**form, "family_member": parent.pk})

    assert signed.status_code == 200, signed.data
    assert signed.data["status"] == "active"
    assert {s["signer_role"] for s in signed.data["signatures"]} == {"young_person", "parent"}


def test_the_young_person_signs_in_the_portal_for_themself_only(world, api_for):
    consent = Consent.objects.get(
        pk=api_for(world.advocate).post(_url("list"), _draft_body(world), format="json").data["id"]
    )
    api_for(world.advocate).post(_url("submit", consent))
    portal = api_for(world.young_person)

    signed = portal.post(_url("sign", consent), {})
    refused = portal.post(_url("sign", consent), {"family_member": safe_parent(world.case).pk})

    assert signed.status_code == 200, signed.data
    [signature] = signed.data["signatures"]
    assert signature["method"] == "portal_esignature"
    assert signature["recorded_by"] == world.young_person.pk
    assert refused.status_code == 400


def test_r04_staff_cannot_record_a_portal_signature_or_a_verbal_one(world, api_for):
    client = api_for(world.advocate)
    consent = Consent.objects.get(
        pk=client.post(_url("list"), _draft_body(world), format="json").data["id"]
    )
    client.post(_url("submit", consent))
    form = {"evidence": "x", "signed_at": timezone.now().isoformat()}

    portal = client.post(_url("sign", consent), {**form, "method": "portal_esignature"})
    verbal = client.post(_url("sign", consent), {**form, "method": "verbal"})

    assert portal.status_code == 400 and "method" in portal.data
    assert verbal.status_code == 400 and "method" in verbal.data
    assert not consent.signatures.exists()


def test_r07_an_abuser_added_as_signer_is_a_400_and_nothing_is_granted(world, api_for):
    client = api_for(world.advocate)
    consent = Consent.objects.get(
        pk=client.post(_url("list"), _draft_body(world), format="json").data["id"]
    )
    client.post(_url("submit", consent))
    father = f.FamilyMemberFactory(
        person=world.case.person,
        relation=FamilyMember.Relation.FATHER,
        contact_is_safe=True,
        harmed_young_person=True,
    )
    form = {"evidence": "form", "signed_at": timezone.now().isoformat()}
    client.post(_url("sign", consent), form)

    response = client.post(_url("sign", consent), {**form, "family_member": father.pk})

    assert response.status_code == 400
    assert "family_member" in response.data
    assert api_for(world.partner_staff).get(_case_url(world)).status_code == 404


def test_r01_bad_terms_are_field_errors_and_nothing_is_written(world, api_for):
    body = _draft_body(
        world,
        categories=[],
        purpose="other",
        expires_at=(timezone.now() + timedelta(days=400)).isoformat(),
    )

    response = api_for(world.advocate).post(_url("list"), body, format="json")

    assert response.status_code == 400
    assert "categories" in response.data
    assert not Consent.objects.exists()


def test_r12_an_active_consent_cannot_be_edited_through_the_api(world, api_for):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    response = api_for(world.advocate).patch(
        _url("detail", consent), {"categories": ["identity"]}, format="json"
    )

    assert response.status_code == 400
    assert "renew" in response.data["status"][0]
    consent.refresh_from_db()
    assert consent.categories == ["plan"]


def test_r11_everything_works_with_zero_consents(world, api_for):
    client = api_for(world.advocate)
    assert not Consent.objects.exists()

    assert client.get(_case_url(world)).status_code == 200
    assert (
        client.post(reverse("note-list"), {"case": world.case.pk, "body": "Hi"}).status_code == 201
    )
    goal = client.post(
        reverse("goal-list"), {"case": world.case.pk, "description": "Housing", "domain": "housing"}
    )
    assert goal.status_code == 201, goal.data
    plan = client.post(reverse("plan-version-list"), {"case": world.case.pk})
    assert plan.status_code == 201, plan.data
    detail = client.get(_case_url(world)).data
    assert detail["withheld_categories"] == []  # nothing is shown as blocked on a release
    assert "released_under" not in detail and "redisclosure_notice" not in detail


def test_r13_the_young_person_revokes_in_the_portal_and_the_partner_loses_access(
    world, api_for, person
):
    consent = grant_consent(world.case, world.partner, ["identity"], by=world.advocate)
    partner = api_for(world.partner_staff)
    assert partner.get(_case_url(world)).status_code == 200

    response = api_for(world.young_person).post(
        _url("revoke", consent), {"channel": "staff_spoken"}
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "revoked"
    assert response.data["revocation_channel"] == "portal"
    assert partner.get(_case_url(world)).status_code == 404
    assert partner.get(reverse("person-detail", kwargs={"pk": person.pk})).status_code == 404


def test_r13_staff_record_a_spoken_withdrawal_with_its_channel(world, api_for):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    client = api_for(world.advocate)

    missing = client.post(_url("revoke", consent), {})
    response = client.post(_url("revoke", consent), {"channel": "staff_spoken", "reason": "Call"})

    assert missing.status_code == 400 and "channel" in missing.data
    assert response.data["status"] == "revoked"
    assert response.data["revocation_channel"] == "staff_spoken"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_r13_r24_a_withdrawal_and_its_access_event_commit_in_one_transaction(world, api_for):
    """Access ends and the log records who ended it in the same commit: neither can be
    there without the other, and a revoke costs one flush to disk, not two (issue 20)."""
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    client = api_for(world.advocate)
    logged = AccessEvent.objects.filter(case_id=world.case.pk, user_id=world.advocate.pk)
    before = logged.count()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(_url("revoke", consent), {"channel": "staff_spoken"})

    assert response.status_code == 200, response.data
    assert [q["sql"] for q in queries].count("COMMIT") == 1
    assert logged.count() == before + 1
    assert logged.latest("id").action == "edit"


def test_r17_r19_a_partner_sees_only_the_consented_categories_and_is_told_the_rest(
    world, api_for, person
):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    partner = api_for(world.partner_staff)

    case = partner.get(_case_url(world))
    listed = partner.get(reverse("case-list")).data["results"]

    assert case.status_code == 200
    assert "person" not in case.data and "care_team" not in case.data and "flags" not in case.data
    assert case.data["withheld_categories"] == [
        "identity",
        "contact",
        "notes",
        "documents",
        "family",
    ]
    assert case.data["released_under"] == [
        {"consent": consent.pk, "purpose": consent.purpose, "categories": ["plan"]}
    ]
    assert [row["id"] for row in listed] == [world.case.pk]
    assert "person" not in listed[0]
    for secret in ("Zephyrine", "Quillfeather", "0199", "Staff-only", "Shared note"):
        assert secret not in str(case.content) + str(listed)
    assert partner.get(reverse("person-detail", kwargs={"pk": person.pk})).status_code == 404
    assert partner.get(reverse("person-safe-contact", kwargs={"pk": person.pk})).status_code == 404
    assert partner.get(reverse("family-member-list")).data["results"] == []
    assert partner.get(reverse("note-list")).data["results"] == []


def test_r17_identity_released_shows_the_person_but_not_contact_details(world, api_for, person):
    grant_consent(world.case, world.partner, ["identity"], by=world.advocate)
    partner = api_for(world.partner_staff)

    case = partner.get(_case_url(world)).data
    detail = partner.get(reverse("person-detail", kwargs={"pk": person.pk})).data

    assert case["person"]["alias"] == "Zephyrine"
    assert detail["legal_name"] == "Zephyrine Quillfeather"
    assert "has_portal_login" not in detail
    assert "0199" not in str(case) + str(detail)
    assert partner.get(reverse("person-safe-contact", kwargs={"pk": person.pk})).status_code == 404


def test_r19_released_notes_leave_out_staff_only_notes_and_staff_details(world, api_for, person):
    grant_consent(world.case, world.partner, ["notes"], by=world.advocate)

    notes = api_for(world.partner_staff).get(reverse("note-list")).data["results"]

    assert [n["body"] for n in notes] == ["Shared note about school"]
    assert "author_detail" not in notes[0] and "staff_only" not in notes[0]


def test_r19_a_partner_sees_only_the_approved_plan_version(world, api_for):
    plan = world.case.plan
    f.PlanVersionFactory(plan=plan, number=1, status=PlanVersion.Status.DRAFT)
    approved = f.PlanVersionFactory(
        plan=plan,
        number=2,
        status=PlanVersion.Status.APPROVED,
        submitted_at=timezone.now(),
        approved_at=timezone.now(),
        approval_channel=PlanVersion.ApprovalChannel.PORTAL,
    )
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    versions = api_for(world.partner_staff).get(reverse("plan-version-list")).data["results"]

    assert [v["id"] for v in versions] == [approved.pk]
    assert "created_by" not in versions[0]


def test_r20_every_partner_response_carries_the_no_redisclosure_notice(world, api_for, person):
    grant_consent(
        world.case, world.partner, ["identity", "contact", "family", "notes"], by=world.advocate
    )
    partner = api_for(world.partner_staff)
    urls = [
        _case_url(world),
        reverse("person-detail", kwargs={"pk": person.pk}),
        reverse("person-safe-contact", kwargs={"pk": person.pk}),
    ]
    lists = [reverse("case-list"), reverse("family-member-list"), reverse("note-list")]

    for url in urls:
        assert partner.get(url).data["redisclosure_notice"] == REDISCLOSURE_NOTICE, url
    for url in lists:
        rows = partner.get(url).data["results"]
        assert rows and all(r["redisclosure_notice"] == REDISCLOSURE_NOTICE for r in rows), url
    assert "redisclosure_notice" not in api_for(world.advocate).get(_case_url(world)).data


def test_r21_a_partner_cannot_refer_onward_or_write_to_the_case(world, api_for, person):
    grant_consent(world.case, world.partner, ["identity", "plan"], by=world.advocate)
    third = f.OrganizationFactory()
    partner = api_for(world.partner_staff)
    body = {
        "case": world.case.pk,
        "to_organization": third.pk,
        "service_type": f.service_type().pk,
        "categories": ["identity"],
    }

    referral = partner.post(reverse("referral-list"), body, format="json")
    consent = partner.post(
        _url("list"), _draft_body(world, recipient=third.pk, categories=["identity"]), format="json"
    )
    note = partner.post(reverse("note-list"), {"case": world.case.pk, "body": "Forwarding"})

    assert (referral.status_code, consent.status_code, note.status_code) == (403, 403, 403)
    assert not Referral.objects.exists()
    assert not Consent.objects.filter(recipient=third).exists()
    # Bodies are encrypted (R37): compare the plaintexts, not the column.
    assert "Forwarding" not in {note.body for note in CaseNote.objects.all()}


def test_a_referral_is_sent_only_under_a_consent_covering_recipient_and_categories(world, api_for):
    client = api_for(world.advocate)
    draft = f.ReferralFactory(
        case=world.case, to_organization=world.partner, categories=["plan", "identity"]
    )
    url = reverse("referral-send", kwargs={"pk": draft.pk})

    none = client.post(url)
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    partial = client.post(url)
    grant_consent(world.case, world.partner, ["identity"], by=world.advocate)
    sent = client.post(url)

    assert none.status_code == 400 and "consent" in none.data
    assert partial.status_code == 400 and "Identity" in partial.data["consent"][0]
    assert "Service plan" not in partial.data["consent"][0]
    assert sent.status_code == 200, sent.data
    assert sent.data["status"] == Referral.Status.SENT


def test_a_consent_to_another_organization_does_not_let_the_referral_go(world, api_for):
    draft = f.ReferralFactory(case=world.case, to_organization=world.partner, categories=["plan"])
    grant_consent(world.case, f.OrganizationFactory(), ["plan"], by=world.advocate)

    response = api_for(world.advocate).post(reverse("referral-send", kwargs={"pk": draft.pk}))

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == Referral.Status.DRAFT


@pytest.mark.parametrize(
    ("language", "words"), [("en", "cannot see anything else"), ("es", "No podrá ver nada más")]
)
def test_the_preview_shows_in_plain_words_and_data_what_the_recipient_would_see(
    world, api_for, person, language, words
):
    client = api_for(world.advocate)
    body = _draft_body(world, categories=["identity", "notes"])
    consent = Consent.objects.get(pk=client.post(_url("list"), body, format="json").data["id"])

    preview = api_for(world.young_person).get(_url("preview", consent), {"language": language})

    assert preview.status_code == 200, preview.data
    assert preview.data["language"] == language
    assert words in preview.data["summary"]
    assert world.partner.name in preview.data["summary"]
    seen = preview.data["recipient_will_see"]
    assert seen["person"]["alias"] == "Zephyrine"
    assert [n["body"] for n in seen["notes"]] == ["Shared note about school"]
    assert "safe_contact" not in seen and "family_members" not in seen
    assert "0199" not in str(seen)
    assert seen["case"]["withheld_categories"] == ["contact", "plan", "documents", "family"]
    assert api_for(world.partner_staff).get(_url("preview", consent)).status_code == 404


def test_the_recipient_reads_the_terms_of_its_consent_but_not_the_signatures(world, api_for):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)

    response = api_for(world.partner_staff).get(_url("detail", consent))
    mine = api_for(world.partner_staff).get(_url("list")).data["results"]

    assert response.status_code == 200
    assert response.data["categories"] == ["plan"]
    assert response.data["redisclosure_notice"] == REDISCLOSURE_NOTICE
    assert "signatures" not in response.data
    assert [row["id"] for row in mine] == [consent.pk]


def test_r14_an_expired_consent_reads_expired_before_the_sweep_runs(world, api_for):
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    consent.starts_at = timezone.now() - timedelta(days=30)
    consent.expires_at = timezone.now() - timedelta(seconds=1)
    store(consent)  # the sweep has not run: the row still says active

    detail = api_for(world.advocate).get(_url("detail", consent)).json()
    listed = api_for(world.advocate).get(_url("list"), {"case": world.case.pk}).json()

    assert detail["status"] == "expired"
    assert [row["status"] for row in listed["results"]] == ["expired"]
