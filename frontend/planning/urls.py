"""URLs of the planning pages: plan editor, consent requests and referrals of one case."""

from django.urls import path

from frontend.planning import consent_views, plan_views, referral_views

urlpatterns = [
    path("<int:case_id>/plan/", plan_views.plan_editor, name="plan-editor"),
    path("<int:case_id>/plan/goals/", plan_views.goal_add, name="plan-goal-add"),
    path("<int:case_id>/plan/goals/<int:goal_id>/", plan_views.goal_edit, name="plan-goal-edit"),
    path(
        "<int:case_id>/plan/goals/<int:goal_id>/services/new/",
        plan_views.service_add,
        name="plan-service-add",
    ),
    path(
        "<int:case_id>/plan/services/<int:service_id>/",
        plan_views.service_edit,
        name="plan-service-edit",
    ),
    path(
        "<int:case_id>/plan/services/<int:service_id>/move/",
        plan_views.service_move,
        name="plan-service-move",
    ),
    path("<int:case_id>/plan/versions/", plan_views.version_submit, name="plan-version-submit"),
    path(
        "<int:case_id>/plan/versions/<int:version_id>/approve/",
        plan_views.version_approve,
        name="plan-version-approve-in-person",
    ),
    path("<int:case_id>/consents/new/", consent_views.consent_request, name="consent-request"),
    path(
        "<int:case_id>/consents/<int:consent_id>/",
        consent_views.consent_detail,
        name="consent-detail",
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/form/",
        consent_views.consent_form,
        name="consent-form",
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/sign/",
        consent_views.consent_sign,
        name="consent-sign",
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/withdraw/",
        consent_views.consent_withdraw,
        name="consent-withdraw",
    ),
    path(
        "<int:case_id>/consents/<int:consent_id>/renew/",
        consent_views.consent_renew,
        name="consent-renew",
    ),
    path("<int:case_id>/referrals/new/", referral_views.referral_new, name="referral-new"),
    path(
        "<int:case_id>/referrals/<int:referral_id>/withdraw/",
        referral_views.referral_withdraw,
        name="referral-withdraw",
    ),
]
