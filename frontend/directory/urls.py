"""Pages of the directory."""

from django.urls import path

from frontend.directory import views

urlpatterns = [
    path("", views.search, name="directory"),
    path("services/<int:service_id>/", views.service_detail, name="directory-service"),
    path(
        "organizations/<int:organization_id>/services/",
        views.entries,
        name="directory-entries",
    ),
    path(
        "organizations/<int:organization_id>/services/new/",
        views.service_new,
        name="directory-service-new",
    ),
    path("services/<int:service_id>/edit/", views.service_edit, name="directory-service-edit"),
    path(
        "services/<int:service_id>/unpublish/",
        views.service_unpublish,
        name="directory-service-unpublish",
    ),
]
