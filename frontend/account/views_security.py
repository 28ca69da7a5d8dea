"""Account security: the second factor, backup codes, and signing out everywhere.

Staff must keep a second factor (R36); a young person may add one or turn it off. Changing it
needs a session that passed the second factor, unless there is none yet to pass.
"""

from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import two_factor
from accounts.sessions import end_every_session
from frontend.access import is_portal_user, no_store, page_viewer, to_second_factor
from frontend.account.forms import ConfirmAppForm
from frontend.account.next_url import safe_next


def _base_template(request: HttpRequest) -> str:
    """Young people keep the portal's neutral title and quick exit on these pages too."""
    if is_portal_user(page_viewer(request)):
        return "frontend/portal/base.html"
    return "frontend/base.html"


def _must_keep_second_factor(request: HttpRequest) -> bool:
    return two_factor.must_use_second_factor(request.user, page_viewer(request).roles)


def locked_to_second_factor(request: HttpRequest) -> bool:
    """A person with a second factor changes it only from a session that passed it."""
    return not two_factor.session_is_verified(request) and two_factor.has_confirmed_device(
        request.user
    )


def render_account_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"base_template": _base_template(request), **context}
    return no_store(render(request, template, context, status=status))


@login_required
def security(request: HttpRequest) -> HttpResponse:
    if locked_to_second_factor(request):
        return to_second_factor(request)
    return render_account_page(
        request,
        "frontend/account/security.html",
        {
            "has_app": two_factor.has_confirmed_device(request.user),
            "backup_codes_left": two_factor.backup_codes_left(request.user),
            "must_keep": _must_keep_second_factor(request),
        },
    )


@sensitive_post_parameters("code")
@login_required
def set_up(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: scan the code (or type the key), then enter what it shows."""
    if locked_to_second_factor(request):
        return to_second_factor(request)
    device = two_factor.pending_app_device(request.user)
    form = ConfirmAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor.confirm_app_device(request.user, form.cleaned_data["code"])
        if confirmed is not None:
            app, codes = confirmed
            request.session.cycle_key()
            two_factor.mark_session_verified(request, app)
            return render_account_page(
                request,
                "frontend/account/backup_codes.html",
                {"codes": codes, "next_url": safe_next(request, ""), "first_time": True},
            )
        form.add_error("code", _("That code did not work. Check the app's current code."))
    return render_account_page(
        request,
        "frontend/account/set_up.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped_secret(device.config_url),
            "next_url": safe_next(request, ""),
            "first_time": not two_factor.has_confirmed_device(request.user),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@login_required
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    if locked_to_second_factor(request) or not two_factor.has_confirmed_device(request.user):
        return to_second_factor(request)
    codes = two_factor.replace_backup_codes(request.user)
    return render_account_page(
        request,
        "frontend/account/backup_codes.html",
        {"codes": codes, "next_url": "", "first_time": False},
    )


@require_POST
@login_required
def turn_off(request: HttpRequest) -> HttpResponse:
    """Young people may turn the second factor off; staff may not (R36)."""
    if _must_keep_second_factor(request):
        return no_store(HttpResponse(status=403))
    if locked_to_second_factor(request):
        return to_second_factor(request)
    two_factor.remove_second_factor(request.user)
    messages.success(request, _("Two-step sign-in is off. You can turn it on again here."))
    return redirect("frontend:account-security")


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this person, this one included, and every API token."""
    if locked_to_second_factor(request):
        return to_second_factor(request)
    end_every_session(request.user)
    logout(request)
    messages.success(request, _("You were signed out on every device. Sign in again to go on."))
    return redirect("frontend:sign-in")


def _qr_svg(config_url: str) -> str:
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _grouped_secret(config_url: str) -> str:
    """The key in groups of four, for typing into an app by hand."""
    secret = config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
