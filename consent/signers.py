"""Who must sign a consent (R06-R10), decided from the young person's age and family record.

- An adult signs alone, unless a court appointed them a guardian: then the guardian signs too.
- A minor (under the self-consent age) signs, and so does one non-abusive parent, legal
  guardian or legal custodian, unless the case carries the flag that the young person may
  lawfully receive the service alone (with its legal basis): then the minor alone.
- An age Harbor does not know counts as a minor's: asking for a parent is the safe error.
- Nobody recorded as having harmed the young person or the other parent, nobody not
  confirmed safe to contact, and nobody taken off the family record may sign.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _

from cases.models import Case, FamilyMember, Flag, Person
from consent.models import Consent, SignerRole, SignerRule

Relation = FamilyMember.Relation
PARENT_RELATIONS = frozenset({Relation.MOTHER, Relation.FATHER})
CUSTODIAN_RELATIONS = frozenset({Relation.LEGAL_GUARDIAN, Relation.LEGAL_CUSTODIAN})


def self_consent_age() -> int:
    return settings.HARBOR["SELF_CONSENT_AGE"]


def youngest_possible_age(person: Person, on: date) -> int | None:
    """The lowest age the recorded date of birth allows, or None when nothing is recorded."""
    precision = person.birth_date_precision
    if precision == Person.BirthDatePrecision.EXACT and person.birth_date:
        born = person.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if precision == Person.BirthDatePrecision.YEAR and person.birth_year:
        return on.year - person.birth_year - 1
    if precision == Person.BirthDatePrecision.AGE_RANGE and person.age_range_min is not None:
        return person.age_range_min
    return None


def is_minor(person: Person, on: date) -> bool:
    age = youngest_possible_age(person, on)
    return age is None or age < self_consent_age()


def may_consent_alone_basis(case: Case) -> str:
    """The legal basis recorded with the current "may consent alone" flag, or ''."""
    flag = (
        Flag.objects.filter(
            case_id=case.pk, kind=Flag.Kind.MAY_CONSENT_ALONE, cleared_at__isnull=True
        )
        .order_by("-raised_at")
        .first()
    )
    return flag.text if flag else ""


def signer_role_of(member: FamilyMember) -> str:
    if member.is_court_appointed:
        return SignerRole.COURT_APPOINTED_GUARDIAN
    if member.relation in PARENT_RELATIONS:
        return SignerRole.PARENT
    if member.relation == Relation.LEGAL_CUSTODIAN:
        return SignerRole.LEGAL_CUSTODIAN
    if member.is_legal_guardian or member.relation == Relation.LEGAL_GUARDIAN:
        return SignerRole.GUARDIAN
    return SignerRole.PARENT


def why_not_a_signer(member: FamilyMember, rule: str) -> str:
    """'' when the family member may sign under ``rule``, else the reason (shown to staff)."""
    if not member.is_current:
        return _("This person was taken off the family record, so they cannot sign.")
    if member.is_recorded_abuser:
        return _("A person recorded as having harmed the young person or a parent cannot sign.")
    if not member.contact_is_safe:
        return _("This person has not been confirmed safe to contact, so they cannot sign.")
    if rule == SignerRule.ADULT_WITH_GUARDIAN:
        return "" if member.is_court_appointed else _("Only the court-appointed guardian signs.")
    if rule == SignerRule.MINOR_WITH_PARENT:
        may_sign = (
            member.relation in PARENT_RELATIONS
            or member.relation in CUSTODIAN_RELATIONS
            or member.is_legal_guardian
        )
        return "" if may_sign else _("Only a parent, legal guardian or legal custodian can sign.")
    return _("The young person signs this consent alone.")


@dataclass(frozen=True)
class SignerRequirement:
    rule: str
    legal_basis: str = ""

    @property
    def needs_adult_signer(self) -> bool:
        """True when one parent, guardian or custodian must sign beside the young person."""
        return self.rule in (SignerRule.MINOR_WITH_PARENT, SignerRule.ADULT_WITH_GUARDIAN)


def requirement_of(
    person: Person, on: date, *, has_court_appointed_guardian: bool, alone_basis: str
) -> SignerRequirement:
    """The signer rule from what is known: for a page that already holds the family and flags."""
    if not is_minor(person, on):
        rule = SignerRule.ADULT_WITH_GUARDIAN if has_court_appointed_guardian else SignerRule.SELF
        return SignerRequirement(rule)
    if alone_basis:
        return SignerRequirement(SignerRule.MINOR_ALONE, legal_basis=alone_basis)
    return SignerRequirement(SignerRule.MINOR_WITH_PARENT)


def signer_requirement(case: Case, on: date) -> SignerRequirement:
    person = case.person
    if not is_minor(person, on):
        guarded = person.family_members.filter(
            is_court_appointed=True, ended_on__isnull=True
        ).exists()
        return requirement_of(person, on, has_court_appointed_guardian=guarded, alone_basis="")
    basis = may_consent_alone_basis(case)
    return requirement_of(person, on, has_court_appointed_guardian=False, alone_basis=basis)


UNSIGNED_STATUSES = frozenset({Consent.Status.DRAFT, Consent.Status.PENDING_SIGNATURE})


def consent_given_at(consent: Consent) -> datetime | None:
    """When the consent was given: the time the last required signer signed (R39).

    Not when staff typed the signature in, nor when Harbor activated the consent: a form signed
    on paper may be recorded days later. A consent still missing a signature was not given, so
    the answer is None (a receipt does not exist yet; the FHIR export leaves ``dateTime`` out).
    Only required signers can sign (``why_not_a_signer``), so the latest signature is the last
    required one. Reads a prefetch of ``signatures`` when there is one.
    """
    if consent.status in UNSIGNED_STATUSES:
        return None
    signed = [signature.signed_at for signature in consent.signatures.all()]
    # Rows written before signatures were recorded have none: their activation is all we know.
    return max(signed) if signed else consent.activated_at
