"""R44 through the API: every changeable record answers with an ETag; a change sent with the
ETag of an older version gets 412 and changes nothing; the current one goes through. Without
If-Match a change applies as before. A forbidden record answers a stale If-Match as a missing
one, so the header is no existence oracle."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.services import draft_consent
from tests.conftest import World
from tests.matrix_targets import TARGETS

pytestmark = pytest.mark.django_db

# route, who changes it, method, a second body that changes the record again
ROUTES = [
    ("person-detail", "advocate", "patch", {"pronouns": "they/them"}),
    ("person-safe-contact", "advocate", "put", {"allowed_channels": ["in_person"]}),
    ("family-member-detail", "advocate", "patch", {"notes": "changed again"}),
    ("goal-detail", "advocate", "patch", {"description": "changed again"}),
    ("planned-service-detail", "advocate", "patch", {"expected_contact_days": 9}),
    ("consent-detail", "advocate", "patch", {"categories": ["plan"]}),
    ("organization-continuity-rules", "supervisor", "put", {"caseload_limit": 12}),
    ("directory-service-detail", "org_admin", "patch", {"waitlist_weeks": 5}),
    ("note-detail", "advocate", "patch", {"body": "changed again"}),
    ("system-involvement-detail", "advocate", "patch", {"note": "changed again"}),
]


def _draft_consent(world: World) -> int:
    """Only a draft's terms change (R12): the world's consents are past that."""
    return draft_consent(
        case=world.case,
        recipient=world.partner,
        categories=["identity", "plan"],
        purpose="referral",
        starts_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=90),
        actor=world.advocate,
    ).pk


RECORDS = {"consent-detail": _draft_consent}


def _url(name: str, world: World) -> str:
    pk = RECORDS.get(name, TARGETS[name].pk)(world)
    return reverse(name, kwargs={"pk": pk})


def _body(name: str, world: World, extra: dict | None = None) -> dict:
    return {**TARGETS[name].payload(world), **(extra or {})}


@pytest.mark.parametrize(("name", "persona", "method", "again"), ROUTES)
def test_r44_a_change_from_a_stale_version_is_refused_and_changes_nothing(
    world: World, api_for, name: str, persona: str, method: str, again: dict
) -> None:
    client = api_for(getattr(world, persona))
    url = _url(name, world)
    read = client.get(url)
    old_tag = read["ETag"]

    first = getattr(client, method)(url, _body(name, world), format="json", HTTP_IF_MATCH=old_tag)
    after_first = client.get(url)
    stale = getattr(client, method)(
        url, _body(name, world, again), format="json", HTTP_IF_MATCH=old_tag
    )

    assert read.status_code == 200 and old_tag.startswith('"')
    assert first.status_code == 200, first.content
    assert first["ETag"] != old_tag
    assert stale.status_code == 412, stale.content
    assert "changed this record after you read it" in stale.json()["detail"]
    assert client.get(url).content == after_first.content  # nothing of the stale change


@pytest.mark.parametrize(("name", "persona", "method", "again"), ROUTES)
def test_r44_the_current_version_or_no_if_match_goes_through(
    world: World, api_for, name: str, persona: str, method: str, again: dict
) -> None:
    client = api_for(getattr(world, persona))
    url = _url(name, world)
    tag = client.get(url)["ETag"]

    with_tag = getattr(client, method)(url, _body(name, world), format="json", HTTP_IF_MATCH=tag)
    without = getattr(client, method)(url, _body(name, world, again), format="json")

    assert with_tag.status_code == 200, with_tag.content
    assert without.status_code == 200, without.content
    assert without["ETag"] == client.get(url)["ETag"]


def test_r44_a_stale_if_match_on_a_forbidden_record_answers_as_a_missing_one(
    world: World, api_for
) -> None:
    client = api_for(world.partner_staff)
    person = reverse("person-detail", kwargs={"pk": world.case.person_id})
    missing = reverse("person-detail", kwargs={"pk": 10**15})

    forbidden = client.patch(person, {"pronouns": "x"}, format="json", HTTP_IF_MATCH='"stale"')
    absent = client.patch(missing, {"pronouns": "x"}, format="json", HTTP_IF_MATCH='"stale"')

    assert forbidden.status_code == absent.status_code == 404
    assert forbidden.content == absent.content
