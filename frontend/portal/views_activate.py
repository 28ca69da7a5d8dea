"""``/my/activate/``: a young person turns the code their advocate gave into their own login (R42).

Open to anyone (the person has no login yet), rate limited per address, and every answer to a
wrong, used, expired or locked code is the same. Redeeming is recorded in the access log of
the young person's cases, and so is a wrong try against a real code.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from cases.models import Case
from cases.services.portal_access import WRONG_CODE, find_code, redeem_portal_code
from consent.access_log import YOUNG_PERSON, EventDraft, note_many
from consent.models import AccessOutcome
from frontend.access import no_store
from frontend.advocate.common import add_service_errors
from frontend.portal.forms import ActivateForm

ACTIVATE = "activate_portal"


@sensitive_post_parameters("code", "password1", "password2")
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    form = ActivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        match = find_code(data["code"])
        activation = match.found
        if activation is None:
            if match.wrong_try_for is not None:
                _note(person_id=match.wrong_try_for, user_id=None, outcome=AccessOutcome.DENIED)
            form.add_error("code", str(WRONG_CODE))
        else:
            try:
                user = redeem_portal_code(
                    activation=activation,
                    sign_in_name=data["sign_in_name"],
                    password=data["password1"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, aliases={"password": "password1"})
            else:
                _note(person_id=activation.person_id, user_id=user.pk)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, gettext("Welcome. This is your account."))
                return redirect("frontend:portal-home")
    request.harbor_area = "portal"  # type: ignore[attr-defined]
    status = 400 if request.method == "POST" else 200
    return no_store(render(request, "frontend/portal/activate.html", {"form": form}, status=status))


def _note(*, person_id: int, user_id: int | None, outcome: str = AccessOutcome.ALLOWED) -> None:
    """A login began (or a wrong code was tried) for this young person: an event on each of
    their cases. A refused try names no basis."""
    allowed = outcome == AccessOutcome.ALLOWED
    cases = Case.objects.filter(person_id=person_id).values_list("pk", "lead_organization_id")
    note_many(
        EventDraft(
            user_id=user_id,
            action=ACTIVATE,
            outcome=outcome,
            case_id=case_id,
            organization_id=organization_id,
            role=YOUNG_PERSON if allowed else "",
            basis=YOUNG_PERSON if allowed else "",
            purpose="own_record" if allowed else "",
        )
        for case_id, organization_id in cases
    )
