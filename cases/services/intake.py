"""Opening a case and keeping the young person's own record: identity, family, safe contact."""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.demographics import (
    DECLINED_CODES,
    DECLINED_NAME,
    Sex,
    SexualOrientation,
    check_referral_source,
    ordered_race_ethnicity,
    race_ethnicity_errors,
)
from cases.models import CareTeamMember, Case, FamilyMember, Person, SafeContactRule, ServicePlan
from providers.models import Membership, Organization

PERSON_FIELDS = frozenset(
    {
        "alias",
        "legal_name",
        "chosen_name",
        "pronouns",
        "birth_date_precision",
        "birth_date",
        "birth_year",
        "age_range_min",
        "age_range_max",
        "languages",
        "gender",
        "race_ethnicity",
        "race_ethnicity_codes",
        "sex",
        "sexual_orientation",
        "primary_language",
        "tribal_affiliation",
        "area",
        "declined_fields",
        "time_zone",
    }
)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Declinable names answered by a code ("prefers not to answer"): checked by _reconcile_declined.
_CODED_NAMES = frozenset({"sex"})


def _leave_declined_empty() -> str:
    return _("This field was marked 'prefers not to answer'; leave it empty.")


_DATE_PARTS = {
    "exact": ("birth_date",),
    "year": ("birth_year",),
    "age_range": ("age_range_min", "age_range_max"),
    "unknown": (),
}


def _validate_person(person: Person) -> None:
    """Field rules the database cannot express on every backend, as field errors."""
    errors: dict[str, list[str]] = {}
    if not (person.alias or person.chosen_name or person.legal_name):
        errors["alias"] = [_("Give a name or an alias; nothing else is needed to start.")]
    unknown = set(person.declined_fields) - set(Person.DECLINABLE_FIELDS)
    if unknown:
        errors["declined_fields"] = [
            _("Not a field that can be declined: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        ]
    errors.update(_demographic_errors(person))
    for name in set(person.declined_fields) & set(Person.DECLINABLE_FIELDS) - _CODED_NAMES:
        if name == "birth_date" and person.birth_date_precision != "unknown":
            errors["birth_date_precision"] = [_("Date of birth was declined; leave it unrecorded.")]
        elif name != "birth_date" and getattr(person, name):
            errors[name] = [_leave_declined_empty()]
    needed = _DATE_PARTS.get(person.birth_date_precision, ())
    for part in needed:
        if getattr(person, part) is None:
            errors[part] = [
                _("Required when the date of birth is recorded as '%(precision)s'.")
                % {"precision": person.birth_date_precision}
            ]
    for part in {"birth_date", "birth_year", "age_range_min", "age_range_max"} - set(needed):
        setattr(person, part, None)
    if person.birth_date and person.birth_date > timezone.localdate():
        errors["birth_date"] = [_("A date of birth cannot be in the future.")]
    if person.birth_year is not None and not 1900 <= person.birth_year <= timezone.localdate().year:
        errors["birth_year"] = [_("Give a birth year between 1900 and this year.")]
    if (
        person.age_range_min is not None
        and person.age_range_max is not None
        and person.age_range_min > person.age_range_max
    ):
        errors["age_range_max"] = [_("The upper age must not be below the lower age.")]
    if errors:
        raise ValidationError(errors)


def _demographic_errors(person: Person) -> dict[str, list[str]]:
    """The coded demographics (issue 21): known codes only, each field optional (R34)."""
    errors: dict[str, list[str]] = {}
    codes_errors = race_ethnicity_errors(person.race_ethnicity_codes)
    if codes_errors:
        errors["race_ethnicity_codes"] = codes_errors
    else:
        person.race_ethnicity_codes = ordered_race_ethnicity(person.race_ethnicity_codes)
    for name, choices in (("sex", Sex), ("sexual_orientation", SexualOrientation)):
        if getattr(person, name) not in ("", *choices.values):
            errors[name] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}
            ]
    person.primary_language = (person.primary_language or "").strip().lower()
    if person.primary_language and not _LANGUAGE.match(person.primary_language):
        errors["primary_language"] = [_("Give a language code, for example: en or es.")]
    return errors


