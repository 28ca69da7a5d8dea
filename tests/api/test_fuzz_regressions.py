"""What the schema fuzzer (tests/fuzz) found, one test each: every 500 is now a 400 with the
field named or a 404, and every response the schema refused is now documented as it is sent
(blank choices, empty links, fields a partner is not shown)."""

import pytest
from django.utils import timezone

from cases.categories import DATA_CATEGORIES
from cases.models import PlanVersion
from tests import factories as f
from tests.consents import grant_consent
from tests.fuzz.conformance import assert_matches_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(world):
    """The world with a consent in force releasing every category to the partner."""
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    return world


# -- Server errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["activate", "close", "reopen"])
def test_a_case_id_that_is_not_a_number_is_not_found(world, api_for, action):
    # Was a 500: the view converted the id with int() before asking the policy.
    response = api_for(world.advocate).post(f"/api/v1/cases/false/{action}/", {})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases/99999999999999999999/",
        "/api/v1/cases/99999999999999999999/history/",
        "/api/v1/people/99999999999999999999/",
    ],
)
def test_an_id_beyond_the_databases_range_is_not_found(world, api_for, url):
    # Was a 500: the policy queried, and the access log recorded, an id the driver overflowed.
    response = api_for(world.advocate).get(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/follow-ups/?organization=-3.99e%2B255", "organization"),
        ("/api/v1/notes/?case=99999999999999999999", "case"),
        ("/api/v1/referrals/?case=1.5", "case"),
        ("/api/v1/cases/?care_team_member=0", "care_team_member"),
    ],
)
def test_an_id_filter_that_is_no_record_id_is_a_field_error(world, api_for, url, field):
    # Was a 500 on SQLite: ids were decimals, and 1e255 overflowed the driver.
    response = api_for(world.advocate).get(url)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_contact_dated_before_1900_is_a_field_error(world, api_for):
    # Was a 201 whose occurred_at came back with a local mean time offset (-05:50:36) that
    # breaks the documented date-time.
    response = api_for(world.advocate).post(
        "/api/v1/contacts/",
        {
            "case": world.case.pk,
            "channel": "email",
            "outcome": "reached",
            "occurred_at": "0964-09-09T17:52:39Z",
        },
    )

    assert response.status_code == 400
    assert list(response.json()) == ["occurred_at"]


def test_the_young_person_filters_follow_ups_by_case_and_finds_none(world, api_for):
    # Was a 500: the empty follow-up list of someone with no queue lacked the annotation the
    # case filter reads.
    response = api_for(world.young_person).get(f"/api/v1/follow-ups/?case={world.case.pk}")

    assert response.status_code == 200
    assert response.json()["results"] == []


# -- Responses the schema refused ---------------------------------------------------------------


def test_an_open_case_has_a_blank_closed_reason_the_schema_allows(world, api_for):
    response = api_for(world.advocate).get(f"/api/v1/cases/{world.case.pk}/")

    assert response.json()["closed_reason"] == ""
    assert_matches_schema(response, "get", "/api/v1/cases/{id}/")


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/people/"])
def test_a_partner_reads_lists_without_lead_only_fields_as_documented(shared, api_for, path):
    response = api_for(shared.partner_staff).get(path)

    [row] = response.json()["results"]
    assert "care_team" not in row and "has_portal_login" not in row.get("person", row)
    assert_matches_schema(response, "get", path)


def test_consents_before_revocation_and_the_recipients_view_are_documented(shared, api_for):
    own = api_for(shared.young_person).get("/api/v1/consents/")
    consent_id = own.json()["results"][0]["id"]
    recipients = api_for(shared.partner_staff).get(f"/api/v1/consents/{consent_id}/")

    assert own.json()["results"][0]["revocation_channel"] == ""
    assert "activated_at" not in recipients.json()
    assert_matches_schema(own, "get", "/api/v1/consents/")
    assert_matches_schema(recipients, "get", "/api/v1/consents/{id}/")


