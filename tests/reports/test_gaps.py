"""The community gap report ("outstanding supports"): every number of a hand-computed data set,
the outstanding supports it calls, and what R22 withholds (counts only, small cells and their
complements, medians over few waits)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import PlannedService, Referral
from reports.community.gaps import (
    ACCEPTED,
    CLOSED,
    MEDIAN,
    NEEDED,
    WAITING,
    Gap,
    GapFilters,
    GapReport,
    GapRow,
    Period,
    RowKind,
    outstanding_supports,
)
from reports.suppression import suppress
from tests import directory_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

NORTH, SOUTH, EAST = "North County", "South County", "East County"


def this_year() -> Period:
    """The last twelve months up to today, read when a test runs: a period fixed when the
    module was imported would end yesterday for a test that runs after local midnight."""
    return Period.last_twelve_months()


class Community:
    """A lead organization's cases and the providers its referrals went to."""

    def __init__(self) -> None:
        self.lead = f.OrganizationFactory(name="Lead Org")
        self.housing_org = f.OrganizationFactory(name="Housing Org")
        self.legal_org = f.OrganizationFactory(name="Legal Org")
        self.housing = f.service_type("housing")
        self.legal = f.service_type("legal_aid")
        self.counselling = f.service_type("counselling")

    def need(
        self,
        area: str,
        service_type,
        *,
        status: str = PlannedService.Status.PROPOSED,
        lead=None,
    ) -> PlannedService:
        case = f.CaseFactory(lead_organization=lead or self.lead, person=f.PersonFactory(area=area))
        goal = f.GoalFactory(plan=case.plan)
        return f.PlannedServiceFactory(goal=goal, service_type=service_type, status=status)

    def referral(
        self,
        service: PlannedService,
        to,
        status: str,
        *,
        waited_days: float | None = None,
        sent_days_ago: int = 60,
    ) -> Referral:
        sent = timezone.now() - timedelta(days=sent_days_ago)
        answered = sent + timedelta(days=waited_days) if waited_days is not None else None
        return f.ReferralFactory(
            case=service.goal.plan.case,
            planned_service=service,
            to_organization=to,
            service_type=service.service_type,
            status=status,
            sent_at=sent,
            answered_at=answered,
            decline_reason="no_capacity" if status == Referral.Status.DECLINED else "",
        )

    def accepted(self, area: str, service_type, to, waited_days: float) -> PlannedService:
        service = self.need(area, service_type, status=PlannedService.Status.REFERRED)
        self.referral(service, to, Referral.Status.ACCEPTED, waited_days=waited_days)
        return service

    def listing(self, service_type, areas: list[str], *, member=None, **fields) -> None:
        provider = d.DirectoryProviderFactory(member=member)
        service = d.DirectoryServiceFactory(provider=provider, service_type=service_type, **fields)
        for area in areas:
            d.DirectoryServiceAreaFactory(service=service, area=area)


def _values(row: GapRow) -> dict:
    return {name: (None if fig.suppressed else fig.value) for name, fig in row.figures.items()}


def _group(report: GapReport, code: str):
    [group] = [g for g in report.groups if g.service_type.code == code]
    return group


def _rows(report: GapReport, code: str) -> dict[str, GapRow]:
    return {row.label: row for row in _group(report, code).rows}


@pytest.fixture
def community(db: None) -> Community:
    return Community()


@pytest.fixture
def crafted(community: Community) -> Community:
    """The hand-computed data set; every cell at or above the threshold of five.

    housing   North: 10 needs, 7 accepted by a provider listed in North after 1..7 days
                     (median 4), 3 the young person declined before any referral.
              South: 6 needs, 5 accepted by the same provider, which lists no housing in
                     South, after 20, 20, 21, 22, 30 days (median 21); 1 declined.
    legal     South: 5 needs, sent 60 days ago and never answered; the one legal listing in
                     South has a six-week waitlist.
    counselling North: 5 needs whose referrals closed without service, never accepted; no
                     counselling listing anywhere. Area not recorded: 5 needs, not referred.
    """
    c = community
    c.listing(c.housing, [NORTH], member=c.housing_org)
    c.listing(c.legal, [SOUTH], member=c.legal_org, waitlist_weeks=6)
    for days in range(1, 8):
        c.accepted(NORTH, c.housing, c.housing_org, waited_days=days)
    for _ in range(3):
        c.need(NORTH, c.housing, status=PlannedService.Status.DECLINED)
    for days in (20, 20, 21, 22, 30):
        c.accepted(SOUTH, c.housing, c.housing_org, waited_days=days)
    c.need(SOUTH, c.housing, status=PlannedService.Status.DECLINED)
    for _ in range(5):
        service = c.need(SOUTH, c.legal, status=PlannedService.Status.REFERRED)
        c.referral(service, c.legal_org, Referral.Status.SENT)
    for _ in range(5):
        service = c.need(NORTH, c.counselling)
        c.referral(service, c.legal_org, Referral.Status.CLOSED_WITHOUT_SERVICE)
    for _ in range(5):
        c.need("", c.counselling)
    return c


