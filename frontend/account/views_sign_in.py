"""Signing in: the password first, then a code from the second factor when the person has one.

Staff without a second factor yet are signed in and sent straight to set one up; every staff
page refuses case data until they have (frontend.access.staff_page).
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts import two_factor
from accounts.models import User
from frontend.access import no_store
from frontend.account import pending
from frontend.account.forms import CodeForm
from frontend.account.next_url import safe_next


class SignInView(LoginView):
    template_name = "frontend/auth/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form: object) -> HttpResponse:
        user: User = form.get_user()  # type: ignore[attr-defined]
        if two_factor.has_confirmed_device(user):
            pending.start(self.request, user, self.get_success_url())
            return redirect("frontend:two-factor-verify")
        return super().form_valid(form)  # type: ignore[arg-type]


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify_code(request: HttpRequest) -> HttpResponse:
    """Enter the code: to finish a pending sign-in, or to unlock staff pages of this session."""
    if request.user.is_authenticated:
        return _verify_signed_in(request)
    state = pending.current(request)
    if state is None:
        pending.clear(request)
        return redirect("frontend:sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_code(state.user, form.cleaned_data["code"])
        if device is not None:
            pending.clear(request)
            login(request, state.user, backend=state.backend)
            two_factor.mark_session_verified(request, device)
            _say_if_backup_code_used(request, state.user, device)
            return redirect(state.next_url)
        if pending.wrong_code(request):
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect("frontend:sign-in")
        form.add_error("code", _("That code did not work. Check the app's current code."))
    return no_store(
        render(request, "frontend/account/verify.html", {"form": form}, status=_status(form))
    )


def _verify_signed_in(request: HttpRequest) -> HttpResponse:
    """A signed-in session without its second factor: set one up, or enter its code."""
    next_url = safe_next(request)
    if two_factor.session_is_verified(request):
        return redirect(next_url)
    if not two_factor.has_confirmed_device(request.user):
        setup = reverse("frontend:two-factor-set-up")
        return redirect(f"{setup}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_code(request.user, form.cleaned_data["code"])
        if device is not None:
            request.session.cycle_key()
            two_factor.mark_session_verified(request, device)
            _say_if_backup_code_used(request, request.user, device)
            return redirect(next_url)
        form.add_error("code", _("That code did not work. Check the app's current code."))
    return no_store(
        render(request, "frontend/account/verify.html", {"form": form}, status=_status(form))
    )


def _say_if_backup_code_used(request: HttpRequest, user: User, device: object) -> None:
    if device.persistent_id.startswith("otp_static"):  # type: ignore[attr-defined]
        left = two_factor.backup_codes_left(user)
        messages.warning(
            request,
            _("You used a backup code; %(left)s left. Make new ones from Account security.")
            % {"left": left},
        )


def _status(form: CodeForm) -> int:
    return 400 if form.is_bound and form.errors else 200
