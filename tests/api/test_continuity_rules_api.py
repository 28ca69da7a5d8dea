"""An organization's admins and supervisors set its numbers for the follow-up rules."""

import pytest
from django.urls import reverse

from tasks.models import ContinuityRules
from tasks.rules import rules_for
from tests.matrix_targets import CONTINUITY_RULES

pytestmark = pytest.mark.django_db

BODY = CONTINUITY_RULES


def _url(world) -> str:
    return reverse("organization-continuity-rules", kwargs={"pk": world.lead.pk})


def test_an_organization_without_its_own_numbers_reads_the_defaults(world, api_for):
    response = api_for(world.supervisor).get(_url(world))

    assert response.status_code == 200
    assert response.data["referral_answer_business_days"] == 2
    assert response.data["plan_review_days"] == 90
    assert not ContinuityRules.objects.exists()  # reading writes nothing


def test_the_admin_sets_the_numbers_and_the_rules_use_them(world, api_for):
    response = api_for(world.org_admin).put(_url(world), BODY, format="json")

    assert response.status_code == 200, response.data
    rules = rules_for(world.lead)
    assert (rules.referral_answer_business_days, rules.time_zone) == (3, "America/Denver")
    assert api_for(world.supervisor).get(_url(world)).data == BODY


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"referral_escalation_business_days": 2}, "referral_escalation_business_days"),
        ({"plan_review_days": 0}, "plan_review_days"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_numbers_that_contradict_each_other_are_field_errors_and_nothing_is_saved(
    world, api_for, change, field
):
    response = api_for(world.org_admin).put(_url(world), {**BODY, **change}, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert not ContinuityRules.objects.exists()
