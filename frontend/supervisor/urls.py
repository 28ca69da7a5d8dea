"""URLs of the supervisor pages."""

from django.urls import path

from frontend.supervisor import analytics_views, outcome_views, views, views_access, views_rules

urlpatterns = [
    path("", views.dashboard, name="supervisor-dashboard"),
    path(
        "organizations/<int:organization_id>/rules/",
        views_rules.continuity_rules,
        name="continuity-rules",
    ),
    path("lists/<slug:kind>/", views.work_list, name="supervisor-list"),
    path(
        "follow-ups/<int:follow_up_id>/reassign/",
        views.reassign_follow_up_page,
        name="supervisor-reassign-follow-up",
    ),
    path(
        "cases/<int:case_id>/primary-advocate/",
        views.primary_advocate_page,
        name="supervisor-primary-advocate",
    ),
    path("cases/<int:case_id>/access/", views_access.access_audit, name="supervisor-access-audit"),
    path(
        "cases/<int:case_id>/access.csv",
        views_access.access_audit_csv,
        name="supervisor-access-audit-csv",
    ),
    path("analytics/", analytics_views.analytics_page, name="supervisor-analytics"),
    path(
        "analytics/tables/<slug:table>.csv",
        analytics_views.analytics_export,
        name="supervisor-analytics-export",
    ),
    path(
        "analytics/lists/<slug:kind>/",
        analytics_views.analytics_list,
        name="supervisor-analytics-list",
    ),
    path(
        "analytics/lists/<slug:kind>.csv",
        analytics_views.analytics_list_export,
        name="supervisor-analytics-list-export",
    ),
    path("analytics/outcomes/", outcome_views.outcomes_page, name="supervisor-outcomes"),
    path(
        "analytics/outcomes/tables/<slug:table>.csv",
        outcome_views.outcomes_export,
        name="supervisor-outcomes-export",
    ),
    path(
        "analytics/outcomes/lists/<slug:kind>/",
        outcome_views.outcomes_list,
        name="supervisor-outcomes-list",
    ),
    path(
        "analytics/outcomes/lists/<slug:kind>.csv",
        outcome_views.outcomes_list_export,
        name="supervisor-outcomes-list-export",
    ),
]
