"""The community report's outcome section (issue 21, point 4): across organizations, counts
only, small cells withheld (R22), and nothing of a case or a system-involvement record ever
leaves the lead organization (R17)."""

import csv
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cases.system_involvement import SystemInvolvementKind
from providers.models import Membership
from tests import factories as f
from tests.reports.outcomes_fixture import Outcomes, build, chicago

pytestmark = pytest.mark.django_db

QUERY = "?start=2027-03-01&end=2027-03-21"
COUNT_FIGURES = (
    "Base",
    "Better",
    "Same",
    "Worse",
    "No new",
    "Some",
    "Community-led",
    "System",
    "Accepted",
    "Declined",
    "Went in",
    "Not (yet)",
    "Cases opened",
)


@pytest.fixture
def crafted() -> Iterator[Outcomes]:
    built = build()
    with time_machine.travel(chicago(3, 24), tick=False):
        yield built


def _reader(crafted: Outcomes) -> Client:
    """Staff of another member organization: the community report's ordinary reader."""
    user = f.MembershipFactory(organization=crafted.b, role=Membership.Role.ADVOCATE).user
    client = Client()
    client.force_login(user)
    return client


def _outcome_rows(crafted: Outcomes) -> list[dict[str, str]]:
    response = _reader(crafted).get(reverse("frontend:community-report-csv") + QUERY)
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return [row for row in rows if row["table"] == "outcomes"]


def test_r22_the_community_outcome_counts_are_withheld_from_one_to_four(
    crafted: Outcomes,
) -> None:
    rows = _outcome_rows(crafted)

    assert rows
    counts = [row for row in rows if row["figure"].startswith(COUNT_FIGURES)]
    assert counts
    for row in counts:
        value = row["value"].replace(",", "")
        assert value == "withheld" or int(value) == 0 or int(value) >= 5, row
    assert any(row["value"] == "withheld" for row in counts)


def test_r22_complementary_suppression_holds_across_each_community_grouping(
    crafted: Outcomes,
) -> None:
    rows = _outcome_rows(crafted)
    by_grouping: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row["figure"].startswith("Base") and row["grouping"].startswith(("Age", "Gender")):
            by_grouping.setdefault((row["measure"], row["grouping"]), []).append(row["value"])
    assert by_grouping
    for key, values in by_grouping.items():
        assert values.count("withheld") != 1, key


@pytest.mark.parametrize("name", ["community-outstanding-supports", "community-report"])
def test_r17_the_community_pages_show_no_case_list_or_event_of_system_involvement(
    crafted: Outcomes, name: str
) -> None:
    body = _reader(crafted).get(reverse(f"frontend:{name}") + QUERY).content.decode()

    assert "Outcomes and equity" in body
    assert "/supervisor/" not in body
    for case in crafted.cases.values():
        assert not re.search(rf"Case {case.pk}\b", body)
    for kind in SystemInvolvementKind:
        assert str(kind.label) not in body


def test_r17_the_community_csv_holds_counts_of_system_involvement_only(
    crafted: Outcomes,
) -> None:
    response = _reader(crafted).get(reverse("frontend:community-report-csv") + QUERY)
    text = response.content.decode()

    for kind in SystemInvolvementKind:
        assert str(kind.label) not in text
    for case in crafted.cases.values():
        assert f"Case {case.pk}," not in text
    assert "No new system involvement during service" in text


def test_the_printable_report_explains_each_measure_its_method_and_limits(
    crafted: Outcomes,
) -> None:
    body = _reader(crafted).get(reverse("frontend:community-report") + QUERY).content.decode()

    assert "How these figures are made, and their limits" in body
    for words in (
        "any mention",
        "we never guess",
        "never reads the recorded sex",
        "I&#x27;d rather not say",
        "a missing record reads as no involvement",
    ):
        assert words in body, words
