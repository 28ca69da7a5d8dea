"""URLs of the JSON API (version 1), its OpenAPI schema and docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import routes_plans, routes_records, routes_referrals
from api.access_log import MyAccessLogView
from api.care_team import CareTeamViewSet
from api.cases import CaseViewSet
from api.compelled import CompelledDisclosureViewSet
from api.consent_exports import ConsentFhirView, ConsentReceiptPageView, ConsentReceiptView
from api.consents import ConsentViewSet
from api.continuity_rules import ContinuityRulesView
from api.directory import DirectoryServiceViewSet, PlannedServiceDirectoryMatchesView
from api.directory_hsds import (
    DirectoryHsdsIncompleteView,
    DirectoryHsdsView,
    DirectoryHsdsZipView,
)
from api.fields import ID_PATTERN
from api.follow_ups import FollowUpViewSet
from api.inbox import InboxViewSet
from api.invitations import InvitationAcceptView, InvitationViewSet
from api.notification_settings import MyNotificationSettingsView
from api.organizations import (
    MembershipChangeViewSet,
    MembershipViewSet,
    MeView,
    OrganizationChangeViewSet,
    OrganizationViewSet,
    ServiceTypeViewSet,
)
from api.outstanding_supports import OutstandingSupportsView
from api.people import FamilyMemberViewSet, PersonViewSet
from api.portal_access import EndPortalAccessView, PortalAccessView, PortalActivateView
from api.reports import CaseloadReportView
from api.sign_in import SignInTokenView, TwoFactorSetUpView

# Format suffixes (.json) would double every route without adding anything a client needs.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("service-types", ServiceTypeViewSet, basename="service-type")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("membership-changes", MembershipChangeViewSet, basename="membership-change")
router.register("organization-changes", OrganizationChangeViewSet, basename="organization-change")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("cases", CaseViewSet, basename="case")
router.register("care-team", CareTeamViewSet, basename="care-team")
router.register("people", PersonViewSet, basename="person")
router.register("family-members", FamilyMemberViewSet, basename="family-member")
router.register("consents", ConsentViewSet, basename="consent")
router.register(
    "compelled-disclosures", CompelledDisclosureViewSet, basename="compelled-disclosure"
)
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("inbox", InboxViewSet, basename="inbox")
router.register("directory/services", DirectoryServiceViewSet, basename="directory-service")
for routes in (routes_plans, routes_referrals, routes_records):
    routes.register(router)

urlpatterns = [
    # Before the router, so a ConsentViewSet registered at consents/ cannot shadow them.
    path("v1/consents/<int:pk>/fhir/", ConsentFhirView.as_view(), name="consent-fhir"),
    path("v1/consents/<int:pk>/receipt/", ConsentReceiptView.as_view(), name="consent-receipt"),
    path(
        "v1/consents/<int:pk>/receipt.html",
        ConsentReceiptPageView.as_view(),
        name="consent-receipt-html",
    ),
    path(
        "v1/planned-services/<int:pk>/directory-matches/",
        PlannedServiceDirectoryMatchesView.as_view(),
        name="planned-service-directory-matches",
    ),
    # Before the router, so "accept" is not read as an invitation's id.
    path("v1/invitations/accept/", InvitationAcceptView.as_view(), name="invitation-accept"),
    path("v1/directory/hsds/", DirectoryHsdsView.as_view(), name="directory-hsds"),
    path("v1/directory/hsds.zip", DirectoryHsdsZipView.as_view(), name="directory-hsds-zip"),
    path(
        "v1/directory/hsds/incomplete/",
        DirectoryHsdsIncompleteView.as_view(),
        name="directory-hsds-incomplete",
    ),
    path("v1/", include(router.urls)),
    re_path(
        rf"^v1/cases/(?P<case_pk>{ID_PATTERN})/portal-access/$",
        PortalAccessView.as_view(),
        name="case-portal-access",
    ),
    re_path(
        rf"^v1/cases/(?P<case_pk>{ID_PATTERN})/portal-access/end/$",
        EndPortalAccessView.as_view(),
        name="case-portal-access-end",
    ),
    path("v1/portal/activate/", PortalActivateView.as_view(), name="portal-activate"),
    path("v1/me/", MeView.as_view(), name="me"),
    path("v1/me/access-log/", MyAccessLogView.as_view(), name="me-access-log"),
    path(
        "v1/me/notification-settings/",
        MyNotificationSettingsView.as_view(),
        name="me-notification-settings",
    ),
    path(
        "v1/organizations/<int:pk>/continuity-rules/",
        ContinuityRulesView.as_view(),
        name="organization-continuity-rules",
    ),
    path("v1/reports/caseload/", CaseloadReportView.as_view(), name="report-caseload"),
    path(
        "v1/reports/outstanding-supports/",
        OutstandingSupportsView.as_view(),
        name="report-outstanding-supports",
    ),
    path("v1/auth/token/", SignInTokenView.as_view(), name="auth-token"),
    path("v1/auth/two-factor/", TwoFactorSetUpView.as_view(), name="auth-two-factor"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