def _reconcile_declined(person: Person, changes: Mapping[str, Any]) -> dict[str, list[str]]:
    """A coded "prefers not to answer" and the field listed in ``declined_fields`` are one fact
    (R34): whichever the change says, the other follows; a real answer beside a decline given
    in the same change is refused."""
    errors: dict[str, list[str]] = {}
    declined = list(person.declined_fields or [])
    for field, code in DECLINED_CODES.items():
        name, value = DECLINED_NAME[field], getattr(person, field)
        says_declined = code in value if isinstance(value, list) else value == code
        listed = name in declined
        if listed and not says_declined:
            if not value:
                setattr(person, field, [code] if isinstance(value, list) else code)
            elif field in changes and "declined_fields" not in changes:
                declined.remove(name)  # answered now
            else:
                errors[field] = [_leave_declined_empty()]
        elif says_declined and not listed:
            if "declined_fields" in changes and field not in changes:
                setattr(person, field, [] if isinstance(value, list) else "")  # no longer declined
            else:
                declined.append(name)
    person.declined_fields = declined
    return errors


def _check_sexual_orientation_asked(
    person: Person, changes: Mapping[str, Any], *, collects: bool
) -> None:
    """Sexual orientation is recorded only where the organization chose to ask it; a change
    that repeats what is stored is no new answer. Read before the change applies."""
    answered = changes.get("sexual_orientation") not in (None, "", person.sexual_orientation)
    if answered and not collects:
        raise ValidationError(
            {"sexual_orientation": [_("This organization does not ask about sexual orientation.")]}
        )


def _validated_person(
    person: Person, changes: Mapping[str, Any], *, collects_sexual_orientation: bool
) -> Person:
    """Apply ``changes`` to the young person's record and check it, field errors all at once."""
    _check_sexual_orientation_asked(person, changes, collects=collects_sexual_orientation)
    _apply(person, changes, PERSON_FIELDS)
    errors = _reconcile_declined(person, changes)
    try:
        _validate_person(person)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    return person


def _apply(instance: Any, values: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name, value in values.items():
        if name in allowed:
            setattr(instance, name, value)


@transaction.atomic
def open_case(
    *,
    actor: User,
    lead_organization: Organization,
    person_fields: Mapping[str, Any] | None = None,
    person: Person | None = None,
    primary_advocate: User | None = None,
    opened_on: date | None = None,
    referral_source: str = "",
) -> Case:
    """Open a case for a new or existing young person, with an empty plan and safe-contact record.

    The primary advocate defaults to the actor when the actor is an advocate there; the
    referral source says how the young person came (blank: not recorded).
    """
    if not lead_organization.leads_cases:
        raise ValidationError(
            {
                "lead_organization": [
                    _("This organization only receives referrals; it does not lead cases.")
                ]
            }
        )
    check_referral_source(referral_source)
    if person is None:
        person = _validated_person(
            Person(),
            person_fields or {},
            collects_sexual_orientation=lead_organization.collects_sexual_orientation,
        )
        person.save()
        SafeContactRule.objects.create(person=person)
    primary = primary_advocate or (
        actor if _is_advocate(user=actor, organization=lead_organization) else None
    )
    if primary is not None and not _is_advocate(user=primary, organization=lead_organization):
        raise ValidationError(
            {"primary_advocate": [_("Must be an active advocate of the lead organization.")]}
        )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                person=person,
                lead_organization=lead_organization,
                opened_on=opened_on or timezone.localdate(),
                referral_source=referral_source,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"person": [_("This young person already has an open case at this organization.")]}
        ) from exc
    ServicePlan.objects.create(case=case)
    if primary is not None:
        CareTeamMember.objects.create(
            case=case, user=primary, role=CareTeamMember.Role.PRIMARY, since=case.opened_on
        )
    if primary != actor and _is_staff(user=actor, organization=lead_organization):
        # Whoever opens the case keeps working on it until a supervisor says otherwise.
        CareTeamMember.objects.create(
            case=case, user=actor, role=CareTeamMember.Role.SECONDARY, since=case.opened_on
        )
    return case


def _has_role(*, user: User, organization: Organization, roles: tuple[str, ...]) -> bool:
    return Membership.objects.filter(
        user=user, organization=organization, role__in=roles, is_active=True
    ).exists()


def _is_advocate(*, user: User, organization: Organization) -> bool:
    return _has_role(user=user, organization=organization, roles=(Membership.Role.ADVOCATE,))


