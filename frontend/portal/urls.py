"""URLs of the portal pages (under my/): ids only, never a name (R33)."""

from django.urls import path

from frontend.portal import views

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("plan/<int:version_id>/approve/", views.approve_plan, name="portal-plan-approve"),
    path("plan/<int:version_id>/changes/", views.plan_changes, name="portal-plan-changes"),
    path("notices/<int:notice_id>/read/", views.notice_read, name="portal-notice-read"),
    path("consents/", views.consents, name="portal-consents"),
    path(
        "consents/<int:consent_id>/approve/", views.consent_approve, name="portal-consent-approve"
    ),
    path(
        "consents/<int:consent_id>/decline/", views.consent_decline, name="portal-consent-decline"
    ),
    path("consents/<int:consent_id>/revoke/", views.consent_revoke, name="portal-consent-revoke"),
    path(
        "consents/<int:consent_id>/receipt/",
        views.consent_receipt_page,
        name="portal-consent-receipt",
    ),
    path(
        "consents/<int:consent_id>/receipt.json",
        views.consent_receipt_json,
        name="portal-consent-receipt-json",
    ),
    path("access-log/", views.access_log, name="portal-access-log"),
]
