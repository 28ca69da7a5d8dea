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

from cases.services.portal_access import WRONG_CODE, find_code, redeem_portal_code
from consent.access_log import note_portal_activation
from frontend.access import no_store
from frontend.advocate.common import add_service_errors
from frontend.portal.forms import ActivateForm


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
                note_portal_activation(person_id=match.wrong_try_for, user_id=None, allowed=False)
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
                note_portal_activation(
                    person_id=activation.person_id, user_id=user.pk, allowed=True
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, gettext("Welcome. This is your account."))
                return redirect("frontend:portal-home")
    request.harbor_area = "portal"  # type: ignore[attr-defined]
    status = 400 if request.method == "POST" else 200
    return no_store(render(request, "frontend/portal/activate.html", {"form": form}, status=status))
