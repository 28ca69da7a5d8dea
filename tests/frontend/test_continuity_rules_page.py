"""An organization's continuity rules on a page (issue 18): its supervisors and admins set
them, with the API's rules; anyone else gets 404 and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import ContinuityRules
from tests.conftest import World

pytestmark = pytest.mark.django_db

VALID = {
    "time_zone": "America/Los_Angeles",
    "referral_answer_business_days": "3",
    "referral_escalation_business_days": "6",
    "referral_expiry_business_days": "20",
    "default_contact_days": "10",
    "plan_review_days": "60",
    "consent_renewal_days": "21",
    "overdue_grace_days": "2",
    "caseload_limit": "18",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(world: World) -> str:
    return reverse("frontend:continuity-rules", kwargs={"organization_id": world.lead.pk})


@pytest.mark.parametrize("persona", ["supervisor", "org_admin"])
def test_supervisors_and_admins_set_the_rules(world: World, persona: str) -> None:
    client = _client(getattr(world, persona))

    shown = client.get(_url(world))
    saved = client.post(_url(world), VALID)

    assert shown.status_code == 200 and 'value="2"' in shown.content.decode()  # the defaults
    assert saved.status_code == 302
    rules = ContinuityRules.objects.get(organization=world.lead)
    assert (rules.time_zone, rules.referral_expiry_business_days, rules.caseload_limit) == (
        "America/Los_Angeles",
        20,
        18,
    )


def test_numbers_out_of_order_are_refused_and_nothing_is_saved(world: World) -> None:
    response = _client(world.supervisor).post(
        _url(world), {**VALID, "referral_escalation_business_days": "30"}
    )

    assert response.status_code == 400
    assert "then escalated, then expires" in response.content.decode()
    assert not ContinuityRules.objects.filter(organization=world.lead).exists()


@pytest.mark.parametrize("persona", ["advocate", "partner_staff", "young_person"])
def test_nobody_else_reaches_the_rules(world: World, persona: str) -> None:
    response = _client(getattr(world, persona)).post(_url(world), VALID)

    assert response.status_code == 404
    assert not ContinuityRules.objects.exists()
