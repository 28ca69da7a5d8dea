"""Harbor's two HSDS taxonomies and how taxonomy terms map back to Harbor service types.

``Harbor service types`` publishes the shared ServiceType list: one term per type, the term's
``code`` is the ServiceType code. ``Harbor directory facts`` holds what HSDS 3.0 has no field
for (survivor-led, culturally specific, genders served, accepting referrals, waiting list,
cost category, service accessibility, a location's area and confidentiality); each fact is an
``attribute`` whose ``value`` carries the fact. Ids are UUIDv5 derived from fixed names, so
every export names the same taxonomy and terms with the same ids, and an import recognises
them again.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.models import ServiceType

# Fixed namespace for every id Harbor derives (taxonomies, terms, and the child rows HSDS
# needs ids for but Harbor keeps no row of: phones, schedules, addresses ...).
HARBOR_NAMESPACE = uuid.UUID("5b0c4a52-8d0e-4c77-9a2b-3f1d6f0e9a41")

SERVICE_TYPES_TAXONOMY_ID = uuid.uuid5(HARBOR_NAMESPACE, "taxonomy:service-types")
FACTS_TAXONOMY_ID = uuid.uuid5(HARBOR_NAMESPACE, "taxonomy:directory-facts")


def derived_id(owner: uuid.UUID | str, part: str) -> str:
    """A stable id for a row HSDS needs but Harbor stores inside its owner (a service's phone)."""
    return str(uuid.uuid5(uuid.UUID(str(owner)), part))


@dataclass(frozen=True)
class Fact:
    """One Harbor fact exported as an attribute: its term code, name and what it means."""

    code: str
    name: str
    description: str

    @property
    def term_id(self) -> str:
        return str(uuid.uuid5(HARBOR_NAMESPACE, f"fact:{self.code}"))


SURVIVOR_LED = Fact(
    "survivor_led", "Survivor-led", "Led by people with lived experience: true or false."
)
CULTURALLY_SPECIFIC = Fact(
    "culturally_specific", "Culturally specific", "The communities the service is built for."
)
GENDERS_SERVED = Fact(
    "genders_served",
    "Genders served",
    "One of: any, girls_women, boys_men, trans_nonbinary.",
)
ACCEPTING_REFERRALS = Fact(
    "accepting_referrals", "Accepting referrals", "Takes new referrals now: true or false."
)
WAITLIST_WEEKS = Fact("waitlist_weeks", "Waiting list (weeks)", "Weeks on the waiting list.")
COST = Fact("cost", "Cost", "One of: free, sliding_scale, insurance, fee, unknown (not stated).")
SERVICE_ACCESSIBILITY = Fact(
    "service_accessibility", "Accessibility", "How accessible the service is, in words."
)
LOCATION_AREA = Fact("location_area", "Area", "The county or postal code of a location.")
CONFIDENTIAL_LOCATION = Fact(
    "confidential_location",
    "Confidential location",
    "true: the address is given only to people referred to the service (a shelter).",
)
FACTS: tuple[Fact, ...] = (
    SURVIVOR_LED,
    CULTURALLY_SPECIFIC,
    GENDERS_SERVED,
    ACCEPTING_REFERRALS,
    WAITLIST_WEEKS,
    COST,
    SERVICE_ACCESSIBILITY,
    LOCATION_AREA,
    CONFIDENTIAL_LOCATION,
)
FACTS_BY_TERM_ID: Mapping[str, Fact] = {fact.term_id: fact for fact in FACTS}
FACTS_BY_CODE: Mapping[str, Fact] = {fact.code: fact for fact in FACTS}


def service_type_term_id(code: str) -> str:
    return str(uuid.uuid5(HARBOR_NAMESPACE, f"service-type:{code}"))


def service_types_taxonomy() -> dict[str, Any]:
    return {
        "id": str(SERVICE_TYPES_TAXONOMY_ID),
        "name": "Harbor service types",
        "description": "The service taxonomy Harbor's plans, referrals and directory share.",
        "version": "1",
    }


def facts_taxonomy() -> dict[str, Any]:
    return {
        "id": str(FACTS_TAXONOMY_ID),
        "name": "Harbor directory facts",
        "description": "Facts about a service or location that HSDS 3.0 has no field for.",
        "version": "1",
    }


def service_type_term(service_type: ServiceType) -> dict[str, Any]:
    """The HSDS taxonomy_term of one Harbor service type (taxonomy nested as taxonomy_detail)."""
    taxonomy = service_types_taxonomy()
    return {
        "id": service_type_term_id(service_type.code),
        "code": service_type.code,
        "name": service_type.name,
        "description": service_type.description or service_type.name,
        "taxonomy": taxonomy["name"],
        "taxonomy_id": taxonomy["id"],
        "taxonomy_detail": taxonomy,
        "language": "en",
    }


def fact_term(fact: Fact) -> dict[str, Any]:
    taxonomy = facts_taxonomy()
    return {
        "id": fact.term_id,
        "code": fact.code,
        "name": fact.name,
        "description": fact.description,
        "taxonomy": taxonomy["name"],
        "taxonomy_id": taxonomy["id"],
        "taxonomy_detail": taxonomy,
        "language": "en",
    }


def fact_of(term: Mapping[str, Any]) -> Fact | None:
    """The Harbor fact a taxonomy term stands for, recognised by its id or by Harbor's facts
    taxonomy and code; None for any other term."""
    by_id = FACTS_BY_TERM_ID.get(str(term.get("id", "")))
    if by_id is not None:
        return by_id
    taxonomy_ids = {str(term.get("taxonomy_id", "")), str(_detail_id(term))}
    if str(FACTS_TAXONOMY_ID) in taxonomy_ids:
        return FACTS_BY_CODE.get(str(term.get("code", "")))
    return None


def _detail_id(term: Mapping[str, Any]) -> str:
    detail = term.get("taxonomy_detail")
    return str(detail.get("id", "")) if isinstance(detail, Mapping) else ""


class ServiceTypeMatcher:
    """Maps HSDS taxonomy terms to active Harbor service types.

    A term maps when it is Harbor's own service-type term, when the operator's ``term_map``
    names it (by code or name), or when its code or name equals a service type's code or name
    (case-insensitive). The first term of a service that maps decides its type.
    """

    def __init__(self, *, term_map: Mapping[str, str] | None = None) -> None:
        types = list(ServiceType.objects.filter(is_active=True))
        self._by_code = {t.code.lower(): t for t in types}
        self._by_name = {t.name.lower(): t for t in types}
        self._by_term_id = {service_type_term_id(t.code): t for t in types}
        self._term_map = {key.lower(): value for key, value in (term_map or {}).items()}

    def type_for(self, code: str) -> ServiceType | None:
        return self._by_code.get(code.lower())

    def match(self, term: Mapping[str, Any]) -> ServiceType | None:
        found = self._by_term_id.get(str(term.get("id", "")))
        if found is not None:
            return found
        keys = [str(term.get(key) or "").strip().lower() for key in ("code", "name")]
        for key in (k for k in keys if k):
            if key in self._term_map:
                return self._by_code.get(self._term_map[key].lower())
        for key in (k for k in keys if k):
            found = self._by_code.get(key) or self._by_name.get(key)
            if found is not None:
                return found
        return None

    def first_match(self, terms: Iterable[Mapping[str, Any]]) -> ServiceType | None:
        for term in terms:
            found = self.match(term)
            if found is not None:
                return found
        return None


def term_label(term: Mapping[str, Any]) -> str:
    """How a report names an unmapped term: its code, else its name."""
    return str(term.get("code") or term.get("name") or term.get("id") or "?")
