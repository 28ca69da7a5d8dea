"""Turns raw HSDS organizations, locations and services into the values Harbor keeps.

The rule for what an import changes: a standard HSDS field the record leaves out is cleared
(the record is the whole truth about it); a nested list the record leaves out (``phones``,
``schedules``, ``service_areas``, ``languages``, ``cost_options``, ``service_at_locations``)
and a Harbor fact it carries no attribute for leave what Harbor holds unchanged, so a 211
feed re-imported every night does not reset what only Harbor knows. What Harbor cannot keep
(a service area name longer than 60 characters, coordinates outside the globe) is left out
and counted in the report's warnings; what makes a record wrong is a problem, and the whole
import stops.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from providers.hsds import taxonomy as tx
from providers.hsds.bundle import Problem
from providers.hsds.fields import Fields, flag
from providers.models import (
    DirectoryAddressType,
    DirectoryCost,
    DirectoryGender,
    DirectoryService,
    DirectoryServiceStatus,
)

MAX_AGE = 150
MAX_WAITLIST_WEEKS = 520
WAIT_WEEKS = re.compile(r"(\d{1,3})\s*weeks?", re.IGNORECASE)
SIX_PLACES = Decimal("0.000001")
ADDRESS_FIELDS = ("address_1", "city", "state_province", "postal_code", "country")


@dataclass
class ProviderRow:
    hsds_id: UUID
    values: dict[str, Any]
    label: str


@dataclass
class LocationRow:
    hsds_id: UUID
    organization_id: UUID | None
    values: dict[str, Any]
    confidential: bool
    # Address or coordinates the file gave (not kept for a confidential location).
    placeable: bool
    label: str


@dataclass
class ServiceRow:
    hsds_id: UUID
    organization_id: UUID | None
    values: dict[str, Any]
    terms: list[dict[str, Any]]
    label: str
    areas: list[str] | None = None
    languages: list[str] | None = None
    # (service_at_location id, location id) pairs, when the record lists its locations.
    placements: list[tuple[UUID, UUID]] | None = None
    facts: dict[str, str] = field(default_factory=dict)


class Reader:
    """Reads records of one import; collects problems (fatal) and warnings (counted)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: Counter[str] = Counter()

    def organization(self, raw: dict[str, Any]) -> ProviderRow | None:
        fields = Fields(raw, kind="organization", problems=self.problems)
        hsds_id = fields.identifier()
        values: dict[str, Any] = {
            "name": fields.text("name", max_length=200, required=True),
            "description": fields.text("description"),
            "email": fields.email("email"),
            "website": fields.url("website"),
        }
        phone = self._phone(fields)
        if phone is not None:
            values["phone"] = phone
        return ProviderRow(hsds_id, values, fields.label) if hsds_id else None

    def location(self, raw: dict[str, Any]) -> LocationRow | None:
        fields = Fields(raw, kind="location", problems=self.problems)
        hsds_id = fields.identifier()
        organization_id = fields.identifier("organization_id", required=False)
        facts = self._facts(fields)
        confidential = facts.get(tx.CONFIDENTIAL_LOCATION.code)
        values: dict[str, Any] = {"name": fields.text("name", max_length=200)}
        values.update(self._address(fields))
        values.update(self._coordinates(fields))
        accessibility = self._accessibility(fields)
        if accessibility is not None:
            values["accessibility"] = accessibility
        if tx.LOCATION_AREA.code in facts:
            area = facts[tx.LOCATION_AREA.code].strip()
            if len(area) > 60:
                fields.problem("attributes", "the area is longer than 60 characters")
            values["area"] = area[:60]
        is_confidential = bool(confidential) and flag(fields, "attributes", confidential) is True
        placeable = any(values.get(key) for key in ("address_1", "city", "postal_code")) or (
            values.get("latitude") is not None
        )
        if not values["name"]:
            values["name"] = values.get("address_1") or values.get("city") or "Location"
        return (
            LocationRow(hsds_id, organization_id, values, is_confidential, placeable, fields.label)
            if hsds_id
            else None
        )

    def service(self, raw: dict[str, Any]) -> ServiceRow | None:
        fields = Fields(raw, kind="service", problems=self.problems)
        hsds_id = fields.identifier()
        if hsds_id is None:
            return None
        organization = raw.get("organization")
        organization_id = (
            Fields(organization, kind="organization", problems=self.problems).identifier()
            if isinstance(organization, dict)
            else fields.identifier("organization_id", required=False)
        )
        values = self._service_values(fields)
        facts = self._facts(fields)
        values.update(self._service_facts(fields, facts, values))
        return ServiceRow(
            hsds_id=hsds_id,
            organization_id=organization_id,
            values=values,
            terms=self._type_terms(fields),
            label=fields.label,
            areas=self._areas(fields),
            languages=self._languages(fields),
            placements=self._placements(fields),
        )

    # -- services -------------------------------------------------------------------------

    def _service_values(self, fields: Fields) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": fields.text("name", max_length=200, required=True),
            "description": fields.text("description"),
            "status": fields.choice("status", DirectoryServiceStatus.values, required=True),
            "url": fields.url("url"),
            "email": fields.email("email"),
            "eligibility_description": fields.text("eligibility_description"),
            "fees_description": fields.text("fees_description", max_length=300),
            "minimum_age": fields.whole("minimum_age", low=0, high=MAX_AGE),
            "maximum_age": fields.whole("maximum_age", low=0, high=MAX_AGE),
        }
        low, high = values["minimum_age"], values["maximum_age"]
        if low is not None and high is not None and low > high:
            fields.problem("maximum_age", "is below minimum_age")
        hours = self._hours(fields)
        if hours is not None:
            values["hours"] = hours
        phone = self._phone(fields)
        if phone is not None:
            values["phone"] = phone
        return values

    def _service_facts(
        self, fields: Fields, facts: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for fact, key in (
            (tx.SURVIVOR_LED, "survivor_led"),
            (tx.ACCEPTING_REFERRALS, "accepting_referrals"),
        ):
            if fact.code in facts:
                found[key] = flag(fields, "attributes", facts[fact.code])
        if tx.GENDERS_SERVED.code in facts:
            found["genders"] = self._fact_choice(
                fields, facts, tx.GENDERS_SERVED, DirectoryGender.values
            )
        if tx.COST.code in facts:
            found["cost"] = self._fact_choice(fields, facts, tx.COST, DirectoryCost.values)
        else:
            cost = self._cost_from_options(fields)
            if cost is not None:
                found["cost"] = cost
        if tx.WAITLIST_WEEKS.code in facts:
            weeks = facts[tx.WAITLIST_WEEKS.code].strip()
            if weeks.isdigit() and int(weeks) <= MAX_WAITLIST_WEEKS:
                found["waitlist_weeks"] = int(weeks)
            else:
                fields.problem(
                    "attributes",
                    f"waitlist_weeks must be a whole number up to {MAX_WAITLIST_WEEKS}",
                )
        elif (match := WAIT_WEEKS.search(fields.text("wait_time"))) is not None:
            found["waitlist_weeks"] = min(int(match.group(1)), MAX_WAITLIST_WEEKS)
        if tx.CULTURALLY_SPECIFIC.code in facts:
            text = facts[tx.CULTURALLY_SPECIFIC.code].strip()
            if len(text) > 200:
                fields.problem("attributes", "culturally_specific is longer than 200 characters")
            found["culturally_specific"] = text[:200]
        if tx.SERVICE_ACCESSIBILITY.code in facts:
            found["accessibility"] = facts[tx.SERVICE_ACCESSIBILITY.code].strip()
        return {key: value for key, value in found.items() if value is not None}

    def _fact_choice(
        self, fields: Fields, facts: dict[str, str], fact: tx.Fact, choices: list[str]
    ) -> str | None:
        value = facts[fact.code].strip()
        if value not in choices:
            fields.problem("attributes", f"{fact.code} must be one of: {', '.join(choices)}")
            return None
        return value

    def _cost_from_options(self, fields: Fields) -> str | None:
        options = fields.records("cost_options")
        if options is None:
            return None
        amounts = []
        for option in options:
            amount = Fields(option, kind="cost_option", problems=self.problems).number("amount")
            if amount is not None:
                amounts.append(amount)
        if not amounts:
            return DirectoryService.Cost.UNKNOWN
        return DirectoryService.Cost.FEE if any(amounts) else DirectoryService.Cost.FREE

    def _hours(self, fields: Fields) -> str | None:
        schedules = fields.records("schedules")
        if schedules is None:
            return None
        parts = [self._schedule_words(schedule) for schedule in schedules]
        hours = "; ".join(part for part in parts if part)
        if len(hours) > 300:
            fields.problem("schedules", "the schedule descriptions are longer than 300 characters")
            return ""
        return hours

    def _schedule_words(self, schedule: dict[str, Any]) -> str:
        description = schedule.get("description")
        if isinstance(description, str) and description.strip():
            return description.strip()
        days = schedule.get("byday") or ""
        opens, closes = schedule.get("opens_at") or "", schedule.get("closes_at") or ""
        span = f"{opens}-{closes}" if opens and closes else ""
        return " ".join(str(part) for part in (days, span) if part)

    def _areas(self, fields: Fields) -> list[str] | None:
        areas = fields.records("service_areas")
        if areas is None:
            return None
        kept: list[str] = []
        for area in areas:
            name = area.get("name")
            if not isinstance(name, str) or not name.strip():
                self.warnings["service areas without a name were not kept"] += 1
            elif len(name.strip()) > 60:
                self.warnings["service area names longer than 60 characters were not kept"] += 1
            elif name.strip() not in kept:
                kept.append(name.strip())
        return kept

    def _languages(self, fields: Fields) -> list[str] | None:
        languages = fields.records("languages")
        if languages is None:
            return None
        kept: list[str] = []
        for language in languages:
            code = language.get("code")
            if not isinstance(code, str) or not code.strip() or len(code.strip()) > 16:
                self.warnings["languages without a code of up to 16 characters were not kept"] += 1
            elif code.strip().lower() not in kept:
                kept.append(code.strip().lower())
        return kept

    def _placements(self, fields: Fields) -> list[tuple[UUID, UUID]] | None:
        placements = fields.records("service_at_locations")
        if placements is None:
            return None
        pairs = []
        for placement in placements:
            placed = Fields(placement, kind="service_at_location", problems=self.problems)
            sal_id = placed.identifier()
            location = placement.get("location")
            location_id = (
                Fields(location, kind="location", problems=self.problems).identifier()
                if isinstance(location, dict)
                else placed.identifier("location_id")
            )
            if sal_id and location_id:
                pairs.append((sal_id, location_id))
        return pairs

    def _type_terms(self, fields: Fields) -> list[dict[str, Any]]:
        terms = []
        for attribute in fields.records("attributes") or []:
            term = attribute.get("taxonomy_term")
            if isinstance(term, dict) and tx.fact_of(term) is None:
                terms.append(term)
        return terms

    # -- shared -----------------------------------------------------------------------------

    def _facts(self, fields: Fields) -> dict[str, str]:
        """Harbor facts among the record's attributes: fact code to value."""
        facts: dict[str, str] = {}
        for attribute in fields.records("attributes") or []:
            term = attribute.get("taxonomy_term")
            fact = tx.fact_of(term) if isinstance(term, dict) else None
            if fact is None:
                continue
            value = attribute.get("value")
            if not isinstance(value, str):
                fields.problem("attributes", f"{fact.code} needs a text value")
                continue
            facts[fact.code] = value
        return facts

    def _phone(self, fields: Fields) -> str | None:
        phones = fields.records("phones")
        if phones is None:
            return None
        for phone in phones:
            number = Fields(phone, kind="phone", problems=self.problems).text(
                "number", max_length=40
            )
            if number:
                return number
        return ""

    def _address(self, fields: Fields) -> dict[str, Any]:
        addresses = fields.records("addresses")
        if addresses is None:
            return {}
        if not addresses:
            return {
                **dict.fromkeys(ADDRESS_FIELDS, ""),
                "address_type": DirectoryAddressType.PHYSICAL,
            }
        physical = [a for a in addresses if a.get("address_type") == "physical"]
        address = Fields((physical or addresses)[0], kind="address", problems=self.problems)
        country = address.text("country").upper()
        if country and (len(country) != 2 or not country.isalpha()):
            address.problem("country", "must be a two-letter ISO 3166-1 code")
            country = ""
        address_type = address.text("address_type") or DirectoryAddressType.PHYSICAL
        if address_type not in DirectoryAddressType.values:
            address.problem("address_type", "must be physical, postal or virtual")
            address_type = DirectoryAddressType.PHYSICAL
        return {
            "address_type": address_type,
            "address_1": address.text("address_1", max_length=200),
            "city": address.text("city", max_length=100),
            "state_province": address.text("state_province", max_length=100),
            "postal_code": address.text("postal_code", max_length=20),
            "country": country,
        }

    def _coordinates(self, fields: Fields) -> dict[str, Decimal | None]:
        latitude, longitude = fields.number("latitude"), fields.number("longitude")
        if latitude is None or longitude is None:
            if (latitude is None) != (longitude is None):
                self.warnings["locations with only one coordinate kept none"] += 1
            return {"latitude": None, "longitude": None}
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            self.warnings["locations with coordinates outside the globe kept none"] += 1
            return {"latitude": None, "longitude": None}
        return {
            "latitude": latitude.quantize(SIX_PLACES),
            "longitude": longitude.quantize(SIX_PLACES),
        }

    def _accessibility(self, fields: Fields) -> str | None:
        items = fields.records("accessibility")
        if items is None:
            return None
        parts = []
        for item in items:
            for key in ("description", "details"):
                value = item.get(key)
                if isinstance(value, str) and value.strip():
                    parts.append(value.strip())
        return "\n".join(parts)
