"""The supervisor's continuity analytics pages: the figures of the hand-computed fixture
(tests/tasks/analytics_fixture.py), the lists behind them, the charts, the CSV exports, bad
periods, and who may see them."""

import csv
import html
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from consent.models import AccessEvent
from providers.models import Membership
from tests import factories as f
from tests.access_events import cases_named
from tests.reports.analytics_fixture import NOW, Crafted, build, grow

pytestmark = pytest.mark.django_db

PAGE = "frontend:supervisor-analytics"
PERIOD = "start=2027-03-01&end=2027-03-21"


@pytest.fixture
def crafted() -> Iterator[Crafted]:
    built = build()
    with time_machine.travel(NOW, tick=False):
        yield built


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(crafted: Crafted, query: str = PERIOD) -> str:
    return f"{reverse(PAGE)}?organization={crafted.a.pk}&{query}"


def _list(crafted: Crafted, kind: str, query: str = PERIOD) -> str:
    url = reverse("frontend:supervisor-analytics-list", kwargs={"kind": kind})
    return f"{url}?organization={crafted.a.pk}&{query}"


def _export(crafted: Crafted, table: str, query: str = PERIOD) -> str:
    url = reverse("frontend:supervisor-analytics-export", kwargs={"table": table})
    return f"{url}?organization={crafted.a.pk}&{query}"


def _list_export(crafted: Crafted, kind: str, query: str = PERIOD) -> str:
    url = reverse("frontend:supervisor-analytics-list-export", kwargs={"kind": kind})
    return f"{url}?organization={crafted.a.pk}&{query}"


def _table(body: str, caption: str) -> list[list[str]]:
    """The cells (text only) of the table with this caption, header row first."""
    found = re.search(rf"<caption>{re.escape(caption)}</caption>(.*?)</table>", body, re.S)
    assert found, caption
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def _figure_links(body: str) -> list[tuple[str, int]]:
    """Every whole-number figure on the page that links to a list, with its link."""
    found = re.findall(r'<a href="(/supervisor/analytics/lists/[^"]+/\?[^"]+)">(\d+)</a>', body)
    return [(html.unescape(url), int(number)) for url, number in found]


def _rows_listed(body: str) -> int:
    return body.count('<td data-label="Case">')


def _csv(response: object) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- the figures ----------------------------------------------------------------------------