def test_each_number_of_the_crafted_community_is_counted_by_type_and_area(crafted):
    report = outstanding_supports(GapFilters(period=this_year()))

    housing = _rows(report, "housing")
    assert list(housing) == [NORTH, SOUTH]
    assert _values(housing[NORTH]) == {
        NEEDED: 10,
        ACCEPTED: 7,
        CLOSED: 0,
        WAITING: 0,
        MEDIAN: 4.0,
    }
    assert _values(housing[SOUTH]) == {
        NEEDED: 6,
        ACCEPTED: 5,
        CLOSED: 0,
        WAITING: 0,
        MEDIAN: 21.0,
    }
    total = _group(report, "housing").total
    # The median of all twelve waits: 1..7, 20, 20, 21, 22, 30 -> (6 + 7) / 2.
    assert _values(total) == {NEEDED: 16, ACCEPTED: 12, CLOSED: 0, WAITING: 0, MEDIAN: 6.5}
    legal = _rows(report, "legal_aid")[SOUTH]
    assert _values(legal) == {NEEDED: 5, ACCEPTED: 0, CLOSED: 0, WAITING: 5, MEDIAN: None}
    counselling = _rows(report, "counselling")
    assert list(counselling) == [NORTH, "Area not recorded"]
    assert _values(counselling[NORTH]) == {
        NEEDED: 5,
        ACCEPTED: 0,
        CLOSED: 5,
        WAITING: 0,
        MEDIAN: None,
    }
    assert _values(counselling["Area not recorded"])[WAITING] == 5
    assert report.withheld_cells == 0


def test_the_directory_coverage_of_each_row_is_what_the_directory_lists(crafted):
    report = outstanding_supports(GapFilters(period=this_year()))

    housing = _rows(report, "housing")
    assert housing[NORTH].coverage.services == 1 and housing[NORTH].coverage.open_now == 1
    assert housing[SOUTH].coverage.services == 0
    assert _rows(report, "legal_aid")[SOUTH].coverage.all_waitlisted
    assert _group(report, "housing").services_anywhere == 1
    assert _group(report, "counselling").services_anywhere == 0
    coverage = {g.service_type.code: g for g in report.coverage}
    assert [(area, found.services) for area, found in coverage["housing"].areas] == [(NORTH, 1)]
    assert coverage["counselling"].services_anywhere == 0 and not coverage["counselling"].areas


def test_outstanding_supports_are_no_provider_long_waits_and_needs_met_only_elsewhere(crafted):
    report = outstanding_supports(GapFilters(period=this_year()))

    called = {(t.code, row.label): set(row.gaps) for t, row in report.outstanding}
    assert called == {
        ("housing", SOUTH): {Gap.LONG_WAIT, Gap.OUTSIDE_AREA},  # median 21 days > 14
        ("legal_aid", SOUTH): {Gap.LONG_WAIT},  # every listing there has a waitlist
        ("counselling", NORTH): {Gap.NO_PROVIDER},
    }
    assert not _rows(report, "counselling")["Area not recorded"].gaps


def test_the_long_wait_threshold_is_a_setting(crafted, settings):
    settings.HARBOR = {**settings.HARBOR, "GAP_LONG_WAIT_DAYS": 30}

    report = outstanding_supports(GapFilters(period=this_year()))

    assert _rows(report, "housing")[SOUTH].gaps == (Gap.OUTSIDE_AREA,)


def test_a_need_accepted_after_a_decline_counts_its_wait_from_the_first_referral(community):
    c = community
    for _ in range(5):
        service = c.need(NORTH, c.housing, status=PlannedService.Status.REFERRED)
        c.referral(service, c.legal_org, Referral.Status.DECLINED, waited_days=2, sent_days_ago=30)
        c.referral(
            service, c.housing_org, Referral.Status.IN_SERVICE, waited_days=4, sent_days_ago=20
        )

    row = _rows(outstanding_supports(GapFilters(period=this_year())), "housing")[NORTH]

    # Sent 30 days ago, accepted 16 days ago (20 - 4): 14 days.
    assert _values(row)[ACCEPTED] == 5 and _values(row)[MEDIAN] == 14.0


def test_a_need_referred_again_after_a_closed_referral_is_still_waiting(community):
    c = community
    for _ in range(5):
        service = c.need(NORTH, c.counselling, status=PlannedService.Status.REFERRED)
        c.referral(service, c.legal_org, Referral.Status.CLOSED_WITHOUT_SERVICE)
        c.referral(service, c.housing_org, Referral.Status.SENT, sent_days_ago=5)

    row = _rows(outstanding_supports(GapFilters(period=this_year())), "counselling")[NORTH]

    assert (_values(row)[CLOSED], _values(row)[WAITING]) == (0, 5)


