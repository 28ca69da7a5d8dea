"""Forms of the planning pages: they parse what staff typed; the services decide what is allowed."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.categories import DataCategory
from cases.models import Case, FamilyMember, Goal, PlannedService
from consent.models import ConsentPurpose, RevocationChannel, SignatureMethod
from consent.services import SignerOptions
from frontend.versioned import VersionedForm
from providers.models import Organization, ServiceType

YOUNG_PERSON = "young_person"
# Staff record a withdrawal as it was given; the portal channel is the young person's own.
STAFF_CHANNELS = (RevocationChannel.SPOKEN, RevocationChannel.WRITTEN)
PREVIEW_LANGUAGES = {"en": _("English"), "es": _("Spanish")}


def partner_organizations(case: Case) -> QuerySet[Organization]:
    """Active organizations other than the case's lead: the ones a consent or referral names."""
    return Organization.objects.filter(is_active=True).exclude(pk=case.lead_organization_id)


def relation_label(member: FamilyMember) -> str:
    """ "Mother", or the relation staff named when it is "other"."""
    if member.relation == FamilyMember.Relation.OTHER and member.relation_other:
        return member.relation_other
    return str(member.get_relation_display())


def start_of(day: date) -> datetime:
    """Today means now; another day means its first minute, in the current time zone."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time.min))


class GoalForm(forms.Form):
    description = forms.CharField(
        label=_("The goal, in the young person's own words"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    domain = forms.ChoiceField(label=_("Area of life"), choices=Goal.Domain.choices)


class GoalChangeForm(VersionedForm, GoalForm):
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)


class PlannedServiceForm(VersionedForm):
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.filter(is_active=True)
    )
    provider = forms.ModelChoiceField(
        label=_("Provider organization"),
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        empty_label=_("Not chosen yet"),
    )
    starts_on = forms.DateField(
        label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expected_contact_days = forms.IntegerField(
        label=_("Expected contact every (days)"), initial=14, min_value=1, max_value=365
    )


class MoveServiceForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to"), choices=PlannedService.Status.choices)


class PlanVersionForm(forms.Form):
    summary = forms.CharField(
        label=_("What changed (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InPersonApprovalForm(forms.Form):
    """The young person approved the plan in person; staff record it with what shows it."""

    evidence = forms.CharField(
        label=_("What shows the approval"),
        max_length=300,
        help_text=_("For example: the signed plan page, or the meeting and its date."),
    )
    confirmed = forms.BooleanField(
        label=_("The young person read this version and approved it with me"), required=True
    )


class ConsentRequestForm(forms.Form):
    """The terms of a consent, with the language of the preview the young person reads."""

    recipient = forms.ModelChoiceField(
        label=_("Organization that may see the information"), queryset=Organization.objects.none()
    )
    categories = forms.MultipleChoiceField(
        label=_("What it may see"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    purpose = forms.ChoiceField(label=_("Why"), choices=ConsentPurpose.choices)
    purpose_text = forms.CharField(
        label=_("The purpose, in words (when it is “other”)"), required=False, max_length=300
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(
        label=_("Language of the preview"), choices=list(PREVIEW_LANGUAGES.items())
    )

    def __init__(self, *args: object, case: Case, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = partner_organizations(case)

    def period(self) -> tuple[datetime, datetime | None]:
        """The period as the service takes it: the length in days is the one staff picked."""
        starts_on = self.cleaned_data["starts_on"]
        expires_on = self.cleaned_data.get("expires_on")
        starts_at = start_of(starts_on)
        if expires_on is None:
            return starts_at, None
        return starts_at, starts_at + timedelta(days=(expires_on - starts_on).days)


class SignerField(forms.ChoiceField):
    """The signer: one of the listed choices, or a family member listed as not able to sign,
    so that ``add_signature`` refuses them with its reason (R07) rather than a generic error."""

    refused_keys: frozenset[str] | set[str] = frozenset()

    def valid_value(self, value: str) -> bool:
        return value in self.refused_keys or super().valid_value(value)


class SignatureForm(forms.Form):
    """A written signature staff record: who signed, how, when, and the scan of the form.

    The choices are the signers ``signer_options`` allows; the others it lists with the reason
    they cannot sign, which the page shows beside the choices.
    """

    signer = SignerField(
        label=_("Who signed"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who signed.")},
    )
    method = forms.ChoiceField(
        label=_("How it was signed"),
        choices=[(SignatureMethod.UPLOADED_FORM, SignatureMethod.UPLOADED_FORM.label)],
        initial=SignatureMethod.UPLOADED_FORM,
        widget=forms.RadioSelect,
        help_text=_("The young person signs a portal e-signature themselves, in the portal."),
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    scan = forms.FileField(
        label=_("Scan of the signed form"),
        help_text=_(
            "A PDF, PNG or JPEG of the whole signed page. It is kept with the case's documents "
            "as the evidence of the signature."
        ),
        error_messages={"required": _("Upload the scan of the signed form.")},
    )

    def __init__(self, *args: object, options: SignerOptions, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        choices = [(YOUNG_PERSON, _("The young person"))] if options.young_person else []
        self.family = {}
        for member in options.eligible:
            self.family[str(member.pk)] = member
            choices.append((str(member.pk), f"{member.name} ({relation_label(member)})"))
        for member, _reason in options.refused:
            self.family[str(member.pk)] = member
        field = self.fields["signer"]
        field.choices = choices
        # A new set per form: a form's fields are shallow copies of the class's.
        field.refused_keys = {str(member.pk) for member, _reason in options.refused}

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["signer"].choices)

    def family_member(self) -> FamilyMember | None:
        return self.family.get(self.cleaned_data["signer"])

    def signed_at(self) -> datetime:
        day = self.cleaned_data["signed_on"]
        if day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(datetime.combine(day, time(12)))


class WithdrawalForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How the young person withdrew"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        initial=RevocationChannel.SPOKEN,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralWithdrawalForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the receiving organization (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlannedServiceChoiceField(forms.ModelChoiceField):
    """Names a planned service by what a caseworker recognizes: type, provider and goal."""

    def label_from_instance(self, obj: PlannedService) -> str:
        provider = obj.provider.name if obj.provider else _("no provider yet")
        goal = obj.goal.description
        goal = goal if len(goal) <= 60 else goal[:59] + "…"
        return f"{obj.service_type.label} — {provider} — {goal}"


class ReferralForm(forms.Form):
    """A referral to an organization an active consent covers (the page offers only those)."""

    planned_service = PlannedServiceChoiceField(
        label=_("Planned service"),
        queryset=PlannedService.objects.none(),
        required=False,
        empty_label=_("None: choose a service type"),
    )
    service_type = forms.ModelChoiceField(
        label=_("Service type"),
        queryset=ServiceType.objects.filter(is_active=True),
        required=False,
        empty_label=_("The planned service's"),
    )
    to_organization = forms.ModelChoiceField(
        label=_("Send to"), queryset=Organization.objects.none()
    )
    categories = forms.MultipleChoiceField(
        label=_("Information the referral carries"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    message = forms.CharField(
        label=_("What the organization needs to know"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: object,
        services: QuerySet[PlannedService],
        recipients: QuerySet[Organization],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_service"].queryset = services
        self.fields["to_organization"].queryset = recipients

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("planned_service") and not data.get("service_type"):
            self.add_error("service_type", _("Choose a service type, or a planned service."))
        return data


class CoverageForm(forms.Form):
    """Which consent an organization would need: asked before any referral is written."""

    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    categories = forms.MultipleChoiceField(
        label=_("Information it would need"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: object, case: Case, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = partner_organizations(case)