def test_a_planned_service_without_provider_or_responsible_is_documented(world, api_for):
    service = f.PlannedServiceFactory(goal=f.GoalFactory(plan=world.case.plan))

    response = api_for(world.advocate).get(f"/api/v1/planned-services/{service.pk}/")

    assert response.json()["provider_name"] is None
    assert response.json()["responsible_detail"] is None
    assert_matches_schema(response, "get", "/api/v1/planned-services/{id}/")


def test_a_flag_not_yet_cleared_is_documented(world, api_for):
    flag = f.FlagFactory(case=world.case, raised_by=world.advocate)

    response = api_for(world.advocate).get(f"/api/v1/flags/{flag.pk}/")

    assert response.json()["cleared_by_detail"] is None
    assert_matches_schema(response, "get", "/api/v1/flags/{id}/")


def test_a_draft_plan_version_and_the_partners_approved_one_are_documented(shared, api_for):
    draft = f.PlanVersionFactory(plan=shared.case.plan, number=1)
    now = timezone.now()
    approved = f.PlanVersionFactory(
        plan=shared.case.plan,
        number=2,
        status=PlanVersion.Status.APPROVED,
        submitted_at=now,
        approved_at=now,
        approval_channel=PlanVersion.ApprovalChannel.PORTAL,
    )

    leads = api_for(shared.advocate).get(f"/api/v1/plan-versions/{draft.pk}/")
    partners = api_for(shared.partner_staff).get(f"/api/v1/plan-versions/{approved.pk}/")

    assert leads.json()["approval_channel"] == ""
    assert "approval_channel" not in partners.json()
    assert_matches_schema(leads, "get", "/api/v1/plan-versions/{id}/")
    assert_matches_schema(partners, "get", "/api/v1/plan-versions/{id}/")


def test_referrals_and_transfers_as_sender_and_receiver_are_documented(world, api_for):
    referral = f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    transfer = f.CaseTransferFactory(case=world.case, to_organization=world.partner)

    for user in (world.advocate, world.partner_staff):
        client = api_for(user)
        sent = client.get(f"/api/v1/referrals/{referral.pk}/")
        moved = client.get(f"/api/v1/transfers/{transfer.pk}/")

        assert sent.json()["decline_reason"] == ""
        assert ("case" in moved.json()) is (user == world.advocate)
        assert_matches_schema(sent, "get", "/api/v1/referrals/{id}/")
        assert_matches_schema(moved, "get", "/api/v1/transfers/{id}/")


def test_notification_settings_before_the_first_choice_are_documented(world, api_for):
    response = api_for(world.advocate).get("/api/v1/me/notification-settings/")

    assert response.json()["updated_at"] is None
    assert_matches_schema(response, "get", "/api/v1/me/notification-settings/")


def test_safe_hours_are_local_times_without_an_offset_as_documented(world, api_for):
    """The fuzzer sent ``13:52:46.04Z``: the rule kept it and answered a time the schema's
    ``time`` format refused. Safe hours follow the young person's zone (R29): no offset."""
    client = api_for(world.advocate)
    url = f"/api/v1/people/{world.case.person_id}/safe-contact/"

    refused = client.put(url, {"safe_hours_start": "13:52:46.04Z"}, format="json")
    kept = client.put(
        url, {"safe_hours_start": "08:30", "safe_hours_end": "20:00:00"}, format="json"
    )

    assert refused.status_code == 400 and "time zone" in refused.json()["safe_hours_start"][0]
    assert kept.status_code == 200, kept.json()
    assert (kept.json()["safe_hours_start"], kept.json()["safe_hours_end"]) == ("08:30", "20:00")
    assert_matches_schema(kept, "put", "/api/v1/people/{id}/safe-contact/")


def test_a_partner_reads_safe_contact_and_notes_without_lead_only_fields(shared, api_for):
    note = f.CaseNoteFactory(case=shared.case, author=shared.advocate)
    client = api_for(shared.partner_staff)

    rule = client.get(f"/api/v1/people/{shared.case.person_id}/safe-contact/")
    read = client.get(f"/api/v1/notes/{note.pk}/")

    assert "confirmed_by" not in rule.json() and "author" not in read.json()
    assert_matches_schema(rule, "get", "/api/v1/people/{id}/safe-contact/")
    assert_matches_schema(read, "get", "/api/v1/notes/{id}/")