def test_only_planned_services_created_in_the_period_count(crafted):
    old = crafted.need(EAST, crafted.housing)
    PlannedService.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    recent = this_year()
    last_year = Period(start=recent.start - timedelta(days=365), end=recent.start)
    now = outstanding_supports(GapFilters(period=recent))
    before = outstanding_supports(GapFilters(period=last_year))

    assert _values(_group(now, "housing").total)[NEEDED] == 16
    assert [g.service_type.code for g in before.groups] == ["housing"]
    assert _group(before, "housing").total.figures[NEEDED].suppressed  # the one old need


def test_one_organizations_scope_counts_only_the_cases_it_leads(crafted):
    other = f.OrganizationFactory(name="Other Lead")
    for _ in range(5):
        crafted.need(NORTH, crafted.housing, lead=other)

    community = outstanding_supports(GapFilters(period=this_year()))
    own = outstanding_supports(GapFilters(period=this_year(), organization_id=other.pk))

    assert _rows(community, "housing")[NORTH].figures[NEEDED].value == 15
    assert _values(_rows(own, "housing")[NORTH])[NEEDED] == 5
    assert [g.service_type.code for g in own.groups] == ["housing"]


def test_service_type_and_area_filters_narrow_the_rows(crafted):
    report = outstanding_supports(
        GapFilters(period=this_year(), service_type_id=crafted.housing.pk, area=SOUTH)
    )

    assert [g.service_type.code for g in report.groups] == ["housing"]
    assert list(_rows(report, "housing")) == [SOUTH]
    assert [g.service_type.code for g in report.coverage] == ["housing"]


# -- R22: suppression --------------------------------------------------------------------------


@pytest.fixture
def small_cells(community: Community) -> Community:
    """housing: North 10 needs, all accepted; South 6, all accepted; East 2, waiting.
    legal: South 6 needs, 3 accepted after 2, 3, 4 days, 3 waiting."""
    c = community
    for _ in range(10):
        c.accepted(NORTH, c.housing, c.housing_org, waited_days=3)
    for _ in range(6):
        c.accepted(SOUTH, c.housing, c.housing_org, waited_days=5)
    for _ in range(2):
        service = c.need(EAST, c.housing, status=PlannedService.Status.REFERRED)
        c.referral(service, c.housing_org, Referral.Status.SENT)
    for days in (2, 3, 4):
        c.accepted(SOUTH, c.legal, c.legal_org, waited_days=days)
    for _ in range(3):
        c.need(SOUTH, c.legal)
    return c


def test_r22_an_area_with_fewer_needs_than_the_threshold_is_never_named(small_cells):
    report = outstanding_supports(GapFilters(period=this_year()))

    housing = _group(report, "housing")
    assert [row.label for row in housing.rows] == [NORTH, SOUTH, "Areas with too few needs to show"]
    assert housing.rows[-1].kind == RowKind.SMALL_AREAS and housing.rows[-1].area == ""
    assert EAST not in repr(report)
    assert all(fig.suppressed for fig in housing.rows[-1].figures.values())


def test_r22_complementary_suppression_keeps_a_total_from_giving_a_small_cell_away(small_cells):
    """The small-areas row (2 needs) is withheld; all areas show 18, North 10, so South's 6
    would give it away: South goes too. The total's 2 waiting is withheld, and with it its
    smallest other outcome, so the row cannot be worked out from "needed" either."""
    housing = _group(outstanding_supports(GapFilters(period=this_year())), "housing")

    north, south, _small = housing.rows
    assert _values(north) == {NEEDED: 10, ACCEPTED: 10, CLOSED: 0, WAITING: 0, MEDIAN: 3.0}
    assert _values(south) == dict.fromkeys((NEEDED, ACCEPTED, CLOSED, WAITING, MEDIAN))
    assert not south.gaps
    assert _values(housing.total) == {
        NEEDED: 18,
        ACCEPTED: None,
        CLOSED: 0,
        WAITING: None,
        MEDIAN: 3.0,  # ten waits of 3 days, six of 5
    }


def test_r22_counts_from_one_to_four_and_medians_over_fewer_than_five_waits_are_withheld(
    small_cells,
):
    legal = _group(outstanding_supports(GapFilters(period=this_year())), "legal_aid")

    [south] = legal.rows
    assert _values(south) == {NEEDED: 6, ACCEPTED: None, CLOSED: 0, WAITING: None, MEDIAN: None}
    assert south.figures[MEDIAN].suppressed  # three waits: withheld, not merely absent
    assert legal.total.figures[MEDIAN].suppressed


