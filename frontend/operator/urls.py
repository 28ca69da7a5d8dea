"""URLs of the site operator's pages."""

from django.urls import path

from frontend.operator import views

urlpatterns = [
    path("", views.organizations, name="operator-organizations"),
    path("organizations/new/", views.new_organization, name="operator-organization-new"),
    path(
        "organizations/<int:organization_id>/",
        views.organization,
        name="operator-organization",
    ),
    path(
        "organizations/<int:organization_id>/active/",
        views.organization_active,
        name="operator-organization-active",
    ),
    path(
        "organizations/<int:organization_id>/invite/",
        views.invite_admin,
        name="operator-organization-invite",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="operator-invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="operator-invitation-cancel",
    ),
]
