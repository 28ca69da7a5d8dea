"""Root URLs: the web app, the JSON API with its schema and docs, and the admin (accounts and
organizations only)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls")),
    # No "api-auth/": DRF's login form asks for a password alone. People sign in at /sign-in/
    # (with the second factor) and the API then sees their session, or use a token.
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]

# Error pages show the request's reference only (coordination.errors); 400/403/404 use Django's
# handlers with the templates in frontend/templates.
handler500 = "coordination.errors.server_error"
