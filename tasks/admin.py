"""Admin for each organization's continuity rules: numbers only, no case data."""

from django.contrib import admin

from tasks.models import ContinuityRules


@admin.register(ContinuityRules)
class ContinuityRulesAdmin(admin.ModelAdmin):
    list_display = ["organization", "caseload_limit", "plan_review_days", "time_zone"]
    list_select_related = ["organization"]
    search_fields = ["organization__name"]
