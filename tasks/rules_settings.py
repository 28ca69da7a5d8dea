"""Setting an organization's continuity rules (issue 4's numbers; issue 18: on a page too):
one validation for the API and the page, and a record of who changed them in the history."""

from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.versions import StaleVersion, version_matches
from tasks.models import ContinuityRules
from tasks.rules import rules_for

RULE_FIELDS = (
    "time_zone",
    "referral_answer_business_days",
    "referral_escalation_business_days",
    "referral_expiry_business_days",
    "default_contact_days",
    "plan_review_days",
    "consent_renewal_days",
    "overdue_grace_days",
    "caseload_limit",
)


def rule_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a full set of numbers, by field (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    if values["time_zone"] not in available_timezones():
        errors["time_zone"] = [_("Give an IANA time zone, e.g. America/Chicago.")]
    answer = values["referral_answer_business_days"]
    escalate = values["referral_escalation_business_days"]
    expire = values["referral_expiry_business_days"]
    if not 1 <= answer < escalate < expire:
        errors["referral_escalation_business_days"] = [
            _(
                "A referral is answered first, then escalated, then expires: give at least 1 "
                "day to answer, more days to escalation, and more to expiry."
            )
        ]
    for name in ("default_contact_days", "plan_review_days", "consent_renewal_days"):
        if values[name] < 1:
            errors[name] = [_("At least one day.")]
    if values["overdue_grace_days"] < 0:
        errors["overdue_grace_days"] = [_("Zero days or more.")]
    if values["caseload_limit"] < 1:
        errors["caseload_limit"] = [_("At least one case.")]
    return errors


@transaction.atomic
def set_continuity_rules(
    *, organization_id: int, values: Mapping[str, Any], read_version: str | None = None
) -> ContinuityRules:
    """Replace the organization's numbers with ``values`` (every field of ``RULE_FIELDS``);
    with ``read_version``, only if nobody changed them since that version was read (R44:
    ``StaleVersion`` otherwise)."""
    errors = rule_errors(values)
    if errors:
        raise ValidationError(errors)
    current = rules_for(organization_id)
    rules = (
        ContinuityRules.objects.select_for_update().filter(pk=current.pk).first()
        if current.pk
        else current
    )
    if read_version and not version_matches(rules, read_version):
        raise StaleVersion(rules)
    for name in RULE_FIELDS:
        setattr(rules, name, values[name])
    rules.save()
    return rules
