"""The community report pages: the outstanding supports page, its printable version and its
CSV. Counts only (R22): no page shows a young person's name, alias or date of birth (R25),
whoever reads it; staff of any member organization may, no one else."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Person, PlannedService, Referral
from providers.models import Membership
from tests import directory_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

ROUTES = ("community-outstanding-supports", "community-report", "community-report-csv")
NORTH = "North County"
BIRTH_DATE = date(2009, 3, 9)
SEEDED = ("Zephyrine", "Marchbanks", "Quillabeth", "Odalric", BIRTH_DATE.isoformat(), "2009")


def _url(name: str) -> str:
    return reverse(f"frontend:{name}")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _need(world, area: str, *, accepted: bool, alias: str = "", birth_date=None) -> None:
    person = f.PersonFactory(area=area, **({"alias": alias} if alias else {}))
    if birth_date:
        person.birth_date_precision = Person.BirthDatePrecision.EXACT
        person.birth_date = birth_date
        person.save()
    case = f.CaseFactory(lead_organization=world.lead, person=person)
    service = f.PlannedServiceFactory(
        goal=f.GoalFactory(plan=case.plan), status=PlannedService.Status.REFERRED
    )
    if accepted:
        f.ReferralFactory(
            case=case,
            planned_service=service,
            to_organization=world.partner,
            service_type=service.service_type,
            status=Referral.Status.ACCEPTED,
            sent=True,
        )
        Referral.objects.filter(planned_service=service).update(
            answered_at=service.created_at + timedelta(days=3)
        )


def _community(world, size: int = 6) -> None:
    """``size`` needs in North (some shown), and distinctive young people in rare areas."""
    d.DirectoryServiceAreaFactory(
        service=d.DirectoryServiceFactory(
            provider=d.DirectoryProviderFactory(member=world.partner)
        ),
        area=NORTH,
    )
    for i in range(size):
        _need(world, NORTH, accepted=i % 2 == 0, alias=("Zephyrine", "Quillabeth")[i % 2])
    person = world.case.person
    person.alias, person.legal_name, person.chosen_name = "Zephyrine", "Zephyrine Marchbanks", ""
    person.area = "Marchbanks Farm Road"
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = BIRTH_DATE
    person.save()
    f.PlannedServiceFactory(goal=f.GoalFactory(plan=world.case.plan))
    # A rare area typed on one record is never named: it says where someone lives.
    _need(world, "Odalric Cottage", accepted=True, alias="Odalric", birth_date=BIRTH_DATE)


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize(
    "persona", ["advocate", "intake", "supervisor", "org_admin", "partner_staff"]
)
def test_r22_r25_no_page_of_the_report_shows_a_young_persons_name_alias_or_birth_date(
    world, name, persona
):
    _community(world)

    response = _client(getattr(world, persona)).get(_url(name))

    assert response.status_code == 200
    body = response.content.decode()
    assert NORTH in body
    assert not [text for text in SEEDED if text in body]


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("persona", ["young_person", "superuser"])
def test_young_people_and_people_without_a_role_get_nothing(world, name, persona):
    _community(world)

    response = _client(getattr(world, persona)).get(_url(name))

    assert response.status_code == 404
    assert not [text for text in SEEDED if text in response.content.decode()]


@pytest.mark.parametrize("name", ROUTES)
def test_staff_whose_membership_was_suspended_get_nothing(world, name):
    Membership.objects.filter(user=world.advocate).update(is_active=False)

    assert _client(world.advocate).get(_url(name)).status_code == 404


@pytest.mark.parametrize("name", ROUTES)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(_url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:sign-in"))


def test_the_page_explains_what_is_withheld_and_why(world):
    _community(world)

    body = _client(world.advocate).get(_url(ROUTES[0])).content.decode()

    assert "withheld" in body and "from 1 to 4" in body
    assert "Areas with too few needs to show" in body
    assert reverse("frontend:community-report") in body
    assert reverse("frontend:community-report-csv") in body


def test_the_printable_report_states_its_methodology(world):
    _community(world)

    response = _client(world.supervisor).get(
        _url("community-report"), {"start": "2020-01-01", "end": date.today().isoformat()}
    )

    body = response.content.decode()
    assert response.status_code == 200
    for heading in ("Methodology", "Data sources", "Definitions", "What is not included"):
        assert heading in body
    assert "2020-01-01" in body or "Jan. 1, 2020" in body
    assert "community-report.css" in body


def test_the_csv_holds_the_tables_with_withheld_numbers_in_words(world):
    _community(world)

    response = _client(world.advocate).get(_url("community-report-csv"))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    needs = {r["area"]: r for r in rows if r["table"] == "needs"}
    # Two needs in rare areas: withheld; the total (8) would give them away beside North's 6,
    # so North's row goes too. Four accepted in all: withheld.
    assert needs["Areas with too few needs to show"]["needed"] == "withheld"
    assert needs[NORTH]["needed"] == "withheld"
    assert needs[NORTH]["directory_services_in_area"] == "1"
    assert (needs["All areas"]["needed"], needs["All areas"]["accepted"]) == ("8", "withheld")
    assert {r["table"] for r in rows} == {"needs", "directory", "outcomes"}


def test_a_csv_cell_that_would_run_as_a_formula_is_quoted(world):
    for _ in range(5):
        _need(world, "=HYPERLINK(1)", accepted=False)

    body = _client(world.advocate).get(_url("community-report-csv")).content.decode()

    assert "'=HYPERLINK(1)" in body
    assert ",=HYPERLINK" not in body


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-06-01", "end": "2025-01-01"},
        {"start": "not a date"},
        {"area": "Somewhere nobody listed"},
        {"service_type": "no-such-type"},
        {"start": "1990-01-01", "end": "2025-01-01"},
    ],
)
@pytest.mark.parametrize("name", ROUTES)
def test_bad_filters_give_a_form_error_not_a_report(world, name, params):
    response = _client(world.advocate).get(_url(name), params)

    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field-error"' in body
    assert "Needs by type of service and area" not in body


def test_one_may_narrow_the_report_to_ones_own_organization_only(world):
    client = _client(world.advocate)

    own = client.get(_url(ROUTES[0]), {"organization": world.lead.pk})
    other = client.get(_url(ROUTES[0]), {"organization": world.partner.pk})

    assert own.status_code == 200
    assert other.status_code == 400 and 'class="field-error"' in other.content.decode()


def test_filters_by_type_and_area_come_from_the_public_lists(world):
    _community(world)
    code = PlannedService.objects.first().service_type.code

    response = _client(world.advocate).get(_url(ROUTES[0]), {"service_type": code, "area": NORTH})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{NORTH}" selected>' in body
    assert "Odalric Cottage" not in body and "Marchbanks Farm Road" not in body


@pytest.mark.parametrize("name", ROUTES)
def test_the_report_pages_cost_the_same_queries_whatever_the_size(world, name, constant_queries):
    client = _client(world.advocate)
    _community(world)
    for more in (0, 30):
        for i in range(more):
            _need(world, (NORTH, f"Area {i}")[i % 2], accepted=i % 3 == 0)
            d.DirectoryServiceAreaFactory(area=f"Area {i}")
        with constant_queries(20):
            assert client.get(_url(name)).status_code == 200


# --- /community/: the index the README lists -------------------------------------------------


def test_community_index_links_the_gap_report_the_printable_report_and_the_directory(world):
    response = _client(world.partner_staff).get("/community/")

    assert response.status_code == 200
    page = response.content.decode()
    for name in (
        "community-outstanding-supports",
        "community-report",
        "community-report-csv",
        "directory",
    ):
        assert f'href="{_url(name)}"' in page, name


def test_community_index_is_in_spanish_for_a_spanish_speaker(world):
    world.advocate.preferred_language = "es"
    world.advocate.save()

    page = _client(world.advocate).get(_url("community")).content.decode()

    assert "<h1>Comunidad</h1>" in page
    assert "Informe comunitario para imprimir" in page


def test_community_index_is_404_for_a_young_person(world):
    assert _client(world.young_person).get("/community/").status_code == 404
