"""The consent export routes: FHIR, receipt JSON and printable receipt (R16, R20, R38, R39)."""

import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.consent import Consent as FhirConsent

from consent.models import Consent
from consent.permissions import sync_case_permissions
from consent.policy import access_case, viewer_for
from tests import factories as f
from tests.consents import store

pytestmark = pytest.mark.django_db

ROUTES = ("consent-fhir", "consent-receipt", "consent-receipt-html")


@pytest.fixture
def consent(world) -> Consent:
    person = world.case.person
    person.legal_name, person.alias = "Rosalind Quintero", "Roz"
    person.save()
    return f.ConsentFactory(case=world.case, recipient=world.partner, categories=["plan"])


def _url(name: str, consent: Consent) -> str:
    return reverse(name, kwargs={"pk": consent.pk})


def test_r39_young_person_gets_their_own_receipt(world, api_for, consent):
    response = api_for(world.young_person).get(_url("consent-receipt", consent))

    assert response.status_code == 200
    assert response.json()["consentReceiptID"] == str(consent.receipt_id)
    assert response.json()["piiPrincipalId"] == str(consent.principal_id)


def test_r38_fhir_route_returns_a_valid_r4_consent(world, api_for, consent):
    response = api_for(world.advocate).get(_url("consent-fhir", consent))

    assert response.status_code == 200
    assert FhirConsent.model_validate(response.json()).status == "active"


def test_r39_printable_receipt_is_html_without_the_young_persons_name(world, api_for, consent):
    response = api_for(world.young_person).get(_url("consent-receipt-html", consent))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert str(consent.receipt_id) in page
    for secret in ("Rosalind", "Quintero", "Roz"):
        assert secret not in page


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("persona", ["advocate", "supervisor", "young_person"])
def test_lead_bases_read_every_export(world, api_for, consent, name, persona):
    response = api_for(getattr(world, persona)).get(_url(name, consent))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ROUTES)
def test_partner_staff_get_404_even_while_the_consent_lets_them_see_the_case(
    world, api_for, consent, name
):
    sync_case_permissions(world.case.pk)
    assert access_case(viewer=viewer_for(world.partner_staff), case_id=world.case.pk)

    response = api_for(world.partner_staff).get(_url(name, consent))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("persona", ["other_advocate", "org_admin", "other_young_person"])
def test_people_without_a_lead_basis_get_404(world, api_for, consent, name, persona):
    response = api_for(getattr(world, persona)).get(_url(name, consent))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["consent-receipt", "consent-receipt-html"])
@pytest.mark.parametrize("status", [Consent.Status.DRAFT, Consent.Status.PENDING_SIGNATURE])
def test_a_consent_not_yet_signed_has_no_receipt(world, api_for, name, status):
    draft = f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        status=status,
        activated_at=None,
        signatures=False,
    )

    response = api_for(world.advocate).get(_url(name, draft))

    assert response.status_code == 404
    assert "no receipt yet" in response.content.decode()


@pytest.mark.parametrize(
    ("status", "fhir_status"),
    [(Consent.Status.DRAFT, "draft"), (Consent.Status.PENDING_SIGNATURE, "proposed")],
)
def test_r38_a_consent_not_yet_signed_exports_to_fhir_as_draft_or_proposed(
    world, api_for, status, fhir_status
):
    unsigned = f.ConsentFactory(
        case=world.case,
        recipient=world.partner,
        status=status,
        activated_at=None,
        signatures=False,
    )

    response = api_for(world.advocate).get(_url("consent-fhir", unsigned))

    assert response.status_code == 200
    assert FhirConsent.model_validate(response.json()).status == fhir_status
    assert "dateTime" not in response.json()


@pytest.mark.parametrize("status", [Consent.Status.DRAFT, Consent.Status.PENDING_SIGNATURE])
def test_r38_an_unsigned_consent_stays_404_for_partner_staff(world, api_for, status):
    unsigned = f.ConsentFactory(
        case=world.case, recipient=world.partner, status=status, activated_at=None
    )

    response = api_for(world.partner_staff).get(_url("consent-fhir", unsigned))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "accept", ["application/fhir+json", "application/fhir+json; fhirVersion=4.0"]
)
def test_r38_fhir_route_serves_fhir_json_when_asked(world, api_for, consent, accept):
    response = api_for(world.advocate).get(_url("consent-fhir", consent), HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert FhirConsent.model_validate(json.loads(response.content)).status == "active"


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_r38_fhir_route_serves_plain_json_otherwise(world, api_for, consent, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = api_for(world.advocate).get(_url("consent-fhir", consent), **headers)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert FhirConsent.model_validate(response.json()).status == "active"


def test_r38_harbor_codes_and_extension_use_the_installations_canonical_urls(
    world, api_for, consent, settings
):
    settings.HARBOR = {**settings.HARBOR, "SITE_URL": "https://harbor.lakeshore.org/"}

    resource = api_for(world.advocate).get(_url("consent-fhir", consent)).json()

    (extension,) = resource["extension"]
    (permit,) = resource["provision"]["provision"]
    urls = [extension["url"], *(c["system"] for c in permit["class"])]
    urls += [c["system"] for c in permit["purpose"] if "v3-ActReason" not in c["system"]]
    assert extension["url"] == (
        "https://harbor.lakeshore.org/fhir/StructureDefinition/redisclosure-notice"
    )
    assert "https://harbor.lakeshore.org/fhir/CodeSystem/data-category" in urls
    assert "https://harbor.lakeshore.org/fhir/CodeSystem/consent-purpose" in urls
    assert all(url.startswith("https://harbor.lakeshore.org/fhir/") for url in urls)
    assert "harbor.example" not in json.dumps(resource)


def test_r16_revoked_consent_keeps_its_receipt_showing_the_revocation(world, api_for, consent):
    consent.status = Consent.Status.REVOKED
    consent.revoked_at = consent.starts_at
    consent.revocation_channel = "staff_spoken"
    consent.revoked_by = world.advocate
    store(consent)
    client = api_for(world.young_person)

    receipt = client.get(_url("consent-receipt", consent)).json()
    fhir = client.get(_url("consent-fhir", consent)).json()

    assert receipt["status"] == "revoked"
    assert receipt["revokedAt"] == int(consent.revoked_at.timestamp())
    assert fhir["status"] == "inactive"


def test_an_unknown_consent_is_404(world, api_for):
    response = api_for(world.advocate).get(reverse("consent-receipt", kwargs={"pk": 999999}))

    assert response.status_code == 404
