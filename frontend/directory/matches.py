"""Directory matches on the referral page: services of the planned service's type for the
young person's area and age, best first.

The area and the age come from the case the policy already gave the page (the care team and
supervisors of the lead organization see the young person's whole record); only ids travel in
URLs. A member organization's match links back to the referral form with the organization
chosen (or to the consent request, if no consent covers it yet); a provider outside Harbor
shows how to reach it.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from cases.models import PlannedService
from consent.policy import CaseAccess
from consent.signers import youngest_possible_age
from providers.directory.selectors import matches_for
from providers.models import DirectoryService


@dataclass(frozen=True)
class Match:
    service: DirectoryService
    refer_url: str = ""  # a member covered by a consent: prefill the referral form
    consent_url: str = ""  # a member no consent covers yet: ask the young person first
    own_organization: bool = False


def _id_of(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def referral_prefill(request: HttpRequest) -> dict[str, int]:
    """The referral form's planned service and recipient, from a match's link (ids only)."""
    chosen = {name: _id_of(request, name) for name in ("planned_service", "to_organization")}
    return {name: value for name, value in chosen.items() if value is not None}


def _match(
    service: DirectoryService, *, case_id: int, lead_id: int, planned_id: int, covered_ids: set[int]
) -> Match:
    member_id = service.provider.member_id
    if not service.takes_harbor_referrals or member_id is None:
        return Match(service=service)
    if member_id == lead_id:
        return Match(service=service, own_organization=True)
    if member_id in covered_ids:
        query = urlencode({"planned_service": planned_id, "to_organization": member_id})
        url = reverse("frontend:referral-new", kwargs={"case_id": case_id})
        return Match(service=service, refer_url=f"{url}?{query}#send-heading")
    url = reverse("frontend:consent-request", kwargs={"case_id": case_id})
    return Match(service=service, consent_url=f"{url}?{urlencode({'recipient': member_id})}")


def referral_matches(
    *,
    request: HttpRequest,
    access: CaseAccess,
    services: list[PlannedService],
    covered_ids: set[int],
) -> dict[str, Any] | None:
    """The matches of the planned service asked for (else the first open one), or None when
    the case has no open planned service."""
    if not services:
        return None
    wanted = _id_of(request, "planned_service")
    chosen = next((s for s in services if s.pk == wanted), services[0])
    case = access.case
    person = case.person
    area = person.area or None
    age = youngest_possible_age(person, timezone.localdate())
    found = matches_for(service_type_id=chosen.service_type_id, area=area, age=age)
    return {
        "services": services,
        "chosen": chosen,
        "area_known": area is not None,
        "age_known": age is not None,
        "matches": [
            _match(
                service,
                case_id=case.pk,
                lead_id=case.lead_organization_id,
                planned_id=chosen.pk,
                covered_ids=covered_ids,
            )
            for service in found
        ],
    }
