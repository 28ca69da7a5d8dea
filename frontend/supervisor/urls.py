"""URLs of the supervisor pages."""

from django.urls import path

from frontend.supervisor import views

urlpatterns = [
    path("", views.dashboard, name="supervisor-dashboard"),
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
]
