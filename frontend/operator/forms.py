"""Forms of the site operator's pages: an organization, and the invitation of an admin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import Organization


class LeadsCasesField(forms.TypedChoiceField):
    def __init__(self) -> None:
        super().__init__(
            label=_("What the organization does in Harbor"),
            choices=[
                ("yes", _("Leads cases: its advocates open and keep cases")),
                ("no", _("Only receives referrals from organizations that lead cases")),
            ],
            coerce=lambda value: value == "yes",
            widget=forms.RadioSelect,
            initial="yes",
        )


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organization"), choices=Organization.Kind.choices)
    leads_cases = LeadsCasesField()

    @classmethod
    def for_organization(cls, organization: Organization) -> "OrganizationForm":
        return cls(
            initial={
                "name": organization.name,
                "kind": organization.kind,
                "leads_cases": "yes" if organization.leads_cases else "no",
            }
        )


class InviteAdminForm(forms.Form):
    """The organization's first admin (or another one): an e-mail with a one-time link."""

    admin_email = forms.EmailField(label=_("Admin's e-mail address"))
    admin_name = forms.CharField(label=_("Admin's name"), max_length=150, required=False)


class NewOrganizationForm(OrganizationForm):
    admin_email = forms.EmailField(
        label=_("First admin's e-mail address"),
        required=False,
    )
    admin_name = forms.CharField(label=_("First admin's name"), max_length=150, required=False)
