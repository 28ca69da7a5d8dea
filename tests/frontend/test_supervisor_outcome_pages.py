"""The supervisor's outcome and equity pages (issue 21, points 4 and 5): the figures of the
crafted fixture (tests/reports/outcomes_fixture.py), the lists behind them, the CSVs, small
cells withheld (R22), who may see them (system involvement never leaves the lead
organization, R17), and their cost."""

import csv
import html
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from consent.models import AccessEvent
from providers.models import Membership
from reports.outcomes.measures import Measure
from tests import factories as f
from tests.reports.outcomes_fixture import Outcomes, build, chicago, grow

pytestmark = pytest.mark.django_db

PERIOD = "start=2027-03-01&end=2027-03-21"


@pytest.fixture
def crafted() -> Iterator[Outcomes]:
    built = build()
    with time_machine.travel(chicago(3, 24), tick=False):
        yield built


@pytest.fixture
def no_suppression(settings: Settings) -> None:
    settings.HARBOR = {**settings.HARBOR, "REPORT_SUPPRESSION_THRESHOLD": 1}


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, crafted: Outcomes, query: str = PERIOD, **kwargs: str) -> str:
    return f"{reverse(f'frontend:{name}', kwargs=kwargs)}?organization={crafted.a.pk}&{query}"


def _page(crafted: Outcomes) -> str:
    return _url("supervisor-outcomes", crafted)


def _export(crafted: Outcomes, table: str) -> str:
    return _url("supervisor-outcomes-export", crafted, table=table)


def _list(crafted: Outcomes, kind: str, query: str = PERIOD) -> str:
    return _url("supervisor-outcomes-list", crafted, query, kind=kind)


def _list_export(crafted: Outcomes, kind: str, query: str = PERIOD) -> str:
    return _url("supervisor-outcomes-list-export", crafted, query, kind=kind)


def _figure_links(body: str) -> list[tuple[str, int]]:
    found = re.findall(
        r'<a href="(/supervisor/analytics/outcomes/lists/[^"]+/\?[^"]+)">([\d,]+)</a>', body
    )
    return [(html.unescape(url), int(number.replace(",", ""))) for url, number in found]


def _rows_listed(body: str) -> int:
    return body.count('<td data-label="Case">')


def _csv(response: object) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_figure_on_the_page_opens_a_list_of_that_many_records(
    crafted: Outcomes, no_suppression: None
) -> None:
    client = _client(crafted.sue)
    body = client.get(_page(crafted)).content.decode()

    links = _figure_links(body)
    assert len(links) > 300
    for url, number in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _rows_listed(response.content.decode()) == number, url


def test_each_table_states_its_period_base_and_what_it_leaves_out(
    crafted: Outcomes, no_suppression: None
) -> None:
    body = _client(crafted.sue).get(_page(crafted)).content.decode()

    assert "Period: March 1, 2027 to March 21, 2027, both included." in body
    assert body.count("Base: ") == len(Measure) + 1
    assert body.count("Leaves out: ") == len(Measure)
    assert "does not reconcile" not in body
    assert "Base: 13 — young people served in the period" in body


def test_r22_small_disaggregated_cells_read_withheld_on_the_page_and_in_the_csv(
    crafted: Outcomes,
) -> None:
    client = _client(crafted.sue)
    body = client.get(_page(crafted)).content.decode()

    # 13 served, 2 with involvement: both counts and the share withheld; no link to them.
    assert "withheld" in body
    for _url_found, number in _figure_links(body):
        assert number == 0 or number >= 5
    rows = _csv(client.get(_export(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value)))
    assert rows[1][:6] == ["Overall", "Everyone", "13", "withheld", "withheld", "withheld"]
    for row in rows[1:]:
        for cell in row[2:-2]:
            assert not cell.isdigit() or int(cell) == 0 or int(cell) >= 5, row


def test_r22_complementary_suppression_runs_across_a_grouping_in_the_csv(
    crafted: Outcomes,
) -> None:
    rows = _csv(_client(crafted.sue).get(_export(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value)))
    gender = [row for row in rows if row[0].startswith("Gender") and row[1] != "Disparity"]
    # Girls 6, boys 5, nonbinary 1, not recorded 1: the two 1s are withheld; the groups add
    # up to the overall 13, so no single withheld base is left to work out.
    bases = [row[2] for row in gender]
    assert bases.count("withheld") != 1
    assert "1" not in bases


