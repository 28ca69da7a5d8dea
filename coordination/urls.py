"""Root URLs: the web app, the JSON API with its schema and docs, and the admin (accounts and
organizations only)."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("api/", include("api.urls")),
    # No "api-auth/": DRF's login form asks for a password alone. People sign in at /sign-in/
    # (with the second factor) and the API then sees their session, or use a token.
    path("admin/", admin.site.urls),
    # Browsers that ignore the page's <link rel="icon"> ask for /favicon.ico: a neutral shape, no
    # name, so a tab in the portal reveals nothing.
    path("favicon.ico", RedirectView.as_view(url=static("frontend/favicon.svg"), permanent=True)),
    path("", include("frontend.urls")),
]

# Error pages show the request's reference only (coordination.errors); 400/403/404 use Django's
# handlers with the templates in frontend/templates.
handler500 = "coordination.errors.server_error"
