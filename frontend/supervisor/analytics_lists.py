"""The lists behind the figures of the analytics pages, as tables for the page and the CSV.

One row per record, its case first as "Case 12" (as every staff list labels cases), then
dates, kinds, statuses, organization and staff names: what the supervisor already sees on the
continuity pages. No notes, summaries or anything about the young person beyond the case id.
"""

from collections.abc import Callable
from datetime import datetime

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.supervisor.analytics_tables import Cell, Table, when
from reports.analytics.figures import MODEL, Figure


def _case(case_id: int) -> Cell:
    return Cell(_("Case %(id)s") % {"id": case_id}, case_id=case_id)


def _since(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return _("Never")
    return number_format(int((now - moment).total_seconds() // 86400), 0)


def _case_rows(rows: list, now: datetime) -> tuple[list[str], list[list[Cell]]]:
    columns = [
        _("Case"),
        _("Status"),
        _("Opened"),
        _("Primary advocate"),
        _("Last contact"),
        _("Days since last contact"),
        _("Plan last reviewed or approved"),
    ]
    cells = [
        [
            _case(row.pk),
            Cell(row.get_status_display()),
            Cell(when(row.opened_on)),
            Cell(row.primary_name or row.primary_email or _("None")),
            Cell(when(row.last_contact_at, _("None logged"))),
            Cell(_since(row.last_contact_at, now)),
            Cell(when(row.plan_reviewed_at)),
        ]
        for row in rows
    ]
    return columns, cells


def _follow_up_rows(rows: list, now: datetime) -> tuple[list[str], list[list[Cell]]]:
    columns = [_("Case"), _("Follow-up"), _("Due"), _("Done"), _("Assigned to")]
    cells = [
        [
            _case(row.case_id),
            Cell(row.get_kind_display()),
            Cell(when(row.due_at)),
            Cell(when(row.completed_at, _("Still open"))),
            Cell(
                (row.assignee.full_name or row.assignee.email)
                if row.assignee
                else _("Nobody (the queue)")
            ),
        ]
        for row in rows
    ]
    return columns, cells


def _days_between(later: datetime | None, earlier: datetime | None) -> str:
    if later is None or earlier is None:
        return "—"
    return number_format(round((later - earlier).total_seconds() / 86400, 1), 1)


def _referral_rows(rows: list, now: datetime) -> tuple[list[str], list[list[Cell]]]:
    columns = [
        _("Case"),
        _("Sent to"),
        _("Service"),
        _("Status"),
        _("Sent"),
        _("Answered"),
        _("Days to answer"),
        _("In service from"),
        _("Days to first service"),
    ]
    cells = [
        [
            _case(row.case_id),
            Cell(row.to_organization.name),
            Cell(row.service_type.label),
            Cell(row.get_status_display()),
            Cell(when(row.sent_at)),
            Cell(when(row.answered_at, _("Not answered"))),
            Cell(_days_between(row.answered_at, row.sent_at)),
            Cell(when(row.in_service_at)),
            Cell(_days_between(row.in_service_at, row.sent_at)),
        ]
        for row in rows
    ]
    return columns, cells


def _service_rows(rows: list, now: datetime) -> tuple[list[str], list[list[Cell]]]:
    columns = [_("Case"), _("Service"), _("Provider"), _("Status"), _("Last contact"), _("Lapsed")]
    cells = [
        [
            _case(row.case_id),
            Cell(row.service_type.label),
            Cell(row.provider.name if row.provider else "—"),
            Cell(row.get_status_display()),
            Cell(when(row.last_contact_at, _("None logged"))),
            Cell(when(row.lapses_at)),
        ]
        for row in rows
    ]
    return columns, cells


def _consent_rows(rows: list, now: datetime) -> tuple[list[str], list[list[Cell]]]:
    columns = [_("Case"), _("Shared with"), _("Expires")]
    cells = [
        [_case(row.case_id), Cell(row.recipient.name), Cell(when(row.expires_at))] for row in rows
    ]
    return columns, cells


def _contact_rows(rows: list, now: datetime) -> tuple[list[str], list[list[Cell]]]:
    columns = [_("Case"), _("When"), _("Channel"), _("Outcome"), _("With")]
    cells = [
        [
            _case(row.case_id),
            Cell(when(row.occurred_at)),
            Cell(row.get_channel_display()),
            Cell(row.get_outcome_display()),
            Cell(row.get_contact_with_display()),
        ]
        for row in rows
    ]
    return columns, cells


ListShaper = Callable[[list, datetime], tuple[list[str], list[list[Cell]]]]
LIST_SHAPES: dict[str, ListShaper] = {
    "Case": _case_rows,
    "FollowUp": _follow_up_rows,
    "Referral": _referral_rows,
    "PlannedService": _service_rows,
    "Consent": _consent_rows,
    "Contact": _contact_rows,
}
LIST_TITLES = {
    Figure.OPEN_CASES: gettext_lazy("Open cases"),
    Figure.NO_RECENT_CONTACT: gettext_lazy("Open cases with no recent contact"),
    Figure.LAST_CONTACT: gettext_lazy("Time since last contact, per open case"),
    Figure.PLANS_OVERDUE: gettext_lazy("Plans overdue for review"),
    Figure.CONSENTS_EXPIRING: gettext_lazy("Consents expiring within 30 days"),
    Figure.CASES_OPENED: gettext_lazy("Cases opened"),
    Figure.FOLLOW_UPS_DUE: gettext_lazy("Follow-ups due"),
    Figure.FOLLOW_UPS_ON_TIME: gettext_lazy("Follow-ups done on time"),
    Figure.FOLLOW_UPS_OVERDUE: gettext_lazy("Follow-ups overdue"),
    Figure.REFERRALS_SENT: gettext_lazy("Referrals sent"),
    Figure.REFERRALS_ANSWERED: gettext_lazy("Referrals sent and answered"),
    Figure.REFERRALS_ACCEPTED: gettext_lazy("Referrals sent and accepted"),
    Figure.REFERRALS_IN_SERVICE: gettext_lazy("Referrals sent that went in service"),
    Figure.REFERRAL_ANSWERS: gettext_lazy("Referrals answered"),
    Figure.SERVICES_LAPSED: gettext_lazy("Services lapsed"),
    Figure.CONTACTS_LOGGED: gettext_lazy("Contacts logged"),
}


def list_table(figure: Figure, rows: list, *, now: datetime) -> Table:
    """The list behind ``figure``: one row per record, its case first."""
    columns, cells = LIST_SHAPES[MODEL[figure].__name__](rows, now)
    return Table(slug=figure.value, caption=str(LIST_TITLES[figure]), columns=columns, rows=cells)
