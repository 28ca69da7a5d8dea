"""URLs of the portal pages (under my/): ids only, never a name (R33)."""

from django.urls import path

from frontend.portal import (
    views_activate,
    views_check_in,
    views_consents,
    views_export,
    views_plan,
    views_records,
    views_reminders,
)

urlpatterns = [
    path("", views_plan.home, name="portal-home"),
    path("activate/", views_activate.activate, name="portal-activate"),
    path("plan/<int:version_id>/approve/", views_plan.approve_plan, name="portal-plan-approve"),
    path("plan/<int:version_id>/changes/", views_plan.plan_changes, name="portal-plan-changes"),
    path("notices/<int:notice_id>/read/", views_plan.notice_read, name="portal-notice-read"),
    path("consents/", views_consents.consents, name="portal-consents"),
    path(
        "consents/<int:consent_id>/approve/",
        views_consents.consent_approve,
        name="portal-consent-approve",
    ),
    path(
        "consents/<int:consent_id>/decline/",
        views_consents.consent_decline,
        name="portal-consent-decline",
    ),
    path(
        "consents/<int:consent_id>/revoke/",
        views_consents.consent_revoke,
        name="portal-consent-revoke",
    ),
    path(
        "consents/<int:consent_id>/receipt/",
        views_records.consent_receipt_page,
        name="portal-consent-receipt",
    ),
    path(
        "consents/<int:consent_id>/receipt.json",
        views_records.consent_receipt_json,
        name="portal-consent-receipt-json",
    ),
    path("reminders/", views_reminders.reminders, name="portal-reminders"),
    path("check-in/", views_check_in.check_in, name="portal-check-in"),
    path("access-log/", views_records.access_log, name="portal-access-log"),
    path("my-information/", views_export.export_page, name="portal-export"),
    path("my-information.json", views_export.export_json, name="portal-export-json"),
    path("my-information.zip", views_export.export_zip, name="portal-export-zip"),
    path("documents/<int:document_id>/", views_export.document_file, name="portal-document"),
]
