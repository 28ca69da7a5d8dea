"""Forms of the supervisor pages: handing work to another advocate of the organization."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


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