def test_r22_the_report_holds_no_case_person_or_date_of_any_young_person(small_cells):
    person = small_cells.need(NORTH, small_cells.housing).goal.plan.case.person
    person.alias, person.legal_name = "Zephyrine", "Zephyrine Marchbanks"
    person.save()

    report = repr(outstanding_supports(GapFilters(period=this_year())))

    assert "Zephyrine" not in report and "Marchbanks" not in report
    assert "Case(" not in report and "Person(" not in report and "PlannedService(" not in report
    assert "datetime.datetime" not in report and "birth" not in report  # only the period's days


def test_r22_with_a_threshold_of_one_nothing_is_withheld(small_cells, settings):
    settings.HARBOR = {**settings.HARBOR, "REPORT_SUPPRESSION_THRESHOLD": 1}

    report = outstanding_supports(GapFilters(period=this_year()))

    assert report.withheld_cells == 0
    assert EAST in [row.label for row in _group(report, "housing").rows]


def test_r22_an_already_withheld_cell_takes_the_next_smallest_with_it():
    cells = {c.label: c.count for c in suppress([("a", 7), ("b", 9), ("c", 30)], withheld=["c"])}

    assert cells == {"a": None, "b": 9, "c": None}


# -- Query counts ------------------------------------------------------------------------------


def _grow(c: Community, n: int) -> None:
    for i in range(n):
        area = (NORTH, SOUTH, EAST, f"Area {i}")[i % 4]
        c.accepted(area, (c.housing, c.legal, c.counselling)[i % 3], c.housing_org, i % 9 + 1)
        c.listing(c.legal, [area], member=None)


@pytest.mark.parametrize("size", [3, 30])
def test_the_report_costs_five_queries_whatever_the_size(
    community, django_assert_num_queries, size
):
    _grow(community, size)

    with django_assert_num_queries(5):
        report = outstanding_supports(GapFilters(period=this_year()))

    assert len(report.groups) == 3


# -- The JSON door -----------------------------------------------------------------------------

API = "report-outstanding-supports"


def test_r22_the_api_gives_withheld_cells_as_null_with_a_suppressed_flag(small_cells, api_for):
    staff = f.MembershipFactory(organization=small_cells.lead).user

    response = api_for(staff).get(reverse(API))

    assert response.status_code == 200, response.data
    [housing] = [g for g in response.data["groups"] if g["service_type"]["code"] == "housing"]
    north, south, small = housing["rows"]
    assert north["needed"] == {"value": 10, "suppressed": False}
    assert north["median_wait_days"] == {"value": 3.0, "suppressed": False}
    assert south["needed"] == {"value": None, "suppressed": True}
    assert (small["row_kind"], small["area"]) == ("small_areas", "")
    assert housing["total"]["still_waiting"] == {"value": None, "suppressed": True}
    assert response.data["suppression_threshold"] == 5
    assert EAST not in response.content.decode()


def test_the_api_calls_the_same_outstanding_supports(crafted, api_for):
    staff = f.MembershipFactory(organization=crafted.legal_org).user

    response = api_for(staff).get(reverse(API), {"service_type": "housing", "area": SOUTH})

    [group] = response.data["groups"]
    assert [(r["label"], r["outstanding"]) for r in group["rows"]] == [
        (SOUTH, ["long_wait", "outside_area"])
    ]
    assert group["rows"][0]["directory_services_in_area"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-06-01", "end": "2025-01-01"}, "end"),
        ({"start": "June"}, "start"),
        ({"service_type": "no-such-type"}, "service_type"),
        ({"area": "Somewhere typed on a record"}, "area"),
        ({"organization": "0"}, "organization"),
    ],
)
def test_bad_filters_get_400_with_the_fields_named(crafted, api_for, params, field):
    staff = f.MembershipFactory(organization=crafted.lead).user

    response = api_for(staff).get(reverse(API), params)

    assert response.status_code == 400
    assert field in response.data


def test_the_scope_is_one_of_ones_own_organizations_only(crafted, api_for):
    staff = f.MembershipFactory(organization=crafted.lead).user
    client = api_for(staff)

    own = client.get(reverse(API), {"organization": crafted.lead.pk})
    other = client.get(reverse(API), {"organization": crafted.housing_org.pk})

    assert own.status_code == 200 and own.data["organization"] == crafted.lead.pk
    assert other.status_code == 400 and "organization" in other.data


def test_the_api_costs_the_same_queries_whatever_the_size(community, api_for, constant_queries):
    staff = f.MembershipFactory(organization=community.lead).user
    client = api_for(staff)
    for more in (3, 30):
        _grow(community, more)
        with constant_queries(12):
            assert client.get(reverse(API), {"area": NORTH}).status_code == 200