def test_the_caseload_table_shows_the_hand_computed_figures(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(_page(crafted)).content.decode()

    assert _table(body, "Caseloads and what is due now, per primary advocate") == [
        [
            "Primary advocate",
            "Open cases",
            "Against the limit of 2",
            "No contact in 14 days",
            "Time since last contact",
            "Plans overdue for review",
            "Consents expiring within 30 days",
        ],
        ["Ana Advocate", "3", "Over the limit", "2", "Per case", "1", "1"],
        ["Ben Advocate", "1", "Within the limit", "0", "Per case", "1", "1"],
        ["Cal Advocate", "0", "Within the limit", "0", "Per case", "0", "0"],
        ["Cases without a primary advocate", "1", "—", "1", "Per case", "0", "1"],
        ["Whole organization", "5", "—", "3", "Per case", "2", "3"],
    ]


def test_the_period_table_shows_counts_medians_and_rates(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(_page(crafted)).content.decode()

    table = _table(body, "Follow-ups, referrals and services in the period, per primary advocate")
    # Days to first service: the median of 7 and 5 23/24 is 6.48.
    assert table[1:] == [
        ["Ana Advocate", "3", "1", "2", "4", "4", "3.0", "50 %", "2", "6.5", "3"],
        ["Ben Advocate", "1", "1", "0", "1", "0", "—", "—", "0", "—", "0"],
        ["Cal Advocate", "0", "0", "0", "0", "0", "—", "—", "0", "—", "0"],
        [
            "Cases without a primary advocate",
            "1",
            "0",
            "1",
            "1",
            "1",
            "1.0",
            "100 %",
            "0",
            "—",
            "0",
        ],
        ["Whole organization", "5", "2", "3", "6", "5", "2.0", "60 %", "2", "6.5", "3"],
    ]


def test_the_partner_table_shows_acceptance_per_partner(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(_page(crafted)).content.decode()

    assert _table(body, "Referral acceptance by partner, for referrals sent in the period") == [
        [
            "Partner",
            "Referrals sent",
            "Answered",
            "Accepted",
            "Acceptance rate",
            "Median days to answer",
        ],
        ["Partner One", "3", "3", "3", "100 %", "2.0"],
        ["Partner Two", "3", "2", "0", "0 %", "2.8"],
    ]


def test_every_figure_on_the_page_opens_a_list_of_that_many_records(crafted: Crafted) -> None:
    client = _client(crafted.sue)
    links = _figure_links(client.get(_page(crafted)).content.decode())

    assert len(links) == 85  # 5 rows of 4 now and 7 in the period; 6 partner; 24 weekly
    for url, number in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _rows_listed(response.content.decode()) == number, url


def test_the_default_period_is_the_last_twelve_full_weeks(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(f"{reverse(PAGE)}").content.decode()

    assert "Period: Dec. 28, 2026 to March 21, 2027, both included." in body
    assert body.count('<th scope="row" data-label="Week">Week of') == 5 * 12


# --- the charts -----------------------------------------------------------------------------


def test_each_chart_is_an_image_with_a_title_a_description_and_a_data_table(
    crafted: Crafted,
) -> None:
    body = _client(crafted.sue).get(_page(crafted)).content.decode()

    charts = re.findall(r"<svg [^>]*>.*?</svg>", body, re.S)
    assert len(charts) == 5
    for chart in charts:
        assert 'role="img"' in chart and 'aria-label="' in chart
        assert "<title id=" in chart and "<desc id=" in chart
    follow_ups = _table(body, "Follow-ups per week: due, done on time, overdue")
    assert follow_ups == [
        ["Week", "Follow-ups due", "Done on time", "Overdue"],
        ["Week of March 1, 2027", "1", "1", "0"],
        ["Week of March 8, 2027", "1", "0", "1"],
        ["Week of March 15, 2027", "3", "1", "2"],
    ]


def test_chart_series_differ_by_pattern_and_carry_their_values_as_text(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(_page(crafted)).content.decode()

    chart = re.search(r'<svg [^>]*aria-label="Follow-ups per week[^"]*".*?</svg>', body, re.S)
    svg = chart.group(0)
    fills = set(re.findall(r'fill="url\(#(weekly-follow-ups-fill-\d)\)"', svg))
    assert fills == {f"weekly-follow-ups-fill-{n}" for n in range(3)}
    assert "<path" in svg and "<circle" in svg  # lines and dots, not only colours
    values = re.findall(r'text-anchor="middle">(\d+)</text>', svg)
    assert values == ["1", "1", "0", "1", "0", "1", "3", "1", "2"]
    assert "Week starting (Monday)" in svg and "Number" in svg


def test_the_pages_use_no_inline_style_or_script(crafted: Crafted) -> None:
    client = _client(crafted.sue)

    for url in (_page(crafted), _list(crafted, "referrals-sent")):
        body = client.get(url).content.decode()
        assert " style=" not in body and "<style" not in body
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == []


# --- the lists ------------------------------------------------------------------------------


def test_time_since_last_contact_lists_each_open_case_oldest_first(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(_list(crafted, "last-contact")).content.decode()

    table = _table(body, "Time since last contact, per open case")
    c = crafted.cases
    assert [row[0] for row in table[1:]] == [
        f"Case {c[name].pk}" for name in ("c3", "c5", "c2", "c4", "c1")
    ]
    # c3 never, c1 four days ago (20 March).
    assert (table[1][4], table[1][5]) == ("None logged", "Never")
    assert table[-1][5] == "4"


def test_a_list_of_one_advocate_names_them_and_shows_only_their_cases(crafted: Crafted) -> None:
    query = f"{PERIOD}&advocate={crafted.ben.pk}"
    body = _client(crafted.sue).get(_list(crafted, "open-cases", query)).content.decode()

    assert "Cases whose primary advocate is Ben Advocate." in body
    assert _rows_listed(body) == 1 and f"Case {crafted.cases['c4'].pk}" in body


def test_a_list_records_an_access_event_naming_each_case_shown(crafted: Crafted) -> None:
    _client(crafted.sue).get(_list(crafted, "follow-ups-overdue"))

    seen = cases_named(AccessEvent.objects.filter(user=crafted.sue))
    c = crafted.cases
    assert seen == {c["c1"].pk, c["c2"].pk, c["c5"].pk}


@pytest.mark.parametrize(
    "query",
    [f"{PERIOD}&advocate=ana", f"{PERIOD}&partner=x", f"{PERIOD}&advocate=999999"],
)
def test_an_unknown_advocate_or_partner_is_404(crafted: Crafted, query: str) -> None:
    kind = "referrals-sent"

    assert _client(crafted.sue).get(_list(crafted, kind, query)).status_code == 404


def test_an_advocate_of_another_organization_is_no_advocate_here(crafted: Crafted) -> None:
    elsewhere = f.MembershipFactory(organization=crafted.b, role=Membership.Role.ADVOCATE).user
    query = f"{PERIOD}&advocate={elsewhere.pk}"

    assert _client(crafted.sue).get(_list(crafted, "open-cases", query)).status_code == 404


def test_an_unknown_list_or_table_is_404(crafted: Crafted) -> None:
    client = _client(crafted.sue)

    assert client.get(_list(crafted, "gossip")).status_code == 404
    assert client.get(_export(crafted, "gossip")).status_code == 404


# --- CSV ------------------------------------------------------------------------------------


def test_a_table_downloads_as_csv_with_the_pages_numbers(crafted: Crafted) -> None:
    response = _client(crafted.sue).get(_export(crafted, "partners"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="partners-{crafted.a.pk}-2027-03-01-2027-03-21.csv"'
    )
    assert _csv(response) == [
        [
            "Partner",
            "Referrals sent",
            "Answered",
            "Accepted",
            "Acceptance rate",
            "Median days to answer",
        ],
        ["Partner One", "3", "3", "3", "100 %", "2.0"],
        ["Partner Two", "3", "2", "0", "0 %", "2.8"],
    ]


def test_a_weekly_table_downloads_as_csv(crafted: Crafted) -> None:
    response = _client(crafted.sue).get(_export(crafted, "weekly-referrals"))

    assert _csv(response) == [
        ["Week", "Referrals sent", "Referrals answered"],
        ["Week of March 1, 2027", "3", "4"],
        ["Week of March 8, 2027", "1", "1"],
        ["Week of March 15, 2027", "2", "0"],
    ]


def test_a_list_downloads_as_csv_with_case_labels_and_no_personal_data(crafted: Crafted) -> None:
    response = _client(crafted.sue).get(_list_export(crafted, "consents-expiring"))

    c = crafted.cases
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = _csv(response)
    assert rows[0] == ["Case", "Shared with", "Expires"]
    assert [row[0] for row in rows[1:]] == [f"Case {c[name].pk}" for name in ("c1", "c4", "c5")]
    content = response.content.decode()
    for case in c.values():
        assert case.person.alias not in content
    exported = AccessEvent.objects.filter(user=crafted.sue, action="export")
    assert cases_named(exported) == {c[n].pk for n in ("c1", "c4", "c5")}


def test_a_cell_that_looks_like_a_formula_is_kept_as_text(crafted: Crafted) -> None:
    crafted.p1.name = "=HYPERLINK(1)"
    crafted.p1.save()

    rows = _csv(_client(crafted.sue).get(_export(crafted, "partners")))

    assert "'=HYPERLINK(1)" in [row[0] for row in rows]


# --- bad periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2027-13-45", "Enter a valid date."),
        ("start=2027-03-21&end=2027-03-01", "The end date must be on or after the start date."),
        ("start=2024-01-01&end=2027-03-01", "Choose a period of at most two years."),
        ("start=2027-03-01&end=2027-04-30", "The period cannot end after today."),
    ],
)
def test_a_bad_period_is_a_form_error_on_every_page(
    crafted: Crafted, query: str, message: str
) -> None:
    client = _client(crafted.sue)

    for url in (
        _page(crafted, query),
        _list(crafted, "referrals-sent", query),
        _export(crafted, "partners", query),
        _list_export(crafted, "referrals-sent", query),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.content.decode(), url


def test_only_a_start_date_means_up_to_today(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(_page(crafted, "start=2027-03-01")).content.decode()

    assert "Period: March 1, 2027 to March 24, 2027, both included." in body


# --- who may see ----------------------------------------------------------------------------


def _all_urls(crafted: Crafted) -> list[str]:
    return [
        _page(crafted),
        _export(crafted, "now"),
        _list(crafted, "open-cases"),
        _list_export(crafted, "open-cases"),
    ]


@pytest.mark.parametrize("role", ["advocate", "intake", "org_admin"])
def test_staff_who_do_not_supervise_get_404(crafted: Crafted, role: str) -> None:
    user = (
        crafted.ana
        if role == "advocate"
        else f.MembershipFactory(organization=crafted.a, role=role).user
    )
    client = _client(user)

    for url in _all_urls(crafted):
        assert client.get(url).status_code == 404, url


def test_a_supervisor_of_another_organization_cannot_open_this_ones_figures_or_lists(
    crafted: Crafted,
) -> None:
    elsewhere = f.MembershipFactory(organization=crafted.b, role=Membership.Role.SUPERVISOR).user
    client = _client(elsewhere)

    for url in _all_urls(crafted):
        assert client.get(url).status_code == 404, url
    assert AccessEvent.objects.filter(user=elsewhere).count() == 0
    # Their own organization's list shows their own case only.
    own = client.get(
        _list(crafted, "open-cases").replace(
            f"organization={crafted.a.pk}", f"organization={crafted.b.pk}"
        )
    )
    assert _rows_listed(own.content.decode()) == 1
    for case in crafted.cases.values():
        assert f"Case {case.pk}<" not in own.content.decode()


def test_the_continuity_dashboard_links_to_the_analytics(crafted: Crafted) -> None:
    body = _client(crafted.sue).get(reverse("frontend:supervisor-dashboard")).content.decode()

    assert f'href="{reverse(PAGE)}?organization={crafted.a.pk}"' in body


# --- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda c: _page(c),
        lambda c: _export(c, "period"),
        lambda c: _list(c, "open-cases"),
        lambda c: _list(c, "referrals-in-service", f"{PERIOD}&advocate={c.ana.pk}"),
        lambda c: _list(c, "services-lapsed"),
        lambda c: _list(c, "last-contact"),
        lambda c: _list_export(c, "follow-ups-due"),
    ],
)
def test_pages_cost_the_same_queries_with_ten_times_the_cases(
    crafted: Crafted, constant_queries: object, url: object
) -> None:
    client = _client(crafted.sue)
    client.get(url(crafted))  # warm the session and the permission-id cache
    grow(crafted, 3)
    with constant_queries(35):
        assert client.get(url(crafted)).status_code == 200
    grow(crafted, 30)
    with constant_queries(35):
        assert client.get(url(crafted)).status_code == 200
