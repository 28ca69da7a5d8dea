"""Staff read dates in their organization's time zone, not the installation's (issue 19, 5).

The installation runs on America/Chicago. 23:30 on 6 December in Chicago is 05:30 UTC on the
7th: 14:30 on 7 December in Tokyo, 19:30 on 6 December in Honolulu.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from consent.policy import Viewer, viewer_for
from frontend.middleware import staff_time_zone
from providers.models import Membership, MembershipChange
from tasks.models import ContinuityRules, RetentionRun
from tasks.rules import organization_time_zone
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TOKYO = ZoneInfo("Asia/Tokyo")
HONOLULU = ZoneInfo("Pacific/Honolulu")
LATE_EVENING_IN_CHICAGO = datetime(2026, 12, 6, 23, 30, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def _installation_in_chicago(settings) -> None:
    settings.TIME_ZONE = "America/Chicago"


def _shown(moment: datetime, zone: ZoneInfo, format_name: str) -> str:
    with translation.override("en"):
        return formats.date_format(moment.astimezone(zone), format_name)


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _case_page(world: World, user: object) -> str:
    url = reverse("frontend:case", kwargs={"case_id": world.case.pk})
    response = _client(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def late_contact(world: World) -> datetime:
    f.ContactFactory(case=world.case, staff=world.advocate, occurred_at=LATE_EVENING_IN_CHICAGO)
    return LATE_EVENING_IN_CHICAGO


def test_the_advocate_reads_the_contact_in_the_organizations_time_zone(world, late_contact):
    ContinuityRules.objects.create(organization=world.lead, time_zone="Asia/Tokyo")

    page = _case_page(world, world.advocate)

    assert _shown(late_contact, TOKYO, "DATETIME_FORMAT") in page  # 7 December, 2:30 p.m.
    assert _shown(late_contact, CHICAGO, "DATETIME_FORMAT") not in page


def test_an_organization_without_its_own_zone_reads_the_installations(world, late_contact):
    page = _case_page(world, world.advocate)

    assert _shown(late_contact, CHICAGO, "DATETIME_FORMAT") in page  # 6 December, 11:30 p.m.


def test_a_change_of_the_organizations_zone_shows_on_the_next_page(world, late_contact):
    rules = ContinuityRules.objects.create(organization=world.lead, time_zone="Asia/Tokyo")
    client = _client(world.advocate)
    url = reverse("frontend:case", kwargs={"case_id": world.case.pk})
    client.get(url)

    rules.time_zone = "Pacific/Honolulu"
    rules.save()

    assert _shown(late_contact, HONOLULU, "DATETIME_FORMAT") in client.get(url).content.decode()


# --- several organizations ---------------------------------------------------------------------


@pytest.fixture
def two_zones(world: World) -> World:
    """The lead ("Lead Community Org") in Tokyo, the partner ("Partner Housing") in Honolulu."""
    ContinuityRules.objects.create(organization=world.lead, time_zone="Asia/Tokyo")
    ContinuityRules.objects.create(organization=world.partner, time_zone="Pacific/Honolulu")
    return world


def test_staff_of_several_organizations_read_the_first_by_name_where_none_is_named(
    two_zones, late_contact
):
    world = two_zones
    # The partner role came first: the order of joining does not decide, the name does.
    advocate = f.MembershipFactory(organization=world.partner, role="advocate").user
    f.MembershipFactory(user=advocate, organization=world.lead, role="advocate")
    f.CareTeamMemberFactory(case=world.case, user=advocate, role="secondary")

    page = _case_page(world, advocate)

    assert _shown(late_contact, TOKYO, "DATETIME_FORMAT") in page
    assert _shown(late_contact, HONOLULU, "DATETIME_FORMAT") not in page


def test_a_page_naming_one_of_their_organizations_reads_its_zone(two_zones):
    world = two_zones
    Membership.objects.create(user=world.org_admin, organization=world.partner, role="org_admin")
    with time_machine.travel(LATE_EVENING_IN_CHICAGO, tick=False):
        for organization in (world.lead, world.partner):
            MembershipChange.objects.create(
                organization=organization,
                member=world.advocate,
                action=MembershipChange.Action.ADDED,
                to_role="advocate",
                to_active=True,
            )
    client = _client(world.org_admin)
    page = reverse("frontend:organization")

    named = client.get(page, {"organization": world.partner.pk}).content.decode()
    unnamed = client.get(page).content.decode()

    short = "SHORT_DATETIME_FORMAT"
    assert _shown(LATE_EVENING_IN_CHICAGO, HONOLULU, short) in named
    assert _shown(LATE_EVENING_IN_CHICAGO, TOKYO, short) not in named
    assert _shown(LATE_EVENING_IN_CHICAGO, TOKYO, short) in unnamed


def test_an_organization_named_in_the_path_decides_too(two_zones):
    world = two_zones
    Membership.objects.create(user=world.org_admin, organization=world.partner, role="org_admin")
    RetentionRun.objects.create(started_at=LATE_EVENING_IN_CHICAGO)
    client = _client(world.org_admin)

    def retention(organization: object) -> str:
        url = reverse(
            "frontend:organization-retention", kwargs={"organization_id": organization.pk}
        )
        return client.get(url).content.decode()

    short = "SHORT_DATETIME_FORMAT"
    assert _shown(LATE_EVENING_IN_CHICAGO, HONOLULU, short) in retention(world.partner)
    assert _shown(LATE_EVENING_IN_CHICAGO, TOKYO, short) in retention(world.lead)


def test_an_organization_they_do_not_work_at_does_not_decide() -> None:
    viewer = Viewer(
        user_id=1,
        roles={1: frozenset({"advocate"}), 2: frozenset({"advocate"})},
        organization_time_zones={2: "Asia/Tokyo", 1: "Pacific/Honolulu"},  # name order
    )

    assert staff_time_zone(viewer, None) == "Asia/Tokyo"
    assert staff_time_zone(viewer, 1) == "Pacific/Honolulu"
    assert staff_time_zone(viewer, 99) == "Asia/Tokyo"
    assert staff_time_zone(Viewer(user_id=1), None) == ""


# --- what it costs -----------------------------------------------------------------------------


def test_the_zones_come_in_the_viewers_one_query(two_zones, django_assert_num_queries):
    world = two_zones
    f.MembershipFactory(user=world.advocate, organization=world.partner, role="advocate")
    other = f.OrganizationFactory(name="Aardvark Shelter")  # no rules of its own
    f.MembershipFactory(user=world.advocate, organization=other, role="intake")

    with django_assert_num_queries(1):
        viewer = viewer_for(world.advocate, organization_time_zone=organization_time_zone())

    assert list(viewer.organization_time_zones.items()) == [
        (other.pk, ""),
        (world.lead.pk, "Asia/Tokyo"),
        (world.partner.pk, "Pacific/Honolulu"),
    ]
