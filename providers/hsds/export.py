"""The directory as Open Referral HSDS 3.0 JSON: a list of ``service`` objects, each with its
organization, areas, languages, schedule, cost, locations and taxonomy attributes nested.

Only published services are exported (optionally of one provider); locations and
organizations appear through those services. Harbor-only facts travel as attributes of the
``Harbor directory facts`` taxonomy (providers/hsds/taxonomy.py); the waiting list is also
written in words to the standard ``wait_time``.

R40: a confidential location (a shelter) is exported as ``"Confidential location"`` with its
id and nothing else that could place it: no address, no coordinates, no area, no accessibility
notes, not even the name staff gave it. The id stays so that a re-import keeps the link
between the service and the location. The tabular package is flattened from this JSON, so
the same rule holds there.

Incomplete records: a record lacking a field HSDS 3.0 requires (``REQUIRED_FIELDS``: an
organization's description, an address's postal code ...) is left out rather than written
invalid, and listed in ``DirectoryExport.incomplete`` by kind, id and missing field names (no
values). A service whose organization is incomplete is left out with it; an incomplete address
is left out of its location, which stays.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from providers.hsds import taxonomy as tx
from providers.hsds.tabular import REQUIRED_FIELDS
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceLanguage,
)

CONFIDENTIAL_NAME = "Confidential location"
CONFIDENTIAL_DESCRIPTION = "The address is given only to people referred to the service."
COST_WORDS = {
    DirectoryService.Cost.FREE: "Free",
    DirectoryService.Cost.SLIDING_SCALE: "Sliding scale",
    DirectoryService.Cost.INSURANCE: "Insurance accepted",
    DirectoryService.Cost.FEE: "Fee",
}


def published_services(*, provider: DirectoryProvider | None = None) -> QuerySet[DirectoryService]:
    """The services an export shows, with what every service row needs joined in."""
    services = DirectoryService.objects.filter(is_published=True).select_related(
        "provider", "service_type"
    )
    if provider is not None:
        services = services.filter(provider=provider)
    return services.order_by("provider__name", "name", "pk")


@dataclass
class DirectoryExport:
    """The services an export writes, and the records it left out as incomplete."""

    services: list[dict[str, Any]] = field(default_factory=list)
    incomplete: list[dict[str, Any]] = field(default_factory=list)


def export_services(*, provider: DirectoryProvider | None = None) -> list[dict[str, Any]]:
    """The complete published services (of one provider, if given) as HSDS 3.0 objects."""
    return export_directory(provider=provider).services


def export_directory(*, provider: DirectoryProvider | None = None) -> DirectoryExport:
    """Every published service (of one provider, if given) as an HSDS 3.0 service object,
    less the incomplete records, which are listed instead.

    Four queries whatever the size: services, areas, languages, service-at-locations with
    their locations.
    """
    result = DirectoryExport()
    reported: set[tuple[str, str]] = set()

    def report(kind: str, hsds_id: str, missing: list[str]) -> None:
        if (kind, hsds_id) not in reported:
            reported.add((kind, hsds_id))
            result.incomplete.append({"record": kind, "id": hsds_id, "missing": missing})

    for record in _service_objects(provider):
        for address_id, missing in _leave_out_incomplete_addresses(record):
            report("address", address_id, missing)
        organization = record["organization"]
        missing = _missing(organization, "organization")
        if missing:
            report("organization", organization["id"], missing)
        own = _missing(record, "service")
        if missing or own:
            report("service", record["id"], [*own, *(f"organization.{m}" for m in missing)])
            continue
        result.services.append(record)
    return result


def _missing(record: dict[str, Any], kind: str) -> list[str]:
    """The fields HSDS requires of this kind of record that it lacks or leaves empty."""
    return [name for name in REQUIRED_FIELDS[kind] if record.get(name) in (None, "")]


def _leave_out_incomplete_addresses(record: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Takes the incomplete addresses out of the service's locations; returns their ids and
    missing fields."""
    entries = []
    for placement in record["service_at_locations"]:
        location = placement["location"]
        kept = []
        for address in location.get("addresses", []):
            missing = _missing(address, "address")
            if missing:
                entries.append((address["id"], missing))
            else:
                kept.append(address)
        if "addresses" in location:
            location["addresses"] = kept
    return entries


