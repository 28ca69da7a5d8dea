"""Forms of the advocate pages. They shape input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.demographics import RaceEthnicity, ReferralSource, Sex, SexualOrientation
from cases.models import (
    Case,
    CaseNote,
    Contact,
    FamilyMember,
    Person,
    PlannedService,
    SafeContactRule,
)
from frontend.versioned import VersionedForm, initial_version
from providers.models import Organization

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Which safe-contact channel a logged contact with the young person goes through (R28).
# A video call reaches the young person on their phone; "other" needs some allowed channel.
RULE_CHANNEL_OF_CONTACT = {
    Contact.Channel.IN_PERSON: SafeContactRule.Channel.IN_PERSON,
    Contact.Channel.CALL: SafeContactRule.Channel.CALL,
    Contact.Channel.SMS: SafeContactRule.Channel.SMS,
    Contact.Channel.EMAIL: SafeContactRule.Channel.EMAIL,
    Contact.Channel.VIDEO: SafeContactRule.Channel.CALL,
}
_DECLINABLE_LABELS = {
    "legal_name": _("Legal name"),
    "chosen_name": _("Chosen name"),
    "pronouns": _("Pronouns"),
    "birth_date": _("Date of birth or age"),
    "gender": _("Gender identity"),
    "race_ethnicity": _("Race and ethnicity"),
    "sex": _("Sex"),
    "languages": _("Languages"),
    "primary_language": _("Primary language"),
    "tribal_affiliation": _("Tribal affiliation"),
    "area": _("Home area"),
}
_NOT_RECORDED = ("", _("Not recorded"))


def contact_channel_allowed(rule: SafeContactRule | None, channel: str) -> bool:
    """Whether the young person's safe-contact rule allows reaching them this way (R28)."""
    allowed = set(rule.allowed_channels) if rule is not None else set()
    if channel in RULE_CHANNEL_OF_CONTACT:
        return RULE_CHANNEL_OF_CONTACT[channel] in allowed
    return bool(allowed)


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or alias"), required=False, max_length=100, strip=True
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Case.Status.choices],
    )


