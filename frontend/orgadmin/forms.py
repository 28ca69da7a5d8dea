"""Forms of the organization admin pages: members and roles, the directory entry."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from providers.models import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, Membership, Organization


class AddMemberForm(forms.Form):
    """Invite a person: someone new gets an e-mail with a link; someone who already signs in
    to Harbor gets the role at once."""

    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.with_email(email).filter(is_active=False).exists():
            raise forms.ValidationError(_("This account is switched off. Ask the operator."))
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Membership.Role.choices)


class DirectoryEntryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organization"), choices=Organization.Kind.choices)
    service_area = forms.CharField(
        label=_("Service area"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Counties or postal codes served, one per line."),
    )
    names_staff_to_young_people = forms.BooleanField(
        label=_("Young people's access logs name our staff, not only their roles"),
        required=False,
    )
    closed_case_retention_days = forms.IntegerField(
        label=_("Days a closed case keeps identifying information"),
        min_value=MIN_RETENTION_DAYS,
        max_value=MAX_RETENTION_DAYS,
        required=False,  # left empty: unchanged
        help_text=_(
            "After this many days, a scheduled job removes the young person's identifying "
            "information and the case narrative; counts stay for reports."
        ),
    )

    @classmethod
    def for_organization(cls, organization: Organization) -> "DirectoryEntryForm":
        return cls(
            initial={
                "name": organization.name,
                "kind": organization.kind,
                "service_area": "\n".join(organization.service_area or []),
                "names_staff_to_young_people": organization.names_staff_to_young_people,
                "closed_case_retention_days": organization.closed_case_retention_days,
            }
        )

    def service_areas(self) -> list[str]:
        raw = self.cleaned_data.get("service_area") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]
