"""Writes of the directory: a member organization publishes, edits, unpublishes and removes
its own services, with the areas, languages and locations of each.

Validation errors are field errors (``ValidationError`` with a dict), raised before anything is
written; each service runs in one transaction, so a refused change leaves nothing half-written.
A confidential location (a shelter) never takes an address or coordinates (R40).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from providers.models import (
    DirectoryAddressType,
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceLanguage,
    Organization,
    ServiceType,
)

MAX_AGE = 120
MAX_WAITLIST_WEEKS = 520
AREA_LENGTH = DirectoryServiceArea._meta.get_field("area").max_length
# BCP 47 as far as the directory needs it: a primary language and optional subtags (es-MX).
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
# What a confidential location may not hold (the database refuses it too).
CONFIDENTIAL_BLANK = ("address_1", "city", "postal_code", "latitude", "longitude")
# An address is all of these or none: Open Referral HSDS 3.0 requires each of an address.
ADDRESS_PARTS = ("address_1", "city", "state_province", "postal_code", "country")


@dataclass(frozen=True)
class LocationValues:
    """A place where the service is delivered, as its organization describes it."""

    name: str
    is_confidential: bool = False
    area: str = ""
    address_1: str = ""
    city: str = ""
    state_province: str = ""
    postal_code: str = ""
    country: str = ""
    address_type: str = DirectoryAddressType.PHYSICAL
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accessibility: str = ""


@dataclass(frozen=True)
class ServiceValues:
    """Everything a member organization says about one of its services."""

    service_type_id: int
    name: str
    description: str = ""
    status: str = DirectoryService.Status.ACTIVE
    minimum_age: int | None = None
    maximum_age: int | None = None
    genders: str = DirectoryService.Gender.ANY
    eligibility_description: str = ""
    accepting_referrals: bool = True
    waitlist_weeks: int = 0
    hours: str = ""
    cost: str = DirectoryService.Cost.UNKNOWN
    fees_description: str = ""
    accessibility: str = ""
    survivor_led: bool = False
    culturally_specific: str = ""
    email: str = ""
    url: str = ""
    phone: str = ""
    is_published: bool = True
    areas: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    locations: tuple[LocationValues, ...] = field(default=())


RELATED = ("areas", "languages", "locations")
SERVICE_FIELDS = tuple(f.name for f in fields(ServiceValues) if f.name not in RELATED)
LOCATION_FIELDS = tuple(f.name for f in fields(LocationValues))


def values_of(service: DirectoryService) -> ServiceValues:
    """The service as it stands, to change a few fields of (API PATCH, the edit form)."""
    return ServiceValues(
        **{name: getattr(service, name) for name in SERVICE_FIELDS},
        areas=tuple(row.area for row in service.areas.all()),
        languages=tuple(row.code for row in service.languages.all()),
        locations=tuple(
            LocationValues(**{name: getattr(loc, name) for name in LOCATION_FIELDS})
            for loc in service.locations.all()
        ),
    )


# -- validation ---------------------------------------------------------------------------------


def clean_areas(raw: Iterable[str]) -> tuple[list[str], list[str]]:
    """Areas trimmed, inner spaces collapsed, repeats (in any case) dropped; and the errors."""
    areas: list[str] = []
    seen: set[str] = set()
    errors: list[str] = []
    for entry in raw:
        area = " ".join(str(entry).split())
        if not area or area.casefold() in seen:
            continue
        if len(area) > AREA_LENGTH:
            errors.append(
                _("“%(area)s” is too long: at most %(limit)d characters.")
                % {"area": area[:AREA_LENGTH] + "…", "limit": AREA_LENGTH}
            )
            continue
        seen.add(area.casefold())
        areas.append(area)
    return areas, errors


def clean_languages(raw: Iterable[str]) -> tuple[list[str], list[str]]:
    """Language codes in lower case without repeats (``en``, ``es``, ``es-mx``); and the errors."""
    codes: list[str] = []
    wrong: list[str] = []
    for entry in raw:
        code = str(entry).strip().lower().replace("_", "-")
        if not code or code in codes:
            continue
        if LANGUAGE_CODE.match(code) and len(code) <= 16:
            codes.append(code)
        else:
            wrong.append(str(entry).strip()[:20])
    if not wrong:
        return codes, []
    message = _("Use language codes such as en or es, not: %(wrong)s.") % {
        "wrong": ", ".join(wrong)
    }
    return codes, [message]


def location_errors(values: LocationValues) -> dict[str, list[str]]:
    """What is wrong with one location, keyed by its field."""
    errors: dict[str, list[str]] = {}
    if not values.name.strip():
        errors["name"] = [_("Give the location a name (for a shelter, e.g. “Shelter”).")]
    if values.is_confidential:
        for name in CONFIDENTIAL_BLANK:
            if getattr(values, name) not in ("", None):
                errors[name] = [
                    _(
                        "A confidential location (such as a shelter) keeps no address and no "
                        "coordinates: leave this empty. Only its area is stored, for matching."
                    )
                ]
    given = [name for name in ADDRESS_PARTS if getattr(values, name).strip()]
    if given and not values.is_confidential:
        for name in ADDRESS_PARTS:
            if name not in given:
                errors[name] = [
                    _(
                        "An address needs its street, city, state, postal code and country: "
                        "fill this in too, or leave the whole address empty."
                    )
                ]
    if values.address_type not in DirectoryAddressType.values:
        errors["address_type"] = [_("Choose physical, postal or virtual.")]
    if values.latitude is not None and not -90 <= values.latitude <= 90:
        errors["latitude"] = [_("A latitude lies between -90 and 90.")]
    if values.longitude is not None and not -180 <= values.longitude <= 180:
        errors["longitude"] = [_("A longitude lies between -180 and 180.")]
    if (values.latitude is None) != (values.longitude is None) and not values.is_confidential:
        errors.setdefault("longitude", []).append(_("Give both coordinates, or neither."))
    for name in LOCATION_FIELDS:
        limit = getattr(DirectoryLocation._meta.get_field(name), "max_length", None)
        value = getattr(values, name)
        if limit and isinstance(value, str) and len(value.strip()) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    return errors


def _age_errors(values: ServiceValues) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("minimum_age", "maximum_age"):
        age = getattr(values, name)
        if age is not None and not 0 <= age <= MAX_AGE:
            errors[name] = [_("Give an age between 0 and %(max)d.") % {"max": MAX_AGE}]
    low, high = values.minimum_age, values.maximum_age
    if not errors and low is not None and high is not None and low > high:
        errors["maximum_age"] = [_("The oldest age served must not be below the youngest.")]
    return errors


def _choice_errors(values: ServiceValues) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, choices in (
        ("status", DirectoryService.Status),
        ("cost", DirectoryService.Cost),
        ("genders", DirectoryService.Gender),
    ):
        if getattr(values, name) not in choices.values:
            errors[name] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}
            ]
    return errors


def _locations_errors(locations: tuple[LocationValues, ...]) -> list[str]:
    """One message per wrong location, naming it by its place in the list."""
    messages: list[str] = []
    names: set[str] = set()
    for number, location in enumerate(locations, start=1):
        for name, errors in location_errors(location).items():
            label = DirectoryLocation._meta.get_field(name).verbose_name
            for error in errors:
                messages.append(
                    _("Location %(number)d, %(field)s: %(error)s")
                    % {"number": number, "field": label, "error": error}
                )
        key = location.name.strip().casefold()
        if key and key in names:
            messages.append(
                _("Location %(number)d: another location has this name.") % {"number": number}
            )
        names.add(key)
    return messages


def service_errors(values: ServiceValues) -> dict[str, list[str]]:
    """Every field error of a service and its areas, languages and locations, before a write."""
    errors = {**_age_errors(values), **_choice_errors(values)}
    if not values.name.strip():
        errors["name"] = [_("Give the service a name.")]
    if not ServiceType.objects.filter(pk=values.service_type_id, is_active=True).exists():
        errors["service_type"] = [_("Choose a service type of the taxonomy.")]
    if not 0 <= values.waitlist_weeks <= MAX_WAITLIST_WEEKS:
        errors["waitlist_weeks"] = [
            _("Give a number of weeks between 0 and %(max)d.") % {"max": MAX_WAITLIST_WEEKS}
        ]
    _areas, area_errors = clean_areas(values.areas)
    _codes, language_errors = clean_languages(values.languages)
    location_messages = _locations_errors(values.locations)
    for name, found in (
        ("areas", area_errors),
        ("languages", language_errors),
        ("locations", location_messages),
    ):
        if found:
            errors[name] = found
    return errors


def _model_errors(service: DirectoryService, already: dict[str, list[str]]) -> None:
    """Lengths, e-mail and web address formats, as the model declares them."""
    skip = ["provider", "service_type", *already]
    try:
        service.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            already.setdefault(name, []).extend(messages)


# -- writes -------------------------------------------------------------------------------------


def member_provider(organization: Organization) -> DirectoryProvider:
    """The member organization's directory entry, created on first use from its name."""
    provider, _created = DirectoryProvider.objects.get_or_create(
        member=organization, defaults={"name": organization.name}
    )
    return provider


