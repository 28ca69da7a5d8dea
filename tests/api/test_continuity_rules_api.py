"""An organization's admins and supervisors set its numbers for the follow-up rules."""

import pytest
from django.urls import reverse

from tasks.models import ContinuityRules
from tasks.rules import rules_for
from tests.matrix_targets import CONTINUITY_RULES

pytestmark = pytest.mark.django_db

BODY = {**CONTINUITY_RULES, "caseload_limit": 25}


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
        ({"caseload_limit": 0}, "caseload_limit"),
    ],
)
def test_numbers_that_contradict_each_other_are_field_errors_and_nothing_is_saved(
    world, api_for, change, field
):
    response = api_for(world.org_admin).put(_url(world), {**BODY, **change}, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert not ContinuityRules.objects.exists()


def test_the_caseload_limit_reads_25_until_the_organization_sets_its_own(world, api_for):
    assert api_for(world.supervisor).get(_url(world)).data["caseload_limit"] == 25


def test_the_admin_sets_the_caseload_limit_and_the_rules_keep_it(world, api_for):
    response = api_for(world.org_admin).put(
        _url(world), {**BODY, "caseload_limit": 12}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data["caseload_limit"] == 12
    assert rules_for(world.lead).caseload_limit == 12


def test_a_put_without_the_caseload_limit_keeps_the_one_set_before(world, api_for):
    api_for(world.org_admin).put(_url(world), {**BODY, "caseload_limit": 12}, format="json")

    response = api_for(world.org_admin).put(_url(world), CONTINUITY_RULES, format="json")

    assert response.status_code == 200, response.data
    assert rules_for(world.lead).caseload_limit == 12


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"caseload_limit": 0}, "caseload_limit", "At least one case."),
        ({"plan_review_days": 0}, "plan_review_days", "At least one day."),
        (
            {"referral_escalation_business_days": 2},
            "referral_escalation_business_days",
            "A referral is answered first, then escalated, then expires",
        ),
    ],
)
def test_a_refused_number_is_explained_in_words_of_its_own_unit(
    world, api_for, change, field, message
):
    response = api_for(world.org_admin).put(_url(world), {**BODY, **change}, format="json")

    assert str(response.data[field][0]).startswith(message)
