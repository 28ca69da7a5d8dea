"""Importing existing clients from CSV (issue 18, point 8): a dry run that reports every row's
problems by row and column, and all-or-nothing writing through the intake services."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import CareTeamMember, Case, Person, SafeContactRule
from cases.services.client_columns import COLUMNS, template_csv
from cases.services.client_import import MAX_BYTES, ImportReport, import_clients
from providers.models import Organization
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _csv(*rows: dict[str, str], bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def _run(world: World, data: bytes, *, dry_run: bool = False) -> ImportReport:
    return import_clients(
        data=data, organization=world.lead, actor=world.org_admin, dry_run=dry_run
    )


def _good(world: World, **overrides: str) -> dict[str, str]:
    row = {
        "alias": "Wrenna",
        "opened_on": "2024-02-01",
        "primary_advocate_email": world.advocate.email,
        "status": "open",
    }
    row.update(overrides)
    return row


def test_a_valid_file_opens_every_case_with_its_status_advocate_and_declined_fields(
    world: World,
) -> None:
    before = Case.objects.count()
    data = _csv(
        _good(
            world,
            alias="Wrenna",
            age_range="15-17",
            languages="en; ES",
            declined_fields="legal_name;gender",
            status="active",
        ),
        _good(world, alias="", chosen_name="Tamsin", birth_year="2010"),
        _good(
            world,
            alias="Orrin",
            birth_date="2009-05-04",
            status="closed",
            closed_reason="moved",
            closed_on="2024-06-30",
        ),
        bom=True,
    )

    report = _run(world, data)

    assert report.ok, report.errors
    assert report.rows == report.written == 3
    assert Case.objects.count() == before + 3
    wrenna = Case.objects.get(person__alias="Wrenna")
    assert wrenna.status == Case.Status.ACTIVE
    assert wrenna.opened_on == date(2024, 2, 1)
    assert wrenna.person.declined_fields == ["gender", "legal_name"]
    assert wrenna.person.languages == ["en", "es"]
    assert (wrenna.person.age_range_min, wrenna.person.age_range_max) == (15, 17)
    assert CareTeamMember.objects.filter(
        case=wrenna, user=world.advocate, role=CareTeamMember.Role.PRIMARY
    ).exists()
    assert SafeContactRule.objects.filter(person=wrenna.person).exists()
    assert Case.objects.get(person__chosen_name="Tamsin").person.birth_year == 2010
    orrin = Case.objects.get(person__alias="Orrin")
    assert orrin.status == Case.Status.CLOSED
    assert (orrin.closed_reason, orrin.closed_on) == ("moved", date(2024, 6, 30))
    # The importing admin, who reads no case data, is not put on the care team.
    assert not CareTeamMember.objects.filter(user=world.org_admin).exists()


def test_a_dry_run_writes_nothing_and_lists_every_problem_by_row_and_column(
    world: World,
) -> None:
    before = (Case.objects.count(), Person.objects.count())
    data = _csv(
        _good(world),
        _good(world, alias="", opened_on="01/02/2024", status="paused"),
        _good(world, birth_year="20x9", languages="english!", declined_fields="shoe_size"),
        _good(world, status="closed", primary_advocate_email="nobody@example.org"),
        _good(world, gender="girl", declined_fields="gender", age_range="17-15"),
    )

    report = _run(world, data, dry_run=True)

    found = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "alias"),
        (3, "opened_on"),
        (3, "status"),
        (4, "birth_year"),
        (4, "languages"),
        (4, "declined_fields"),
        (5, "primary_advocate_email"),
        (5, "closed_reason"),
        (5, "closed_on"),
        (6, "gender"),
        (6, "age_range"),
    } <= found
    assert not any(e.row == 2 for e in report.errors)
    assert report.rows == 5 and report.rows_with_errors == 4 and report.written == 0
    assert (Case.objects.count(), Person.objects.count()) == before


def test_a_clean_dry_run_writes_nothing(world: World) -> None:
    before = Case.objects.count()
    report = _run(world, _csv(_good(world), _good(world, alias="Bex")), dry_run=True)
    assert report.ok and report.rows == 2 and report.written == 0
    assert Case.objects.count() == before


def test_one_bad_row_writes_nothing(world: World) -> None:
    before = (Case.objects.count(), Person.objects.count())
    data = _csv(_good(world), _good(world, alias="Bex"), _good(world, opened_on="2999-01-01"))

    report = _run(world, data)

    assert [(e.row, e.column) for e in report.errors] == [(4, "opened_on")]
    assert report.written == 0
    assert (Case.objects.count(), Person.objects.count()) == before


def test_an_advocate_of_another_organization_or_suspended_is_refused(world: World) -> None:
    suspended = f.MembershipFactory(organization=world.lead, role="advocate", is_active=False)
    data = _csv(
        _good(world, primary_advocate_email=world.partner_staff.email),
        _good(world, primary_advocate_email=suspended.user.email),
        _good(world, primary_advocate_email=world.supervisor.email),
    )
    report = _run(world, data)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "primary_advocate_email"),
        (3, "primary_advocate_email"),
        (4, "primary_advocate_email"),
    ]


def test_an_organization_that_only_receives_referrals_is_refused(world: World) -> None:
    Organization.objects.filter(pk=world.lead.pk).update(leads_cases=False)
    world.lead.refresh_from_db()
    before = Case.objects.count()
    report = _run(world, _csv(_good(world)))
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]
    assert "only receives referrals" in report.errors[0].message
    assert Case.objects.count() == before


def test_only_an_admin_of_the_organization_imports(world: World) -> None:
    report = import_clients(
        data=_csv(_good(world)), organization=world.lead, actor=world.advocate, dry_run=True
    )
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]


def test_a_file_over_the_size_cap_is_refused_before_reading(world: World) -> None:
    data = _csv(_good(world)) + b"x" * MAX_BYTES
    report = _run(world, data)
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]
    assert "2 MB" in report.errors[0].message


def test_too_many_rows_and_bad_files_are_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cases.services.client_import.MAX_ROWS", 2)
    report = _run(world, _csv(_good(world), _good(world), _good(world)))
    assert [e.row for e in report.errors] == [0] and "more than 2 rows" in report.errors[0].message

    assert _run(world, "alias\nJosé\n".encode("latin-1")).errors[0].row == 0
    assert _run(world, b"").errors[0].row == 0
    report = _run(world, b"alias,shoe_size\nBex,9\n")
    assert [(e.row, e.column) for e in report.errors] == [(1, "shoe_size")]


def test_the_template_has_every_column_and_imports_as_a_dry_run(world: World) -> None:
    template = template_csv()
    assert template.splitlines()[0] == ",".join(COLUMNS)
    data = template.replace("advocate@example.org", world.advocate.email).encode()
    assert _run(world, data, dry_run=True).ok


def test_the_command_prints_counts_and_problems_without_values(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(
        _csv(
            _good(world, alias="Zephyrine", legal_name="Zephyrine Quarrington"),
            _good(world, alias="Marigold", birth_date="1999-13-45", area="Oakmere County"),
        )
    )
    args = [str(path), "--organization", str(world.lead.pk), "--actor-email", world.org_admin.email]

    with pytest.raises(CommandError) as raised:
        call_command("import_clients", *args, "--dry-run")
    output = capsys.readouterr()
    text = output.out + output.err + str(raised.value)
    assert "Row 3, column birth_date" in text
    for value in ("Zephyrine", "Quarrington", "Marigold", "1999-13-45", "Oakmere"):
        assert value not in text

    path.write_bytes(_csv(_good(world, alias="Zephyrine", legal_name="Zephyrine Quarrington")))
    call_command("import_clients", *args, "--dry-run")
    assert not Case.objects.filter(person__alias="Zephyrine").exists()
    call_command("import_clients", *args)
    output = capsys.readouterr()
    assert "1 cases imported" in output.out
    assert "Zephyrine" not in output.out + output.err
    assert Case.objects.filter(person__alias="Zephyrine").exists()


def test_closing_details_are_checked_against_the_status_and_the_opening_date(
    world: World,
) -> None:
    closed = {"status": "closed", "closed_reason": "moved", "closed_on": "2024-01-01"}
    data = _csv(
        _good(world, **closed),  # closed before it opened (2024-02-01)
        _good(world, **{**closed, "closed_reason": "other", "closed_on": "2024-03-01"}),
        _good(world, closed_reason="moved"),  # an open case has no closing reason
    )
    report = _run(world, data, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "closed_on"),
        (3, "closed_reason_text"),
        (4, "closed_reason"),
    ]
