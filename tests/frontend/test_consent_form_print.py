"""The printable consent form (R45): the preview's own words in English or Spanish, the terms,
how to withdraw, the no-redisclosure notice and a signature line for every required signer."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import FamilyMember, Person
from consent.models import Consent, ConsentPurpose
from consent.preview import plain_preview
from consent.services import draft_consent, submit_for_signature
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def consent_of(world: World, *, submit: bool = True, **terms: object) -> Consent:
    consent = draft_consent(
        case=world.case,
        recipient=world.partner,
        categories=["plan", "contact"],
        purpose=ConsentPurpose.REFERRAL,
        actor=world.advocate,
        **{
            "starts_at": timezone.now(),
            "expires_at": timezone.now() + timedelta(days=30),
            **terms,
        },
    )
    return submit_for_signature(consent=consent, actor=world.advocate) if submit else consent


def form_url(world: World, consent: Consent, language: str = "en") -> str:
    kwargs = {"case_id": world.case.pk, "consent_id": consent.pk}
    return reverse("frontend:consent-form", kwargs=kwargs) + f"?language={language}"


def form_page(world: World, consent: Consent, language: str = "en", user: User | None = None):
    return signed_in(user or world.advocate).get(form_url(world, consent, language))


def make_adult(person: Person) -> None:
    person.birth_date = date(timezone.now().year - 25, 3, 9)
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.save()


@pytest.mark.parametrize("language", ["en", "es"])
def test_r45_the_form_carries_the_previews_words_in_its_language(
    world: World, language: str
) -> None:
    consent = consent_of(world)
    response = form_page(world, consent, language)
    assert response.status_code == 200
    body = response.content.decode()
    preview = plain_preview(consent, language)
    assert preview.summary in body
    for words in preview.shared + preview.not_shared:
        assert words in body
    assert preview.withdrawal in body
    assert preview.redisclosure_notice in body
    assert f'lang="{language}"' in body


def test_r45_the_spanish_form_names_its_headings_in_spanish(world: World) -> None:
    body = form_page(world, consent_of(world), "es").content.decode()
    assert "Cómo retirar este permiso" in body
    assert "Firma" in body
    assert "El/la joven" in body


def test_r45_the_form_names_the_recipient_categories_and_purpose(world: World) -> None:
    response = form_page(world, consent_of(world))
    body = response.content.decode()
    assert f'<dd class="recipient">{world.partner.name}</dd>' in body
    assert len(response.context["categories"]) == 2
    for label in response.context["categories"]:
        assert f"<li>{label}</li>" in body
    assert "to refer you to a service" in body


def test_r45_the_dates_are_the_young_persons_days(world: World) -> None:
    person = world.case.person
    person.time_zone = "Pacific/Kiritimati"  # UTC+14: late in the UTC day is the next day there
    person.save()
    starts = datetime(2031, 5, 1, 20, 0, tzinfo=UTC)
    consent = consent_of(
        world, submit=False, starts_at=starts, expires_at=starts + timedelta(days=30)
    )
    response = form_page(world, consent)
    body = response.content.decode()
    assert "May 2, 2031" in body
    assert "June 1, 2031" in body
    assert "2031-05-02" in body  # the preview's summary, the same day


def test_r45_a_minors_form_has_a_line_for_the_young_person_and_a_parent(world: World) -> None:
    response = form_page(world, consent_of(world))
    body = response.content.decode()
    assert body.count('class="signature-line"') == 2
    assert "The young person" in body
    assert "One parent, legal guardian or legal custodian" in body


def test_r45_an_adults_form_has_one_line(world: World) -> None:
    make_adult(world.case.person)
    response = form_page(world, consent_of(world))
    assert response.content.decode().count('class="signature-line"') == 1


def test_r45_an_adult_with_a_court_appointed_guardian_has_the_guardians_line(
    world: World,
) -> None:
    make_adult(world.case.person)
    f.FamilyMemberFactory(
        person=world.case.person,
        relation=FamilyMember.Relation.LEGAL_GUARDIAN,
        is_court_appointed=True,
        contact_is_safe=True,
    )
    body = form_page(world, consent_of(world)).content.decode()
    assert body.count('class="signature-line"') == 2
    assert "The court-appointed guardian" in body


def test_r45_a_draft_is_printed_under_the_rule_it_would_be_submitted_with(world: World) -> None:
    consent = consent_of(world, submit=False)
    assert consent.status == Consent.Status.DRAFT
    body = form_page(world, consent).content.decode()
    assert body.count('class="signature-line"') == 2


def test_r45_the_consent_page_links_to_the_form_in_both_languages(world: World) -> None:
    consent = consent_of(world)
    kwargs = {"case_id": world.case.pk, "consent_id": consent.pk}
    body = signed_in(world.advocate).get(reverse("frontend:consent-detail", kwargs=kwargs))
    text = body.content.decode()
    assert "Print the consent form" in text
    assert form_url(world, consent, "en") in text
    assert form_url(world, consent, "es") in text


def test_r45_the_form_prints_cleanly(world: World) -> None:
    body = form_page(world, consent_of(world)).content.decode()
    assert "css/consent-form.css" in body
    assert 'class="no-print"' in body


@pytest.mark.parametrize(
    "persona", ["partner_staff", "young_person", "other_advocate", "intake", "org_admin"]
)
def test_r45_partners_the_young_person_and_other_staff_get_404(world: World, persona: str) -> None:
    response = form_page(world, consent_of(world), user=getattr(world, persona))
    assert response.status_code == 404


def test_r45_the_supervisor_of_the_lead_organization_may_print_it(world: World) -> None:
    assert form_page(world, consent_of(world), user=world.supervisor).status_code == 200


def test_r45_a_signed_consent_has_a_receipt_not_a_form_to_sign(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    assert form_page(world, consent).status_code == 404