def _apply(service: DirectoryService, values: ServiceValues) -> None:
    for name in SERVICE_FIELDS:
        value = getattr(values, name)
        setattr(service, name, value.strip() if isinstance(value, str) else value)


def _validated(service: DirectoryService, values: ServiceValues) -> None:
    errors = service_errors(values)
    _apply(service, values)
    _model_errors(service, errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_member_service(*, organization: Organization, values: ServiceValues) -> DirectoryService:
    """Publish a new service in the member organization's directory entry."""
    service = DirectoryService()
    _validated(service, values)
    service.provider = member_provider(organization)
    service.save()
    _write_related(service, values)
    return service


@transaction.atomic
def update_member_service(*, service: DirectoryService, values: ServiceValues) -> DirectoryService:
    """Replace what the organization says about one of its services."""
    locked = DirectoryService.objects.select_for_update().get(pk=service.pk)
    _validated(locked, values)
    locked.save()
    _write_related(locked, values)
    return locked


@transaction.atomic
def unpublish_member_service(*, service: DirectoryService) -> DirectoryService:
    """Take a service out of the search and the matches; its entry stays to publish again."""
    locked = DirectoryService.objects.select_for_update().get(pk=service.pk)
    locked.is_published = False
    locked.save(update_fields=["is_published", "updated_at"])
    return locked


@transaction.atomic
def delete_member_service(*, service: DirectoryService) -> None:
    """Remove a service, and the locations no other service of the provider uses any more."""
    location_ids = list(
        DirectoryServiceAtLocation.objects.filter(service=service).values_list(
            "location_id", flat=True
        )
    )
    service.delete()
    _delete_unused_locations(location_ids)


def _write_related(service: DirectoryService, values: ServiceValues) -> None:
    areas, _errors = clean_areas(values.areas)
    codes, _errors = clean_languages(values.languages)
    service.areas.exclude(area__in=areas).delete()
    kept = set(service.areas.values_list("area", flat=True))
    DirectoryServiceArea.objects.bulk_create(
        DirectoryServiceArea(service=service, area=area) for area in areas if area not in kept
    )
    service.languages.exclude(code__in=codes).delete()
    spoken = set(service.languages.values_list("code", flat=True))
    DirectoryServiceLanguage.objects.bulk_create(
        DirectoryServiceLanguage(service=service, code=code) for code in codes if code not in spoken
    )
    _write_locations(service, values.locations)


def _write_locations(service: DirectoryService, locations: tuple[LocationValues, ...]) -> None:
    """Locations are matched by name within the provider, so an unchanged place keeps its
    identity (and its HSDS id) from one edit to the next."""
    provider_locations = {
        loc.name.strip().casefold(): loc
        for loc in DirectoryLocation.objects.filter(provider_id=service.provider_id)
    }
    linked = set(
        DirectoryServiceAtLocation.objects.filter(service=service).values_list(
            "location_id", flat=True
        )
    )
    wanted: set[int] = set()
    for values in locations:
        location = provider_locations.get(values.name.strip().casefold()) or DirectoryLocation(
            provider_id=service.provider_id
        )
        for name in LOCATION_FIELDS:
            value = getattr(values, name)
            setattr(location, name, value.strip() if isinstance(value, str) else value)
        location.area = " ".join(location.area.split())
        location.save()
        wanted.add(location.pk)
        if location.pk not in linked:
            DirectoryServiceAtLocation.objects.create(service=service, location=location)
    dropped = linked - wanted
    DirectoryServiceAtLocation.objects.filter(service=service, location_id__in=dropped).delete()
    _delete_unused_locations(dropped)


def _delete_unused_locations(location_ids: Iterable[int]) -> None:
    used = DirectoryServiceAtLocation.objects.filter(location_id__in=list(location_ids))
    DirectoryLocation.objects.filter(pk__in=list(location_ids)).exclude(
        pk__in=used.values("location_id")
    ).delete()
