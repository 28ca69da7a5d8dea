"""URLs of the partner pages: referrals received, services delivered, cases as released."""

from django.urls import path

from frontend.partner import views, views_documents, views_transfers

urlpatterns = [
    path("", views.incoming_referrals, name="incoming-referrals"),
    path("referrals/<int:referral_id>/", views.incoming_referral, name="incoming-referral"),
    path(
        "referrals/<int:referral_id>/accept/",
        views.accept_referral,
        name="incoming-referral-accept",
    ),
    path(
        "referrals/<int:referral_id>/decline/",
        views.decline_referral,
        name="incoming-referral-decline",
    ),
    path(
        "referrals/<int:referral_id>/start-service/",
        views.start_service,
        name="incoming-referral-start",
    ),
    path(
        "referrals/<int:referral_id>/complete/",
        views.complete_referral,
        name="incoming-referral-complete",
    ),
    path(
        "referrals/<int:referral_id>/close-without-service/",
        views.close_without_service,
        name="incoming-referral-close",
    ),
    path(
        "referrals/<int:referral_id>/contacts/",
        views.log_contact,
        name="incoming-referral-contact",
    ),
    path("transfers/", views_transfers.incoming_transfers, name="incoming-transfers"),
    path(
        "transfers/<int:transfer_id>/",
        views_transfers.incoming_transfer,
        name="incoming-transfer",
    ),
    path(
        "transfers/<int:transfer_id>/accept/",
        views_transfers.accept_transfer,
        name="incoming-transfer-accept",
    ),
    path(
        "transfers/<int:transfer_id>/decline/",
        views_transfers.decline_transfer_page,
        name="incoming-transfer-decline",
    ),
    path("services/", views.partner_services, name="partner-services"),
    path("cases/<int:case_id>/", views.partner_case, name="partner-case"),
    path(
        "cases/<int:case_id>/documents/<int:document_id>/file/",
        views_documents.partner_document_file,
        name="partner-document-file",
    ),
]
