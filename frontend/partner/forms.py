"""Forms of the partner pages: what the receiving organization says when it answers a referral."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Contact, Referral

DECLINE_REASONS = [
    (Referral.DeclineReason.NO_CAPACITY, _("No capacity")),
    (Referral.DeclineReason.NOT_ELIGIBLE, _("Not eligible")),
    (Referral.DeclineReason.NOT_RIGHT_SERVICE, _("Not the right service")),
    (Referral.DeclineReason.COULD_NOT_REACH, _("Could not reach the young person")),
    (Referral.DeclineReason.YOUNG_PERSON_DECLINED, _("The young person declined")),
    (Referral.DeclineReason.OTHER, _("Other")),
]
# Where a successful answer sends the person back to (never a URL from the request).
RETURN_CHOICES = (("detail", "detail"), ("list", "list"))


class _ReturnMixin(forms.Form):
    return_to = forms.ChoiceField(
        choices=RETURN_CHOICES, required=False, widget=forms.HiddenInput, initial="detail"
    )


class AcceptReferralForm(_ReturnMixin):
    note = forms.CharField(
        label=_("Note for the sending organization (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineReferralForm(_ReturnMixin):
    reason = forms.ChoiceField(
        label=_("Reason for declining"),
        choices=[("", _("Choose a reason")), *DECLINE_REASONS],
    )
    reason_text = forms.CharField(
        label=_("In your words"),
        help_text=_("Needed when the reason is “Other”."),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StartServiceForm(_ReturnMixin):
    """No fields: starting the service needs only the button."""


class CompleteReferralForm(_ReturnMixin):
    outcome_note = forms.CharField(
        label=_("How did the service end?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseWithoutServiceForm(_ReturnMixin):
    note = forms.CharField(
        label=_("Why was no service delivered?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LogContactForm(_ReturnMixin):
    """A contact of the service the organization delivers (kept in its own name)."""

    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ChoiceField(label=_("How"), choices=Contact.Channel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Contact.Outcome.choices)
    summary = forms.CharField(
        label=_("Summary (optional)"),
        help_text=_("What the lead organization needs to know; no more."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
