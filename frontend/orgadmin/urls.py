"""URLs of the orgadmin pages."""

from django.urls import path

from frontend.orgadmin import views

urlpatterns = [
    path("", views.organization_page, name="organization"),
    path("<int:organization_id>/entry/", views.directory_entry, name="organization-entry"),
    path("<int:organization_id>/import/", views.client_import, name="organization-import"),
    path(
        "import/template.csv",
        views.client_import_template,
        name="organization-import-template",
    ),
    path("<int:organization_id>/retention/", views.retention, name="organization-retention"),
    path("<int:organization_id>/members/new/", views.add_member, name="organization-add-member"),
    path("members/<int:membership_id>/role/", views.member_role, name="organization-member-role"),
    path(
        "members/<int:membership_id>/active/",
        views.member_active,
        name="organization-member-active",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="organization-invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="organization-invitation-cancel",
    ),
    path(
        "members/<int:membership_id>/reset-two-step/",
        views.member_reset_two_factor,
        name="organization-member-reset-two-factor",
    ),
]
