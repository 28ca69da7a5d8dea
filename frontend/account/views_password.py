"""Changing one's own password while signed in: the old one, then the new one twice.

Every other session and API token of the person ends (someone who knew the old password is
out); this session goes on.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.sessions import end_every_session
from frontend.access import to_second_factor
from frontend.account.views_security import locked_to_second_factor, render_account_page


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    if locked_to_second_factor(request):
        return to_second_factor(request)
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        end_every_session(user)
        update_session_auth_hash(request, user)  # this session follows the new password
        messages.success(request, _("Your password is changed. Every other session has ended."))
        return redirect("frontend:account-security")
    status = 400 if form.is_bound and form.errors else 200
    return render_account_page(
        request, "frontend/account/password_change.html", {"form": form}, status=status
    )
