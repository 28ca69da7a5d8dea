"""Forms of the young person's portal."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PlanChangesForm(forms.Form):
    """What the young person wants changed in a plan version awaiting their approval."""

    changes_requested = forms.CharField(
        label=_("What should change?"),
        help_text=_("Write it in your own words. Your advocate will read it."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
