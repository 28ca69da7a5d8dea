"""Forms of the young person's portal."""

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.account.forms import ChoosePasswordForm


class PlanChangesForm(forms.Form):
    """What the young person wants changed in a plan version awaiting their approval."""

    changes_requested = forms.CharField(
        label=_("What should change?"),
        help_text=_("Write it in your own words. Your advocate will read it."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ActivateForm(ChoosePasswordForm):
    """The code an advocate gave, and the sign-in name and password the young person chooses."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Like ABCD-EFGH-JKMN. Spaces and dashes do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    sign_in_name = forms.CharField(
        label=_("Choose a sign-in name"),
        max_length=40,
        help_text=_("3 to 40 letters or digits. Not your real name, if you prefer."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    field_order = ["code", "sign_in_name", "password1", "password2"]


# The kinds of reminder a young person may choose, by the ReminderChoice field each one sets.
REMINDER_KINDS = (
    ("consents_to_sign", _("A permission to share my information is waiting for my signature")),
    ("plans_to_approve", _("A plan is waiting for my approval")),
    ("service_contacts", _("A service in my plan is due to be in touch with me")),
)


class RemindersForm(forms.Form):
    """What the young person wants to be reminded of; none ticked turns reminders off."""

    kinds = forms.MultipleChoiceField(
        label=_("Send me a reminder when"),
        choices=REMINDER_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
