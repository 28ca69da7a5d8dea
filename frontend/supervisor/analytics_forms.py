"""The period chooser of the analytics pages: a GET form of two dates."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.analytics.period import DEFAULT_WEEKS, Period, period_errors


class PeriodForm(forms.Form):
    """Start and end dates. Both empty: the last 12 full weeks; no end: up to today; no
    start: the 12 weeks up to the end."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None and end is None:
            default = Period.default(today=self.today)
            start, end = default.start, default.end
        end = end or self.today
        start = start or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        for field, messages in period_errors(start, end, today=self.today).items():
            self.add_error(field, messages)
        if not self.errors:
            cleaned["period"] = Period(start, end)
        return cleaned