def _service_objects(provider: DirectoryProvider | None) -> list[dict[str, Any]]:
    services = list(published_services(provider=provider))
    ids = [service.pk for service in services]
    areas: dict[int, list[str]] = defaultdict(list)
    for service_id, area in (
        DirectoryServiceArea.objects.filter(service_id__in=ids)
        .order_by("area")
        .values_list("service_id", "area")
    ):
        areas[service_id].append(area)
    languages: dict[int, list[str]] = defaultdict(list)
    for service_id, code in (
        DirectoryServiceLanguage.objects.filter(service_id__in=ids)
        .order_by("code")
        .values_list("service_id", "code")
    ):
        languages[service_id].append(code)
    placements: dict[int, list[DirectoryServiceAtLocation]] = defaultdict(list)
    for placement in (
        DirectoryServiceAtLocation.objects.filter(service_id__in=ids)
        .select_related("location", "location__provider")
        .order_by("location__name", "location__pk")
    ):
        placements[placement.service_id].append(placement)
    return [
        service_object(
            service,
            areas=areas[service.pk],
            languages=languages[service.pk],
            placements=placements[service.pk],
        )
        for service in services
    ]


def service_object(
    service: DirectoryService,
    *,
    areas: list[str],
    languages: list[str],
    placements: list[DirectoryServiceAtLocation],
) -> dict[str, Any]:
    sid = str(service.hsds_id)
    record: dict[str, Any] = {
        "id": sid,
        "organization_id": str(service.provider.hsds_id),
        "name": service.name,
        "description": service.description,
        "status": service.status,
        "eligibility_description": service.eligibility_description,
        "fees_description": service.fees_description,
        "last_modified": service.updated_at.isoformat(),
    }
    _put(record, url=service.url, email=service.email, wait_time=_wait_time(service))
    if service.minimum_age is not None:
        record["minimum_age"] = service.minimum_age
    if service.maximum_age is not None:
        record["maximum_age"] = service.maximum_age
    record["organization"] = organization_object(service.provider)
    record["phones"] = _phones(sid, service.phone, "service_id")
    record["schedules"] = (
        [{"id": tx.derived_id(sid, "schedule"), "service_id": sid, "description": service.hours}]
        if service.hours
        else []
    )
    record["service_areas"] = [
        {"id": tx.derived_id(sid, f"area:{area}"), "service_id": sid, "name": area}
        for area in areas
    ]
    record["languages"] = [
        {"id": tx.derived_id(sid, f"language:{code}"), "service_id": sid, "code": code}
        for code in languages
    ]
    record["cost_options"] = _cost_options(service)
    record["service_at_locations"] = [_service_at_location(sid, p) for p in placements]
    record["attributes"] = service_attributes(service)
    return record


def organization_object(provider: DirectoryProvider) -> dict[str, Any]:
    oid = str(provider.hsds_id)
    record: dict[str, Any] = {"id": oid, "name": provider.name, "description": provider.description}
    _put(record, email=provider.email, website=provider.website)
    record["phones"] = _phones(oid, provider.phone, "organization_id")
    return record


def location_object(location: DirectoryLocation) -> dict[str, Any]:
    """The HSDS location; a confidential one shows its id and nothing that could place it."""
    lid = str(location.hsds_id)
    base = {
        "id": lid,
        "location_type": "physical",
        "organization_id": str(location.provider.hsds_id),
    }
    if location.is_confidential:
        return {
            **base,
            "name": CONFIDENTIAL_NAME,
            "description": CONFIDENTIAL_DESCRIPTION,
            "attributes": [_attribute(lid, "location", tx.CONFIDENTIAL_LOCATION, "true")],
        }
    record: dict[str, Any] = {**base, "name": location.name}
    if location.latitude is not None and location.longitude is not None:
        record["latitude"] = float(location.latitude)
        record["longitude"] = float(location.longitude)
    record["addresses"] = _addresses(location)
    record["accessibility"] = (
        [
            {
                "id": tx.derived_id(lid, "accessibility"),
                "location_id": lid,
                "description": location.accessibility,
            }
        ]
        if location.accessibility
        else []
    )
    record["attributes"] = [_attribute(lid, "location", tx.CONFIDENTIAL_LOCATION, "false")]
    if location.area:
        record["attributes"].append(_attribute(lid, "location", tx.LOCATION_AREA, location.area))
    return record


