"""Importing existing clients from a CSV file: one young person and one case per row.

Every row is checked, and every problem is reported by row number and column, never with the
value (a report may reach a screen or a terminal log; the values are personal data). The rows
are written through the same services as intake (``open_case``) and the case's life
(``activate_case``, ``close_case``) inside one transaction: a dry run, or a file with any
error, rolls all of it back, so the check is exactly the import and the import is all or
nothing.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, Person
from cases.services.client_columns import COLUMNS, TEXT_COLUMNS
from cases.services.intake import open_case
from cases.services.lifecycle import activate_case, close_case
from providers.models import Membership, Organization

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

STATUSES = (Case.Status.OPEN, Case.Status.ACTIVE, Case.Status.CLOSED)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_AGE_RANGE = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")
# Where a field error of the services lands in the file.
_FIELD_COLUMNS = {
    "age_range_min": "age_range",
    "age_range_max": "age_range",
    "primary_advocate": "primary_advocate_email",
    "reason": "closed_reason",
    "reason_text": "closed_reason_text",
    "status": "status",
    "lead_organization": "",
    "person": "",
}


@dataclass(frozen=True)
class RowError:
    """One problem: the row (the header is row 1, as in a spreadsheet), its column, what to do.

    ``row`` is 0 and ``column`` empty for a problem with the whole file.
    """

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors if error.row})

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row=row, column=column, message=str(message)))


def may_import(*, actor: User, organization: Organization) -> bool:
    """Only an active admin of the organization imports its clients."""
    return Membership.objects.filter(
        user=actor, organization=organization, role=Membership.Role.ORG_ADMIN, is_active=True
    ).exists()


def import_clients(
    *, data: bytes | IO[bytes], organization: Organization, actor: User, dry_run: bool
) -> ImportReport:
    """Check every row and, unless ``dry_run`` or anything is wrong, write them all."""
    report = ImportReport(dry_run=dry_run)
    raw = data if isinstance(data, bytes) else data.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        report.add(0, "", _("The file is larger than 2 MB; split it into smaller files."))
        return report
    if not organization.leads_cases or not organization.is_active:
        report.add(0, "", _("This organization only receives referrals; it does not lead cases."))
        return report
    if not may_import(actor=actor, organization=organization):
        report.add(0, "", _("Only an admin of the organization imports its clients."))
        return report
    rows = _read_rows(raw, report)
    if rows is None:
        return report
    report.rows = len(rows)
    with transaction.atomic():
        for number, values in rows:
            _import_row(number, values, organization=organization, actor=actor, report=report)
        if report.ok and not dry_run:
            report.written = report.rows
        else:
            transaction.set_rollback(True)
    return report


def _read_rows(raw: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]] | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.add(0, "", _("The file is not UTF-8 text; save it as 'CSV UTF-8' and try again."))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(name.strip() for name in header):
            report.add(0, "", _("The first row must name the columns; see the template."))
            return None
        names = [name.strip().lower() for name in header]
        unknown = [name for name in names if name not in COLUMNS]
        for name in unknown:
            report.add(1, name or "?", _("Not a column of the template."))
        if len(set(names)) != len(names):
            report.add(1, "", _("A column is named twice."))
        if report.errors:
            return None
        rows: list[tuple[int, dict[str, str]]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                report.add(
                    0,
                    "",
                    _("The file has more than %(max)d rows; split it into smaller files.")
                    % {"max": MAX_ROWS},
                )
                return None
            if len(cells) > len(names):
                report.add(number, "", _("This row has more cells than the header has columns."))
            values = {name: "" for name in COLUMNS}
            values.update({name: cell.strip() for name, cell in zip(names, cells, strict=False)})
            rows.append((number, values))
    except csv.Error:
        report.add(0, "", _("The file is not a readable CSV file."))
        return None
    return rows


def _import_row(
    number: int,
    values: dict[str, str],
    *,
    organization: Organization,
    actor: User,
    report: ImportReport,
) -> None:
    before = len(report.errors)
    person_fields = _person_fields(number, values, report)
    opened_on = _date(number, "opened_on", values, report, required=True)
    closed_on = _date(number, "closed_on", values, report)
    advocate = _advocate(number, values, organization, report)
    status = values["status"].lower() or Case.Status.OPEN
    if status not in STATUSES:
        report.add(
            number, "status", _("Choose one of: %(choices)s.") % {"choices": ", ".join(STATUSES)}
        )
    reason = values["closed_reason"].lower()
    if status == Case.Status.CLOSED:
        if reason not in Case.ClosedReason.values:
            report.add(
                number,
                "closed_reason",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(Case.ClosedReason.values)},
            )
        if closed_on is None and not values["closed_on"]:
            report.add(number, "closed_on", _("A closed case needs its closing date."))
    else:
        for name in ("closed_reason", "closed_reason_text", "closed_on"):
            if values[name]:
                report.add(number, name, _("Only a closed case has this; leave it empty."))
    if len(report.errors) > before:
        return
    try:
        with transaction.atomic():
            case = open_case(
                actor=actor,
                lead_organization=organization,
                person_fields=person_fields,
                primary_advocate=advocate,
                opened_on=opened_on,
                referral_source=values["referral_source"].lower(),
            )
            if status == Case.Status.ACTIVE:
                activate_case(case=case, actor=actor)
            elif status == Case.Status.CLOSED:
                close_case(
                    case=case,
                    actor=actor,
                    reason=reason,
                    reason_text=values["closed_reason_text"],
                    closed_on=closed_on,
                )
    except ValidationError as exc:
        _report_validation(number, exc, person_fields, report)


def _person_fields(number: int, values: dict[str, str], report: ImportReport) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in TEXT_COLUMNS:
        limit = Person._meta.get_field(name).max_length
        if limit is not None and len(values[name]) > limit:
            report.add(number, name, _("At most %(limit)d characters.") % {"limit": limit})
        fields[name] = values[name]
    if not (values["alias"] or values["chosen_name"] or values["legal_name"]):
        report.add(number, "alias", _("Give a name or an alias; nothing else is needed to start."))
    fields["languages"] = [code for code in re.split(r"[;,]", values["languages"]) if code.strip()]
    fields["languages"] = [code.strip().lower() for code in fields["languages"]]
    if (
        any(not _LANGUAGE.match(code) for code in fields["languages"])
        or len(fields["languages"]) > 20
    ):
        report.add(
            number,
            "languages",
            _("Give language codes separated by semicolons, for example: en;es."),
        )
    codes = re.split(r"[;,]", values["race_ethnicity_codes"])
    fields["race_ethnicity_codes"] = [code.strip().lower() for code in codes if code.strip()]
    declined = [name.strip() for name in re.split(r"[;,]", values["declined_fields"])]
    fields["declined_fields"] = sorted({name for name in declined if name})
    if set(fields["declined_fields"]) - set(Person.DECLINABLE_FIELDS):
        report.add(
            number,
            "declined_fields",
            _("Use only these names, separated by semicolons: %(names)s.")
            % {"names": ", ".join(Person.DECLINABLE_FIELDS)},
        )
    given = [name for name in ("birth_date", "birth_year", "age_range") if values[name]]
    fields["birth_date_precision"] = Person.BirthDatePrecision.UNKNOWN
    if len(given) > 1:
        for name in given:
            report.add(
                number,
                name,
                _("Give only one of birth_date, birth_year and age_range."),
            )
        return fields
    if values["birth_date"]:
        fields["birth_date"] = _date(number, "birth_date", values, report)
        fields["birth_date_precision"] = Person.BirthDatePrecision.EXACT
    elif values["birth_year"]:
        if not values["birth_year"].isdigit() or len(values["birth_year"]) != 4:
            report.add(number, "birth_year", _("Give a four-digit year, for example 2009."))
        else:
            fields["birth_year"] = int(values["birth_year"])
            fields["birth_date_precision"] = Person.BirthDatePrecision.YEAR
    elif values["age_range"]:
        match = _AGE_RANGE.match(values["age_range"])
        if match is None:
            report.add(number, "age_range", _("Give two ages with a dash, for example 15-17."))
        else:
            fields["age_range_min"], fields["age_range_max"] = map(int, match.groups())
            fields["birth_date_precision"] = Person.BirthDatePrecision.AGE_RANGE
    return fields


def _date(
    number: int, column: str, values: dict[str, str], report: ImportReport, required: bool = False
) -> date | None:
    raw = values[column]
    if not raw:
        if required:
            report.add(number, column, _("Required."))
        return None
    try:
        found = date.fromisoformat(raw)
    except ValueError:
        report.add(number, column, _("Give the date as YYYY-MM-DD, for example 2024-03-01."))
        return None
    if len(raw) != 10:
        report.add(number, column, _("Give the date as YYYY-MM-DD, for example 2024-03-01."))
        return None
    if found > timezone.localdate():
        report.add(number, column, _("The date cannot be in the future."))
        return None
    return found


def _advocate(
    number: int, values: dict[str, str], organization: Organization, report: ImportReport
) -> User | None:
    email = values["primary_advocate_email"]
    if not email:
        return None
    advocate = (
        User.objects.filter(
            email__iexact=email,
            memberships__organization=organization,
            memberships__role=Membership.Role.ADVOCATE,
            memberships__is_active=True,
        )
        .distinct()
        .first()
    )
    if advocate is None:
        report.add(
            number,
            "primary_advocate_email",
            _("Not the e-mail address of an active advocate of this organization."),
        )
    return advocate


def _report_validation(
    number: int, exc: ValidationError, person_fields: dict[str, Any], report: ImportReport
) -> None:
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            report.add(number, "", message)
        return
    birth_column = {
        Person.BirthDatePrecision.EXACT: "birth_date",
        Person.BirthDatePrecision.YEAR: "birth_year",
        Person.BirthDatePrecision.AGE_RANGE: "age_range",
    }.get(person_fields.get("birth_date_precision"), "birth_date")
    for name, messages in exc.message_dict.items():
        if name == "birth_date_precision":
            column = birth_column
        else:
            column = _FIELD_COLUMNS.get(name, name if name in COLUMNS else "")
        for message in messages:
            report.add(number, column, message)