def test_a_list_records_an_access_event_per_case_shown(crafted: Outcomes) -> None:
    client = _client(crafted.sue)
    before = AccessEvent.objects.filter(user=crafted.sue).count()

    response = client.get(_list(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value))

    assert _rows_listed(response.content.decode()) == 13
    assert AccessEvent.objects.filter(user=crafted.sue).count() > before


@pytest.mark.parametrize(
    "query",
    [
        f"{PERIOD}&category=nonsense",
        f"{PERIOD}&dimension=gender",
        f"{PERIOD}&dimension=gender&group=nonsense",
        f"{PERIOD}&dimension=shoe-size&group=x",
    ],
)
def test_an_unknown_category_or_group_is_404(crafted: Outcomes, query: str) -> None:
    url = _list(crafted, Measure.SAFETY.value, query)
    assert _client(crafted.sue).get(url).status_code == 404


def test_an_unknown_list_or_table_is_404(crafted: Outcomes) -> None:
    client = _client(crafted.sue)
    assert client.get(_list(crafted, "nonsense")).status_code == 404
    assert client.get(_export(crafted, "nonsense")).status_code == 404


def test_a_list_downloads_as_csv_with_case_labels_only(crafted: Outcomes) -> None:
    rows = _csv(_client(crafted.sue).get(_list_export(crafted, Measure.SAFETY.value)))

    assert rows[0] == ["Case", "Status", "Opened", "Closed"]
    assert len(rows) == 1 + 5
    assert all(row[0].startswith("Case ") for row in rows[1:])


def test_every_table_downloads_as_csv(crafted: Outcomes) -> None:
    client = _client(crafted.sue)
    for table in ["sources", *(m.value for m in Measure)]:
        response = client.get(_export(crafted, table))
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv")


def _all_urls(crafted: Outcomes) -> list[str]:
    return [
        _page(crafted),
        _export(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value),
        _list(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value),
        _list_export(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value),
    ]


@pytest.mark.parametrize("role", ["advocate", "intake", "org_admin"])
def test_staff_who_do_not_supervise_get_404(crafted: Outcomes, role: str) -> None:
    client = _client(f.MembershipFactory(organization=crafted.a, role=role).user)

    for url in _all_urls(crafted):
        assert client.get(url).status_code == 404, url


def test_r17_system_involvement_never_reaches_a_partner_or_another_organization(
    crafted: Outcomes,
) -> None:
    elsewhere = f.MembershipFactory(organization=crafted.b, role=Membership.Role.SUPERVISOR).user
    client = _client(elsewhere)

    for url in _all_urls(crafted):
        assert client.get(url).status_code == 404, url
    assert AccessEvent.objects.filter(user=elsewhere).count() == 0
    own = client.get(
        _list(crafted, Measure.NO_SYSTEM_INVOLVEMENT.value).replace(
            f"organization={crafted.a.pk}", f"organization={crafted.b.pk}"
        )
    ).content.decode()
    for name, case in crafted.cases.items():
        if name != "b_other":
            assert f"Case {case.pk}<" not in own


def test_the_analytics_page_links_to_the_outcomes(crafted: Outcomes) -> None:
    body = _client(crafted.sue).get(_url("supervisor-analytics", crafted)).content.decode()

    assert html.escape(reverse("frontend:supervisor-outcomes")) in body


@pytest.mark.parametrize(
    "url",
    [
        lambda c: _page(c),
        lambda c: _export(c, Measure.SAFETY.value),
        lambda c: _list(c, Measure.SAFETY.value, f"{PERIOD}&dimension=gender&group=boy-or-man"),
        lambda c: _list(c, Measure.ACCEPTANCE.value, f"{PERIOD}&category=accepted"),
        lambda c: _list_export(c, Measure.NO_SYSTEM_INVOLVEMENT.value),
    ],
)
def test_pages_cost_the_same_queries_with_ten_times_the_cases(
    crafted: Outcomes, constant_queries: object, url: object
) -> None:
    client = _client(crafted.sue)
    client.get(url(crafted))  # warm the session and the permission-id cache
    grow(crafted, 3)
    with constant_queries(35):
        assert client.get(url(crafted)).status_code == 200
    grow(crafted, 30)
    with constant_queries(35):
        assert client.get(url(crafted)).status_code == 200
