"""What the advocate pages share: the lead-staff door to one case, and service errors on forms."""

from collections.abc import Mapping

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from cases.categories import DATA_CATEGORIES, DataCategory
from cases.models import SafeContactRule
from consent.access_log import note_denied
from consent.errors import AccessDenied, NotVisible
from consent.policy import Action, Basis, CaseAccess, access_case, lead_cases
from frontend.access import page_viewer

# The advocate's case pages are the lead organization's staff's: the young person has the
# portal and partners their own case view.
LEAD_STAFF_BASES = frozenset({Basis.CARE_TEAM, Basis.PRIMARY, Basis.SUPERVISOR})


def access_lead_case(request: HttpRequest, case_id: int, action: Action) -> CaseAccess:
    """The case through the policy, for a viewer who holds a lead staff basis on it: else 404
    (no basis, or only a consent), or 403 when the basis does not allow ``action``."""
    viewer = page_viewer(request)
    if not lead_cases(viewer=viewer).filter(pk=case_id).exists():
        # A partner holding a consent is refused here, before the policy would record a read.
        note_denied(viewer, case_id, action)
        raise Http404
    try:
        access = access_case(viewer=viewer, case_id=case_id, action=action)
    except NotVisible as exc:
        raise Http404 from exc
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    if not access.bases & LEAD_STAFF_BASES:
        raise Http404
    return access


def writable_lead_case(request: HttpRequest, case_id: int) -> CaseAccess:
    """Reading a form is a read of the case; posting it a write. Both need EDIT."""
    action = Action.EDIT if request.method == "POST" else Action.VIEW
    access = access_lead_case(request, case_id, action)
    if Action.EDIT not in access.actions:
        raise PermissionDenied
    return access


def add_service_errors(
    form: forms.Form, exc: ValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's ``ValidationError`` on the form: on its field when the form has one."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        field = aliases.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def channel_labels(rule: SafeContactRule | None) -> list[str]:
    """The allowed channels of a safe-contact rule, as words."""
    if rule is None:
        return []
    labels = dict(SafeContactRule.Channel.choices)
    return [str(labels.get(channel, channel)) for channel in rule.allowed_channels]


def category_labels(categories: list[str]) -> list[str]:
    """Data categories as short words ("Identity", "Contact"), in their usual order."""
    labels = {value: str(label).split(" (")[0] for value, label in DataCategory.choices}
    return [labels[c] for c in DATA_CATEGORIES if c in categories]
