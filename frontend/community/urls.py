"""Pages of the community: an index, the outstanding supports (gap) report, printable and as
CSV."""

from django.urls import path

from frontend.community import views

urlpatterns = [
    path("", views.index, name="community"),
    path("outstanding-supports/", views.outstanding, name="community-outstanding-supports"),
    path("report/", views.printable_report, name="community-report"),
    path("report.csv", views.report_csv, name="community-report-csv"),
]
