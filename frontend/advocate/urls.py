"""URLs of the advocate pages, under /cases/."""

from django.urls import path

from frontend.advocate import (
    views_care_team,
    views_cases,
    views_check_ins,
    views_documents,
    views_family,
    views_flags,
    views_follow_ups,
    views_lifecycle,
    views_portal,
    views_records,
    views_system_involvement,
    views_transfers,
)

urlpatterns = [
    path("", views_cases.caseload, name="caseload"),
    path("new/", views_cases.case_open, name="case-open"),
    path("<int:case_id>/", views_cases.case_page, name="case"),
    path("<int:case_id>/person/", views_records.person_edit, name="person-edit"),
    path("<int:case_id>/care-team/", views_care_team.care_team, name="care-team"),
    path(
        "<int:case_id>/care-team/<int:member_id>/end/",
        views_care_team.care_team_end,
        name="care-team-end",
    ),
    path("<int:case_id>/follow-ups/new/", views_follow_ups.follow_up_new, name="follow-up-new"),
    path("<int:case_id>/documents/", views_documents.documents, name="documents"),
    path(
        "<int:case_id>/documents/<int:document_id>/file/",
        views_documents.document_file,
        name="document-file",
    ),
    path(
        "<int:case_id>/documents/<int:document_id>/delete/",
        views_documents.document_delete,
        name="document-delete",
    ),
    path(
        "<int:case_id>/system-involvement/",
        views_system_involvement.system_involvement,
        name="system-involvement",
    ),
    path(
        "<int:case_id>/system-involvement/<int:event_id>/",
        views_system_involvement.system_involvement_edit,
        name="system-involvement-edit",
    ),
    path(
        "<int:case_id>/system-involvement/<int:event_id>/remove/",
        views_system_involvement.system_involvement_remove,
        name="system-involvement-remove",
    ),
    path("<int:case_id>/check-ins/", views_check_ins.check_ins, name="check-ins"),
    path("<int:case_id>/check-ins/new/", views_check_ins.check_in_new, name="check-in-new"),
    path(
        "<int:case_id>/check-ins/<int:check_in_id>/correct/",
        views_check_ins.check_in_correct,
        name="check-in-correct",
    ),
    path("<int:case_id>/flags/", views_flags.flags, name="flags"),
    path("<int:case_id>/flags/<int:flag_id>/clear/", views_flags.flag_clear, name="flag-clear"),
    path("<int:case_id>/status/", views_lifecycle.case_status, name="case-status"),
    path("<int:case_id>/transfer/", views_transfers.case_transfer, name="case-transfer"),
    path(
        "<int:case_id>/transfer/<int:transfer_id>/cancel/",
        views_transfers.case_transfer_cancel,
        name="case-transfer-cancel",
    ),
    path("<int:case_id>/contacts/new/", views_records.contact_new, name="contact-new"),
    path("<int:case_id>/notes/new/", views_records.note_new, name="note-new"),
    path("<int:case_id>/safe-contact/", views_records.safe_contact, name="safe-contact"),
    path("<int:case_id>/family/new/", views_family.family_new, name="family-new"),
    path("<int:case_id>/family/<int:member_id>/", views_family.family_edit, name="family-edit"),
    path("<int:case_id>/family/<int:member_id>/end/", views_family.family_end, name="family-end"),
    path(
        "<int:case_id>/may-consent-alone/",
        views_family.may_consent_alone,
        name="may-consent-alone",
    ),
    path("<int:case_id>/portal-access/", views_portal.portal_access, name="portal-access"),
    path("follow-ups/", views_follow_ups.follow_up_inbox, name="follow-ups"),
    path(
        "follow-ups/<int:follow_up_id>/complete/",
        views_follow_ups.follow_up_complete,
        name="follow-up-complete",
    ),
    path(
        "follow-ups/<int:follow_up_id>/cancel/",
        views_follow_ups.follow_up_cancel,
        name="follow-up-cancel",
    ),
]
