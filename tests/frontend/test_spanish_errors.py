"""A Spanish-speaking staff member reads the services' error messages in Spanish on the pages."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent.models import Consent, ConsentPurpose
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_spanish_speaking_advocate_sees_the_consent_services_message_in_spanish(
    world: World,
) -> None:
    world.advocate.preferred_language = "es"
    world.advocate.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(world.advocate)
    today = timezone.localdate()

    # The form accepts both dates; consent.services.term_errors refuses the period.
    response = client.post(
        reverse("frontend:consent-request", kwargs={"case_id": world.case.pk}),
        {
            "recipient": world.partner.pk,
            "categories": ["plan", "contact"],
            "purpose": ConsentPurpose.REFERRAL,
            "purpose_text": "",
            "starts_on": today.isoformat(),
            "expires_on": (today - timedelta(days=1)).isoformat(),
            "language": "es",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == [
        "El vencimiento debe ser posterior al inicio."
    ]
    assert "El vencimiento debe ser posterior al inicio." in response.content.decode()
    assert "The expiry must come after the start." not in response.content.decode()
    assert not Consent.objects.exists()
