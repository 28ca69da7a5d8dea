"""The door of the planning pages: the case's care team and supervisors at its lead organization.

Anyone else gets 404, whatever they may otherwise see of the case: a partner reading under a
consent cannot plan, ask for consents or refer onward (R21), and learns nothing from trying.
"""

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, QueryDict
from django.urls import NoReverseMatch, reverse

from consent.errors import AccessDenied, NotVisible
from consent.policy import Action, CaseAccess, access_case, lead_cases
from frontend.access import page_viewer


def lead_staff_case(request: HttpRequest, case_id: int, action: Action = Action.VIEW) -> CaseAccess:
    """The case, for staff who may edit it; the policy records the access or the refusal."""
    viewer = page_viewer(request)
    if not lead_cases(viewer=viewer).filter(pk=case_id).exists():
        # No lead basis: ask as a writer, so the refusal is what the access log records.
        action = Action.EDIT
    try:
        access = access_case(viewer=viewer, case_id=case_id, action=action)
    except AccessDenied as exc:
        raise NotVisible("No such case.") from exc
    if Action.EDIT not in access.actions:
        raise NotVisible("No such case.")
    return access


def case_page_url(case_id: int) -> str:
    """The case page; the caseload until the case page exists."""
    try:
        return reverse("frontend:case", kwargs={"case_id": case_id})
    except NoReverseMatch:
        return reverse("frontend:caseload")


def show_errors(form: Form, exc: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: on the field it names (``renamed``: the service's
    name -> the form's) when the form has it, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        name = (renamed or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def action_of(request: HttpRequest) -> Action:
    """Reading a page is a view of the case; posting its form is an edit."""
    return Action.EDIT if request.method == "POST" else Action.VIEW


def data_of(request: HttpRequest) -> QueryDict | None:
    """The posted data to bind a form to, or None to show it empty."""
    return request.POST if request.method == "POST" else None
