"""The Django admin, behind Harbor's own sign-in and second factor.

The admin's login form would be a door around two-factor sign-in, so it sends people to
Harbor's sign-in page instead; and a session that has not passed the second factor is not let
in, even for a superuser. What the admin lists is limited in the apps' admin modules (accounts,
organizations, settings; never case data).
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode


class HarborAdminSite(admin.AdminSite):
    site_header = "Harbor administration"
    site_title = "Harbor administration"

    def has_permission(self, request: HttpRequest) -> bool:
        from accounts.two_factor import session_is_verified  # models load after this module

        return super().has_permission(request) and session_is_verified(request)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Harbor's sign-in page (with its second factor), then back to the admin.

        Someone already signed in is sent to the second factor if that is what they lack, and
        refused otherwise (sending them to sign in again would loop back here)."""
        from accounts.two_factor import session_is_verified

        query = urlencode({"next": request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")})
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{settings.LOGIN_URL}?{query}")
        if request.user.is_staff and not session_is_verified(request):
            try:
                return HttpResponseRedirect(f"{reverse('frontend:two-factor-verify')}?{query}")
            except NoReverseMatch:  # the two-factor pages are not wired yet
                pass
        raise PermissionDenied


class HarborAdminConfig(AdminConfig):
    default_site = "coordination.admin_site.HarborAdminSite"
