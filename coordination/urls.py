"""Root URLs: the web app, the JSON API with its schema and docs, and the admin (accounts and
organizations only)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]