def _is_staff(*, user: User, organization: Organization) -> bool:
    staff = (Membership.Role.ADVOCATE, Membership.Role.INTAKE, Membership.Role.SUPERVISOR)
    return _has_role(user=user, organization=organization, roles=staff)


@transaction.atomic
def update_person(*, person: Person, actor: User, changes: Mapping[str, Any]) -> Person:
    """Change the young person's own record; every change lands in the history.

    Sexual orientation is taken only from staff of an organization that leads a case of the
    young person and asks it (``Organization.collects_sexual_orientation``).
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    collects = Organization.objects.filter(
        led_cases__person=person,
        collects_sexual_orientation=True,
        memberships__user=actor,
        memberships__is_active=True,
    ).exists()
    _validated_person(person, changes, collects_sexual_orientation=collects)
    person._history_user = actor
    person.save()
    return person


FAMILY_FIELDS = frozenset(
    {
        "name",
        "relation",
        "relation_other",
        "is_legal_guardian",
        "is_court_appointed",
        "is_household_member",
        "phone",
        "email",
        "address",
        "contact_is_safe",
        "harmed_young_person",
        "harmed_other_parent",
        "notes",
    }
)


def _validate_family_member(member: FamilyMember) -> None:
    errors: dict[str, list[str]] = {}
    if member.relation == FamilyMember.Relation.OTHER and not member.relation_other:
        errors["relation_other"] = [_("Name the relation when it is 'other'.")]
    if member.is_court_appointed and not member.is_legal_guardian:
        errors["is_court_appointed"] = [_("A court-appointed guardian is a legal guardian.")]
    if member.is_recorded_abuser and member.contact_is_safe:
        errors["contact_is_safe"] = [
            _("Contact is never marked safe with someone recorded as having caused harm.")
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_family_member(
    *,
    actor: User,
    values: Mapping[str, Any],
    person: Person | None = None,
    member: FamilyMember | None = None,
) -> FamilyMember:
    """Add a family member to the young person's record, or change one."""
    if member is None:
        member = FamilyMember(person=person)
    elif not member.is_current:
        raise ValidationError(
            {"ended_on": [_("This person was taken off the family record; add them again.")]}
        )
    _apply(member, values, FAMILY_FIELDS)
    _validate_family_member(member)
    member._history_user = actor
    member.save()
    return member


@transaction.atomic
def end_family_member(*, actor: User, member: FamilyMember) -> FamilyMember:
    """Take a family member off the young person's record, today.

    The row stays (with its history): a consent they signed keeps its signature. An ended
    member is no longer family on the record and can sign nothing more.
    """
    member = FamilyMember.objects.select_for_update().get(pk=member.pk)
    if not member.is_current:
        raise ValidationError(
            {"ended_on": [_("This person was already taken off the family record.")]}
        )
    member.ended_on = timezone.localdate()
    member._history_user = actor
    member.save(update_fields=["ended_on"])
    return member


SAFE_CONTACT_FIELDS = frozenset(
    {
        "allowed_channels",
        "phone",
        "email",
        "address",
        "voicemail_ok",
        "safe_hours_start",
        "safe_hours_end",
        "code_word",
        "notes",
    }
)


@transaction.atomic
def update_safe_contact(
    *, person: Person, actor: User, changes: Mapping[str, Any]
) -> SafeContactRule:
    """Record the young person's safe-contact rules; saving them counts as confirming them now."""
    rule, _created = SafeContactRule.objects.select_for_update().get_or_create(person=person)
    _apply(rule, changes, SAFE_CONTACT_FIELDS)
    errors: dict[str, list[str]] = {}
    unknown = set(rule.allowed_channels) - set(SafeContactRule.Channel.values)
    if unknown:
        errors["allowed_channels"] = [
            _("Unknown channel: %(channels)s.") % {"channels": ", ".join(sorted(unknown))}
        ]
    if (rule.safe_hours_start is None) != (rule.safe_hours_end is None):
        errors["safe_hours_end"] = [_("Give both ends of the safe hours, or neither.")]
    if rule.voicemail_ok and SafeContactRule.Channel.CALL not in rule.allowed_channels:
        errors["voicemail_ok"] = [_("Voicemail needs phone calls to be an allowed channel.")]
    if errors:
        raise ValidationError(errors)
    rule.confirmed_at = timezone.now()
    rule.confirmed_by = actor
    rule._history_user = actor
    rule.save()
    return rule