class PersonForm(VersionedForm):
    """The young person's own record: a name or an alias is enough (R34); every identifying
    field may be left out or marked 'prefers not to answer'."""

    alias = forms.CharField(
        label=_("Alias"),
        required=False,
        max_length=100,
        help_text=_("What the young person wants to be called. An alias alone is enough."),
    )
    chosen_name = forms.CharField(label=_("Chosen name"), required=False, max_length=100)
    legal_name = forms.CharField(label=_("Legal name"), required=False, max_length=200)
    pronouns = forms.CharField(label=_("Pronouns"), required=False, max_length=40)
    birth_date_precision = forms.ChoiceField(
        label=_("Date of birth"),
        choices=[
            (Person.BirthDatePrecision.UNKNOWN, _("Not recorded")),
            (Person.BirthDatePrecision.EXACT, _("Exact date")),
            (Person.BirthDatePrecision.YEAR, _("Year only")),
            (Person.BirthDatePrecision.AGE_RANGE, _("Age range")),
        ],
        initial=Person.BirthDatePrecision.UNKNOWN,
        widget=forms.RadioSelect,
    )
    birth_date = forms.DateField(
        label=_("Exact date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900)
    age_range_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0)
    age_range_max = forms.IntegerField(label=_("Age to"), required=False, min_value=0)
    gender = forms.CharField(
        label=_("Gender identity"),
        required=False,
        max_length=60,
        help_text=_("In the young person's own words. It stays with your organization."),
    )
    race_ethnicity_codes = forms.MultipleChoiceField(
        label=_("Race and ethnicity"),
        required=False,
        choices=RaceEthnicity.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose all that apply. “Prefers not to answer” and “Not asked” stand alone."),
    )
    race_ethnicity = forms.CharField(
        label=_("Race or ethnicity in their own words"), required=False, max_length=120
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[_NOT_RECORDED, *Sex.choices],
        help_text=_("As US federal reports ask it; separate from gender identity."),
    )
    sexual_orientation = forms.ChoiceField(
        label=_("Sexual orientation"),
        required=False,
        choices=[_NOT_RECORDED, *SexualOrientation.choices],
        help_text=_("Never required."),
    )
    primary_language = forms.CharField(
        label=_("Primary language"),
        required=False,
        max_length=16,
        help_text=_("A language code, for example: en or es."),
    )
    tribal_affiliation = forms.CharField(
        label=_("Tribal affiliation"), required=False, max_length=200
    )
    area = forms.CharField(
        label=_("Home area"),
        required=False,
        max_length=60,
        help_text=_("County or postal code, to find services nearby. Not the street address."),
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=100,
        help_text=_("Language codes separated by commas, for example: en, es."),
    )
    declined_fields = forms.MultipleChoiceField(
        label=_("Prefers not to answer"),
        required=False,
        choices=[(name, _DECLINABLE_LABELS[name]) for name in Person.DECLINABLE_FIELDS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, asks_sexual_orientation: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not asks_sexual_orientation:
            # Not asked unless the organization chose to (issue 21): no field, no change.
            del self.fields["sexual_orientation"]

    @classmethod
    def for_person(cls, person: Person, *, asks_sexual_orientation: bool = False) -> "PersonForm":
        initial = {name: getattr(person, name) for name in PERSON_FORM_FIELDS}
        initial["languages"] = ", ".join(person.languages or [])
        return cls(
            initial={**initial, **initial_version(person)},
            asks_sexual_orientation=asks_sexual_orientation,
        )

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        return [code.strip() for code in raw.split(",") if code.strip()]

    def person_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in PERSON_FORM_FIELDS if name in self.fields}
        if "birth_date" in fields["declined_fields"]:
            # Declining the date of birth means recording none of it.
            fields["birth_date_precision"] = Person.BirthDatePrecision.UNKNOWN
        return fields


PERSON_FORM_FIELDS = (
    "alias",
    "chosen_name",
    "legal_name",
    "pronouns",
    "birth_date_precision",
    "birth_date",
    "birth_year",
    "age_range_min",
    "age_range_max",
    "gender",
    "race_ethnicity_codes",
    "race_ethnicity",
    "sex",
    "sexual_orientation",
    "primary_language",
    "tribal_affiliation",
    "area",
    "languages",
    "declined_fields",
)


class OpenCaseForm(PersonForm):
    """A new young person, at one of the organizations the staff member may open cases for."""

    lead_organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    referral_source = forms.ChoiceField(
        label=_("How the young person came to us"),
        required=False,
        choices=[_NOT_RECORDED, *ReferralSource.choices],
        help_text=_("Stays with your organization; no consent shares it."),
    )
    field_order = ["lead_organization", "referral_source"]

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        # Offered when an organization the staff member opens cases for asks it; the intake
        # service refuses it for one that does not.
        asks = any(organization.collects_sexual_orientation for organization in organizations)
        super().__init__(*args, asks_sexual_orientation=asks, **kwargs)
        self.fields["lead_organization"].queryset = organizations


class SafeContactForm(VersionedForm):
    """The young person's safe-contact rules; saving them confirms them (R31)."""

    allowed_channels = forms.MultipleChoiceField(
        label=_("Channels the young person says are safe"),
        required=False,
        choices=SafeContactRule.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Safe phone number"), required=False, max_length=40)
    email = forms.EmailField(label=_("Safe e-mail address"), required=False)
    address = forms.CharField(
        label=_("Safe postal address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    voicemail_ok = forms.BooleanField(label=_("Leaving a voicemail is safe"), required=False)
    safe_hours_start = forms.TimeField(
        label=_("Safe hours start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    safe_hours_end = forms.TimeField(
        label=_("Safe hours end"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    code_word = forms.CharField(label=_("Code word"), required=False, max_length=60)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirmed_with_young_person = forms.BooleanField(
        label=_("I checked these preferences with the young person just now"),
        required=True,
    )

    @staticmethod
    def initial_from(rule: SafeContactRule | None) -> dict[str, Any]:
        if rule is None:
            return {}
        return {
            "allowed_channels": rule.allowed_channels,
            "phone": rule.phone,
            "email": rule.email,
            "address": rule.address,
            "voicemail_ok": rule.voicemail_ok,
            "safe_hours_start": rule.safe_hours_start,
            "safe_hours_end": rule.safe_hours_end,
            "code_word": rule.code_word,
            "notes": rule.notes,
        }

    def changes(self) -> dict[str, Any]:
        skipped = ("confirmed_with_young_person", "version")
        return {k: v for k, v in self.cleaned_data.items() if k not in skipped}


class ContactForm(forms.Form):
    """A contact that happened. With the young person: only through a channel their rule
    allows (R28), and with their preferences confirmed recently (R31)."""

    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT),
    )
    contact_with = forms.ChoiceField(
        label=_("With"), choices=Contact.With.choices, initial=Contact.With.YOUNG_PERSON
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Contact.Channel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Contact.Outcome.choices)
    planned_service = forms.ModelChoiceField(
        label=_("About a planned service"),
        required=False,
        queryset=PlannedService.objects.none(),
        empty_label=_("None"),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reconfirm = forms.BooleanField(
        label=_("I re-confirmed the safe-contact preferences above with the young person just now"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        rule: SafeContactRule | None,
        stale: bool,
        services: QuerySet[PlannedService],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rule, self.stale = rule, stale
        self.fields["planned_service"].queryset = services
        self.fields["planned_service"].label_from_instance = _service_label
        if not stale:
            del self.fields["reconfirm"]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("contact_with") != Contact.With.YOUNG_PERSON:
            return data
        if self.stale and not data.get("reconfirm"):
            self.add_error(
                "reconfirm",
                gettext(
                    "Re-confirm the young person's safe-contact preferences first: check them "
                    "with the young person, then tick this box."
                ),
            )
        channel = data.get("channel")
        if channel and not contact_channel_allowed(self.rule, channel):
            self.add_error(
                "channel",
                gettext(
                    "The young person's safe-contact rules do not allow this channel. Use an "
                    "allowed channel or change the rules with the young person first."
                ),
            )
        return data


def _service_label(service: PlannedService) -> str:
    provider = service.provider.name if service.provider else gettext("no provider yet")
    return f"{service.service_type.label} ({provider})"


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(
        label=_("Category"), choices=CaseNote.Category.choices, initial=CaseNote.Category.GENERAL
    )
    staff_only = forms.BooleanField(
        label=_("Staff only: never shared with partners or shown to the young person"),
        required=False,
    )


class CompleteFollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("What was done (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelFollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is no longer needed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PortalCodeForm(forms.Form):
    """The language the printed slip is in: the one the young person reads best."""

    language = forms.ChoiceField(
        label=_("Language of the slip"),
        choices=[("en", "English"), ("es", "Español")],
        initial="en",
    )


class NewFollowUpForm(forms.Form):
    """A follow-up written by hand, in the lead organization's queue."""

    description = forms.CharField(
        label=_("What needs doing"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short task, no story: details belong in a case note."),
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT),
    )
    assignee = forms.ModelChoiceField(
        label=_("Who does it"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The organization's queue"),
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff
        self.fields["assignee"].label_from_instance = lambda user: user.full_name or user.email


class FamilyMemberForm(VersionedForm):
    """A relative or guardian of the young person. Harm and safety marks stay with the lead
    organization's staff; the services decide which combinations are allowed."""

    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(
        label=_("Relation to the young person"), choices=FamilyMember.Relation.choices
    )
    relation_other = forms.CharField(
        label=_("The relation, in words (when it is 'other')"), required=False, max_length=100
    )
    is_legal_guardian = forms.BooleanField(label=_("Legal guardian"), required=False)
    is_court_appointed = forms.BooleanField(
        label=_("Guardian appointed by a court"), required=False
    )
    is_household_member = forms.BooleanField(
        label=_("Lives in the young person's household"), required=False
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_is_safe = forms.BooleanField(
        label=_("Confirmed safe to contact"),
        required=False,
        help_text=_("Leave this off until someone has confirmed it. Only safe contacts may sign."),
    )
    harmed_young_person = forms.BooleanField(
        label=_("Recorded as having harmed the young person"), required=False
    )
    harmed_other_parent = forms.BooleanField(
        label=_("Recorded as having harmed the young person's other parent"), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_from(cls, member: FamilyMember) -> dict[str, Any]:
        initial = {name: getattr(member, name) for name in cls.base_fields if name != "version"}
        return {**initial, **initial_version(member)}

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