def service_attributes(service: DirectoryService) -> list[dict[str, Any]]:
    """The service type as a term of Harbor's service types, and Harbor's facts."""
    sid = str(service.hsds_id)
    type_term = tx.service_type_term(service.service_type)
    attributes = [
        {
            "id": tx.derived_id(sid, f"term:{type_term['id']}"),
            "link_id": sid,
            "link_type": "service_type",
            "link_entity": "service",
            "taxonomy_term_id": type_term["id"],
            "taxonomy_term": type_term,
        },
        _attribute(sid, "service", tx.SURVIVOR_LED, _flag(service.survivor_led)),
        _attribute(sid, "service", tx.GENDERS_SERVED, service.genders),
        _attribute(sid, "service", tx.ACCEPTING_REFERRALS, _flag(service.accepting_referrals)),
        _attribute(sid, "service", tx.WAITLIST_WEEKS, str(service.waitlist_weeks)),
        _attribute(sid, "service", tx.COST, service.cost),
    ]
    if service.culturally_specific:
        attributes.append(
            _attribute(sid, "service", tx.CULTURALLY_SPECIFIC, service.culturally_specific)
        )
    if service.accessibility:
        attributes.append(
            _attribute(sid, "service", tx.SERVICE_ACCESSIBILITY, service.accessibility)
        )
    return attributes


def _service_at_location(sid: str, placement: DirectoryServiceAtLocation) -> dict[str, Any]:
    return {
        "id": str(placement.hsds_id),
        "service_id": sid,
        "location_id": str(placement.location.hsds_id),
        "location": location_object(placement.location),
    }


def _attribute(link_id: str, entity: str, fact: tx.Fact, value: str) -> dict[str, Any]:
    return {
        "id": tx.derived_id(link_id, f"fact:{fact.code}"),
        "link_id": link_id,
        "link_type": "harbor_fact",
        "link_entity": entity,
        "taxonomy_term_id": fact.term_id,
        "value": value,
        "taxonomy_term": tx.fact_term(fact),
    }


def _addresses(location: DirectoryLocation) -> list[dict[str, Any]]:
    if not (location.address_1 or location.city or location.postal_code):
        return []
    lid = str(location.hsds_id)
    return [
        {
            "id": tx.derived_id(lid, "address"),
            "location_id": lid,
            "address_1": location.address_1,
            "city": location.city,
            "state_province": location.state_province,
            "postal_code": location.postal_code,
            "country": location.country,
            "address_type": location.address_type,
        }
    ]


def _phones(owner: str, number: str, owner_field: str) -> list[dict[str, Any]]:
    if not number:
        return []
    return [{"id": tx.derived_id(owner, "phone"), owner_field: owner, "number": number}]


def _cost_options(service: DirectoryService) -> list[dict[str, Any]]:
    words = COST_WORDS.get(service.cost)
    if words is None:
        return []
    option: dict[str, Any] = {
        "id": tx.derived_id(service.hsds_id, "cost"),
        "service_id": str(service.hsds_id),
        "option": words,
    }
    if service.cost == DirectoryService.Cost.FREE:
        option["amount"] = 0
    if service.fees_description:
        option["amount_description"] = service.fees_description
    return [option]


def _wait_time(service: DirectoryService) -> str:
    if not service.accepting_referrals:
        return "Not accepting referrals at present."
    if service.waitlist_weeks:
        return f"About {service.waitlist_weeks} weeks."
    return ""


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _put(record: dict[str, Any], **values: str) -> None:
    """Adds the optional string fields that have a value (HSDS formats reject empty ones)."""
    record.update({key: value for key, value in values.items() if value})
