"""Forms of the organization admin pages: members and roles, the directory entry."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from frontend.versioned import VersionedForm
from providers.models import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    PRIVACY_CONTACT_FIELDS,
    Membership,
    Organization,
)
from providers.selectors import directory_entry_version, member_description


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


class DirectoryEntryForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organization"), choices=Organization.Kind.choices)
    # Open Referral HSDS 3.0 requires every organization to have a description.
    description = forms.CharField(
        label=_("What the organization does"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown in the community directory and its Open Referral exports."),
    )
    service_area = forms.CharField(
        label=_("Service area"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Counties or postal codes served, one per line."),
    )
    names_staff_to_young_people = forms.BooleanField(
        label=_("Young people see our staff's names, not only their roles"),
        help_text=_(
            "On every page, in their access log and in their data export. Staff e-mail "
            "addresses are never shown to young people."
        ),
        required=False,
    )
    collects_sexual_orientation = forms.BooleanField(
        label=_("Intake may ask the young person's sexual orientation"),
        help_text=_("Off by default. Where it is on, the question is always optional."),
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

    privacy_contact_email = forms.EmailField(
        label=_("Privacy contact e-mail"),
        required=False,
        help_text=_("Consent receipts name this contact; left empty, Harbor's own is named."),
    )
    privacy_contact_phone = forms.CharField(
        label=_("Privacy contact phone"), max_length=40, required=False
    )
    privacy_contact_address = forms.CharField(
        label=_("Privacy contact postal address"), max_length=300, required=False
    )
    privacy_policy_url = forms.URLField(
        label=_("Privacy policy address"),
        required=False,
        assume_scheme="https",
        help_text=_("A web address starting with https://"),
    )

    @classmethod
    def for_organization(cls, organization: Organization) -> "DirectoryEntryForm":
        return cls(
            initial={
                **{field: getattr(organization, field) for field in PRIVACY_CONTACT_FIELDS},
                "name": organization.name,
                "kind": organization.kind,
                "description": member_description(organization),
                "service_area": "\n".join(organization.service_area or []),
                "names_staff_to_young_people": organization.names_staff_to_young_people,
                "collects_sexual_orientation": organization.collects_sexual_orientation,
                "closed_case_retention_days": organization.closed_case_retention_days,
                "version": directory_entry_version(organization),
            }
        )

    def service_areas(self) -> list[str]:
        raw = self.cleaned_data.get("service_area") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def privacy_contact(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(field) or "" for field in PRIVACY_CONTACT_FIELDS}


class ClientImportForm(forms.Form):
    """A CSV file of existing clients, and whether to check it only or import it."""

    CHECK = "check"
    IMPORT = "import"

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with the template's header row; at most 2 MB and 5,000 rows."),
    )
    mode = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            (CHECK, _("Check only: list every problem and write nothing")),
            (IMPORT, _("Import: write every row, or nothing if any row has a problem")),
        ],
        initial=CHECK,
        widget=forms.RadioSelect,
    )
