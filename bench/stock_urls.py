"""Harbor's URLs plus the benchmark's stock caseload and ceiling (``bench.settings`` only)."""

from django.urls import include, path

from bench.stock import StockCaseList, ceiling_cases

urlpatterns = [
    path("bench/stock/cases/", StockCaseList.as_view(), name="bench-stock-cases"),
    path("bench/ceiling/cases/", ceiling_cases, name="bench-ceiling-cases"),
    path("", include("coordination.urls")),
]

handler500 = "coordination.errors.server_error"
