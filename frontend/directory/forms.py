"""Forms of the directory pages: the search (a GET form: service type, area, age, language,
capacity and words, never a person's details) and a member organization's service with its
locations."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.versioned import VersionedForm
from providers.directory.services import (
    MAX_AGE,
    MAX_WAITLIST_WEEKS,
    LocationValues,
    ServiceValues,
    location_errors,
)
from providers.models import DirectoryAddressType, DirectoryService, ServiceType

LANGUAGES = (("", _("Any language")), ("en", _("English")), ("es", _("Spanish")))


class SearchForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Type of service"),
        queryset=ServiceType.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any type"),
    )
    area = forms.CharField(
        label=_("Area"),
        max_length=60,
        required=False,
        help_text=_("A county or postal code, e.g. Cook County or 60623."),
    )
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=MAX_AGE, required=False)
    language = forms.CharField(
        label=_("Language"),
        max_length=16,
        required=False,
        help_text=_("A language code, e.g. en or es."),
    )
    accepting_now = forms.BooleanField(label=_("Taking referrals now"), required=False)
    q = forms.CharField(
        label=_("Words"),
        max_length=100,
        required=False,
        help_text=_("Words from a service's name or description. Never a young person's details."),
    )

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments, from a valid form."""
        data = self.cleaned_data
        service_type = data.get("service_type")
        return {
            "service_type": service_type.pk if service_type else None,
            "area": data.get("area") or None,
            "age": data.get("age"),
            "language": data.get("language") or None,
            "accepting_now": bool(data.get("accepting_now")),
            "text": data.get("q") or None,
        }


class ServiceForm(VersionedForm):
    """One service as its organization publishes it (locations come in their own forms)."""

    service_type = forms.ModelChoiceField(
        label=_("Type of service"), queryset=ServiceType.objects.filter(is_active=True)
    )
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    description = forms.CharField(
        label=_("What the service offers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=DirectoryService.Status.choices)
    minimum_age = forms.IntegerField(
        label=_("Youngest age served"), min_value=0, max_value=MAX_AGE, required=False
    )
    maximum_age = forms.IntegerField(
        label=_("Oldest age served"), min_value=0, max_value=MAX_AGE, required=False
    )
    genders = forms.ChoiceField(label=_("Who it is for"), choices=DirectoryService.Gender.choices)
    eligibility_description = forms.CharField(
        label=_("Who is eligible"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    areas = forms.CharField(
        label=_("Areas served"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Counties or postal codes, one per line."),
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=200,
        help_text=_("Language codes separated by commas, e.g. en, es."),
    )
    accepting_referrals = forms.BooleanField(label=_("Taking referrals now"), required=False)
    waitlist_weeks = forms.IntegerField(
        label=_("Waiting list, in weeks"), min_value=0, max_value=MAX_WAITLIST_WEEKS, initial=0
    )
    hours = forms.CharField(label=_("Hours"), max_length=300, required=False)
    cost = forms.ChoiceField(label=_("Cost"), choices=DirectoryService.Cost.choices)
    fees_description = forms.CharField(label=_("About fees"), max_length=300, required=False)
    accessibility = forms.CharField(
        label=_("Accessibility"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    survivor_led = forms.BooleanField(label=_("Survivor-led"), required=False)
    culturally_specific = forms.CharField(
        label=_("Culturally specific for"),
        max_length=200,
        required=False,
        help_text=_("The communities the service is built for, if any."),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    url = forms.URLField(label=_("Web address"), required=False, assume_scheme="https")
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    is_published = forms.BooleanField(label=_("Published in the directory"), required=False)

    @classmethod
    def initial_for(cls, values: ServiceValues | None) -> dict[str, Any]:
        if values is None:
            return {"accepting_referrals": True, "is_published": True, "waitlist_weeks": 0}
        initial = {
            name: getattr(values, name)
            for name in cls.base_fields
            if hasattr(values, name) and name != "version"
        }
        initial["service_type"] = values.service_type_id
        initial["areas"] = "\n".join(values.areas)
        initial["languages"] = ", ".join(values.languages)
        return initial

    def values(self, locations: tuple[LocationValues, ...]) -> ServiceValues:
        data = self.changes()
        data["service_type_id"] = data.pop("service_type").pk
        data["areas"] = tuple((data.pop("areas") or "").splitlines())
        data["languages"] = tuple(
            code for code in (data.pop("languages") or "").replace(";", ",").split(",")
        )
        return ServiceValues(**data, locations=locations)


class LocationForm(forms.Form):
    """A place where the service is delivered; a confidential one has no address (R40)."""

    name = forms.CharField(label=_("Location name"), max_length=200, required=False)
    is_confidential = forms.BooleanField(
        label=_("Confidential location (a shelter): no address or coordinates are kept"),
        required=False,
    )
    area = forms.CharField(
        label=_("Area"), max_length=60, required=False, help_text=_("County or postal code.")
    )
    address_1 = forms.CharField(label=_("Street address"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state_province = forms.CharField(label=_("State"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two letters, e.g. US.")
    )
    address_type = forms.ChoiceField(
        label=_("Type of address"), choices=DirectoryAddressType.choices, required=False
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False
    )
    accessibility = forms.CharField(
        label=_("Accessibility of this location"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove = forms.BooleanField(label=_("Remove this location"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or not self.is_wanted():
            return data
        for name, errors in location_errors(self.location_values()).items():
            for error in errors:
                self.add_error(name, error)
        return data

    def is_wanted(self) -> bool:
        """Filled in and not marked for removal."""
        data = getattr(self, "cleaned_data", {})
        # The address type always has a value (its select): on its own it fills nothing in.
        filled = any(
            data.get(name) not in (None, "", False)
            for name in LocationForm.base_fields
            if name != "address_type"
        )
        return filled and not data.get("remove")

    def location_values(self) -> LocationValues:
        data = {k: v for k, v in self.cleaned_data.items() if k != "remove"}
        data["country"] = (data.get("country") or "").upper()
        data["address_type"] = data.get("address_type") or DirectoryAddressType.PHYSICAL
        return LocationValues(**data)


LocationFormSet = forms.formset_factory(LocationForm, extra=1, max_num=20, validate_max=True)


def location_initial(values: ServiceValues | None) -> list[dict[str, Any]]:
    """The service's locations as the formset's initial rows."""
    if values is None:
        return []
    shown = [name for name in LocationForm.base_fields if name != "remove"]
    return [{name: getattr(loc, name) for name in shown} for loc in values.locations]
