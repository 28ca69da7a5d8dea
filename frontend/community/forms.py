"""The filters of the community report: a period, whose cases (the community or one of the
viewer's organizations), a service type and an area. A GET form; the areas offered are the
community's public ones (the directory's and the member organizations'), never areas typed on
a young person's record."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Organization, ServiceType
from reports.community.gaps import AREA_NOT_RECORDED, MAX_PERIOD_DAYS, GapFilters, Period


class DateInput(forms.DateInput):
    input_type = "date"


class CommunityReportForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput,
        help_text=_("Planned services created on or after this day."),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput,
        help_text=_("Up to and including this day."),
    )
    organization = forms.ChoiceField(label=_("Whose cases"), required=False)
    service_type = forms.ModelChoiceField(
        label=_("Type of service"),
        queryset=ServiceType.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All types"),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(
        self, *args: Any, organizations: list[Organization], areas: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [
            ("", _("All member organizations (the community)")),
            *((str(org.pk), org.name) for org in organizations),
        ]
        self.fields["area"].choices = [
            ("", _("All areas")),
            (AREA_NOT_RECORDED, _("Area not recorded")),
            *((area, area) for area in areas),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        default = Period.last_twelve_months(timezone.localdate())
        start, end = data.get("start") or default.start, data.get("end") or default.end
        if "start" in data and "end" in data:
            if start > end:
                self.add_error("end", _("The end of the period cannot come before its start."))
            elif end - start > timedelta(days=MAX_PERIOD_DAYS):
                self.add_error("start", _("Choose a period of at most ten years."))
        data["period"] = Period(start=start, end=end)
        return data

    def filters(self) -> GapFilters:
        """The report's filters, from a valid form."""
        data = self.cleaned_data
        service_type = data.get("service_type")
        area = data.get("area") or None
        return GapFilters(
            period=data["period"],
            organization_id=int(data["organization"]) if data.get("organization") else None,
            service_type_id=service_type.pk if service_type else None,
            area="" if area == AREA_NOT_RECORDED else area,
        )

    def query(self) -> dict[str, str]:
        """The filters as a query string's parameters (no personal data: public labels)."""
        data = self.cleaned_data
        service_type = data.get("service_type")
        params = {
            "start": data["period"].start.isoformat(),
            "end": data["period"].end.isoformat(),
            "organization": data.get("organization") or "",
            "service_type": service_type.code if service_type else "",
            "area": data.get("area") or "",
        }
        return {name: value for name, value in params.items() if value}
