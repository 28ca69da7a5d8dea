"""Following an invitation's link: choose a password, then straight into two-step set-up.

The link works once and expires; an unknown, used, cancelled, replaced or expired link gets
the same page, which names nobody.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from frontend.access import no_store
from frontend.account.forms import ChoosePasswordForm
from providers.inviting import accept_invitation, pending_invitation


@sensitive_variables("token")
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = pending_invitation(token)
    form = ChoosePasswordForm(request.POST or None)
    if invitation is not None and request.method == "POST" and form.is_valid():
        try:
            user = accept_invitation(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            for error in exc.message_dict.get("password", []):
                form.add_error("password1", error)
            for error in exc.message_dict.get("token", []):
                form.add_error(None, error)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Harbor. Set up two-step sign-in to go on."))
            return redirect("frontend:home")
    status = 200 if invitation is not None and not form.errors else 400
    if invitation is None:
        status = 404
    context = {"form": form, "valid": invitation is not None}
    return no_store(render(request, "frontend/auth/invitation.html", context, status=status))
