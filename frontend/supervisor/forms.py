"""Forms of the supervisor pages: handing work to another advocate of the organization, and
narrowing a case's access audit."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from consent.access_history import AuditFilter
from consent.models import AccessOutcome
from providers.models import Organization


class AdvocateChoiceField(forms.ModelChoiceField):
    """An active advocate of the organization, by name (e-mail when no name was given)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class ReassignFollowUpForm(forms.Form):
    assignee = AdvocateChoiceField(
        queryset=User.objects.none(),
        label=_("New assignee"),
        empty_label=_("Choose an advocate"),
        error_messages={"invalid_choice": _("Choose an active advocate of this organization.")},
    )

    def __init__(self, *args: object, advocates: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = advocates


class PrimaryAdvocateForm(forms.Form):
    advocate = AdvocateChoiceField(
        queryset=User.objects.none(),
        label=_("New primary advocate"),
        empty_label=_("Choose an advocate"),
        error_messages={"invalid_choice": _("Choose an active advocate of this organization.")},
    )

    def __init__(self, *args: object, advocates: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advocate"].queryset = advocates


class AccessAuditForm(forms.Form):
    """The access audit's filters (R26): outcome, organization and a range of days."""

    outcome = forms.ChoiceField(
        choices=[("", _("Any outcome")), *AccessOutcome.choices], required=False, label=_("Outcome")
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label=_("Organization"),
        empty_label=_("Any organization"),
    )
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, organizations: QuerySet[Organization], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes before the first."))
        return data

    def narrowed(self) -> AuditFilter:
        data = self.cleaned_data
        organization = data.get("organization")
        return AuditFilter(
            outcome=data.get("outcome", ""),
            organization_id=organization.pk if organization else None,
            since=data.get("since"),
            until=data.get("until"),
        )
