"""Member organizations, who works where in which role, and the shared service taxonomy."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from providers.seeded_labels import translated_label


class ServiceType(models.Model):
    """One entry of the service taxonomy shared by plans, referrals and the directory."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language (seeded names are translated, typed ones are not)."""
        return translated_label(self.name)

    @property
    def description_label(self) -> str:
        return translated_label(self.description)


class OrganizationKind(models.TextChoices):
    SURVIVOR_LED = "survivor_led", _("Survivor-led")
    COMMUNITY_BASED = "community_based", _("Community-based")
    HOUSING = "housing", _("Housing")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    MEDICAL = "medical", _("Medical")
    LEGAL = "legal", _("Legal")
    EDUCATION_EMPLOYMENT = "education_employment", _("Education / employment")
    MENTORING = "mentoring", _("Mentoring")
    FAMILY_SUPPORT = "family_support", _("Family support")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    OTHER = "other", _("Other")


# Closed cases keep their identifying data this long before the retention job purges it
# (R35). The floor gives staff time to reopen a case closed by mistake.
DEFAULT_RETENTION_DAYS = 2555  # seven years
# An organization's own privacy contact (R39), named as the HARBOR_* settings it overrides.
PRIVACY_CONTACT_FIELDS = {
    "privacy_contact_email": "PRIVACY_CONTACT_EMAIL",
    "privacy_contact_phone": "PRIVACY_CONTACT_PHONE",
    "privacy_contact_address": "PRIVACY_CONTACT_ADDRESS",
    "privacy_policy_url": "PRIVACY_POLICY_URL",
}
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 36500


class Organization(models.Model):
    """A community organization that is a member of the Harbor network."""

    Kind = OrganizationKind

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    is_active = models.BooleanField(default=True)
    # A partner that only receives referrals (a clinic, a legal aid office) never leads a case:
    # no case is opened at it and none is transferred to it.
    leads_cases = models.BooleanField(
        default=True,
        help_text="Leads cases of its own; when off, it only receives referrals from others.",
    )
    service_area = models.JSONField(
        default=list, blank=True, help_text="Counties or postal codes served, as a list of strings."
    )
    names_staff_to_young_people = models.BooleanField(
        default=False,
        help_text="Young people read this organization's staff names, not only their roles, on "
        "every page and API response (never their e-mail addresses).",
    )
    # Sexual orientation is not asked unless an organization chooses to (issue 21); never
    # required where it is.
    collects_sexual_orientation = models.BooleanField(
        default=False,
        help_text="Intake offers the young person's sexual orientation (optional); off by default.",
    )
    closed_case_retention_days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(MIN_RETENTION_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Days a closed case keeps identifying data before the retention job purges it.",
    )
    # R39: who answers privacy questions for this organization's young people; each blank field
    # falls back to the installation's HARBOR_PRIVACY_* setting on consent receipts.
    privacy_contact_email = models.EmailField(blank=True, default="")
    privacy_contact_phone = models.CharField(max_length=40, blank=True, default="")
    privacy_contact_address = models.CharField(max_length=300, blank=True, default="")
    privacy_policy_url = models.URLField(blank=True, default="")
    # The group that holds the organization's object permissions (partner access).
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organization")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # The site operator (issue 17): a staff account with this permission and no role in any
        # organization creates, renames and deactivates organizations and invites their first
        # admins. It reads no case data (consent/policy.py ``can_operate_site``).
        permissions = [("operate_site", "Can operate the site: organizations and first admins")]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organization_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in OrganizationKind]),
                name="organization_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    closed_case_retention_days__gte=MIN_RETENTION_DAYS,
                    closed_case_retention_days__lte=MAX_RETENTION_DAYS,
                ),
                name="organization_retention_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    ADVOCATE = "advocate", _("Advocate")
    SUPERVISOR = "supervisor", _("Supervisor")
    INTAKE = "intake", _("Intake")
    ORG_ADMIN = "org_admin", _("Organization admin")


# Roles through which the access policy (consent/policy.py, ``STAFF_ROLES``) can reach case
# data: supervisors read every case their organization leads, advocates and intake workers
# read their care teams' cases and what consents release to their organization. Only the
# organization admin role reads none. Nobody gives themself one of these (issue 16).
CASE_READING_ROLES = frozenset(
    {MembershipRole.ADVOCATE, MembershipRole.SUPERVISOR, MembershipRole.INTAKE}
)


class Membership(models.Model):
    """A user's role in an organization. A user may hold several roles in one organization."""

    Role = MembershipRole

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_one_row_per_role"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in MembershipRole]),
                name="membership_role_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "role", "is_active"], name="membership_org_role"),
            models.Index(fields=["user", "is_active"], name="membership_user_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organization}"


class MembershipChangeAction(models.TextChoices):
    ADDED = "added", _("Role given")
    SUSPENDED = "suspended", _("Role suspended")
    RESTORED = "restored", _("Role restored")
    ROLE_CHANGED = "role_changed", _("Role changed")


class AppendOnlyError(Exception):
    """A record of the past was about to be changed or removed."""


class MembershipChange(models.Model):
    """One change of who holds which role at an organization: who did it, to whom, from what
    to what, and when. Append-only, so an admin cannot hide a role they gave or took."""

    Action = MembershipChangeAction

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="membership_changes"
    )
    # Null: the site operator (a management command or the demo seeding), not a person
    # signed in to Harbor, or an account since deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="membership_changes_made",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_changes"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    from_role = models.CharField(max_length=16, choices=MembershipRole.choices, blank=True)
    to_role = models.CharField(max_length=16, choices=MembershipRole.choices)
    from_active = models.BooleanField(null=True, blank=True)  # null: the role was new
    to_active = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=[a.value for a in MembershipChangeAction]),
                name="membership_change_action_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-at"], name="membership_change_org_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.organization_id} ({self.at:%Y-%m-%d})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("A recorded role change is never edited.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("A recorded role change is never deleted.")


# --- the community resource directory ----------------------------------------------------------
# What each provider offers, whether or not it is a Harbor member: the community map, the
# directory search, the matches offered when a referral is drafted, and Open Referral HSDS 3.0
# import and export (providers/hsds/). Nothing here is case data.


class DirectoryProvider(models.Model):
    """An organization listed in the directory. A Harbor member organization publishes through
    its own entry (``member``); providers imported from elsewhere (a 211 feed) have none and
    cannot receive referrals through Harbor."""

    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    member = models.OneToOneField(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="directory_entry",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DirectoryServiceStatus(models.TextChoices):
    # HSDS 3.0 service.status values.
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class DirectoryCost(models.TextChoices):
    FREE = "free", _("Free")
    SLIDING_SCALE = "sliding_scale", _("Sliding scale")
    INSURANCE = "insurance", _("Insurance accepted")
    FEE = "fee", _("Fee")
    UNKNOWN = "unknown", _("Not stated")


class DirectoryGender(models.TextChoices):
    ANY = "any", _("Any gender")
    GIRLS_WOMEN = "girls_women", _("Girls and young women")
    BOYS_MEN = "boys_men", _("Boys and young men")
    TRANS_NONBINARY = "trans_nonbinary", _("Transgender and nonbinary youth")


class DirectoryService(models.Model):
    """A service a provider offers: who it is for, where, when, at what cost, and whether it
    takes referrals now."""

    Status = DirectoryServiceStatus
    Cost = DirectoryCost
    Gender = DirectoryGender

    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        DirectoryProvider, on_delete=models.CASCADE, related_name="services"
    )
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=DirectoryServiceStatus.ACTIVE
    )
    # Eligibility.
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    genders = models.CharField(max_length=20, choices=Gender.choices, default=DirectoryGender.ANY)
    eligibility_description = models.TextField(blank=True)
    # Capacity.
    accepting_referrals = models.BooleanField(default=True)
    waitlist_weeks = models.PositiveSmallIntegerField(default=0)
    # When, at what cost, how accessible.
    hours = models.CharField(
        max_length=300, blank=True, help_text="For example: Mon-Fri 9:00-17:00."
    )
    cost = models.CharField(max_length=16, choices=Cost.choices, default=DirectoryCost.UNKNOWN)
    fees_description = models.CharField(max_length=300, blank=True)
    accessibility = models.TextField(blank=True)
    survivor_led = models.BooleanField(default=False)
    culturally_specific = models.CharField(
        max_length=200, blank=True, help_text="The communities it is built for, if any."
    )
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in DirectoryServiceStatus]),
                name="directory_service_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__in=[c.value for c in DirectoryCost]),
                name="directory_service_cost_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(genders__in=[g.value for g in DirectoryGender]),
                name="directory_service_genders_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="directory_service_ages_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["service_type", "is_published", "accepting_referrals"],
                name="directory_service_search",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DirectoryServiceArea(models.Model):
    """One county or postal code a service covers (a row each, so area search is an index
    lookup on every database)."""

    service = models.ForeignKey(DirectoryService, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "area"], name="directory_area_once"),
        ]
        # The search matches areas whatever their case ("cook county" finds "Cook County").
        indexes = [models.Index(Upper("area"), name="directory_area_lookup")]

    def __str__(self) -> str:
        return self.area


class DirectoryServiceLanguage(models.Model):
    """A language the service is offered in (a code such as ``en`` or ``es``)."""

    service = models.ForeignKey(
        DirectoryService, on_delete=models.CASCADE, related_name="languages"
    )
    code = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="directory_language_once"),
        ]
        indexes = [models.Index(fields=["code"], name="directory_language_lookup")]

    def __str__(self) -> str:
        return self.code


class DirectoryAddressType(models.TextChoices):
    # HSDS 3.0 address.address_type values.
    PHYSICAL = "physical", _("Physical: where people go")
    POSTAL = "postal", _("Postal: where mail goes")
    VIRTUAL = "virtual", _("Virtual: a service delivered online")


class DirectoryLocation(models.Model):
    """Where a provider delivers services. A confidential location (a shelter) stores no
    address and no coordinates at all, so no page or export can show them (R40): only its
    area, for matching."""

    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey(
        DirectoryProvider, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=200)
    is_confidential = models.BooleanField(default=False)
    area = models.CharField(max_length=60, blank=True, help_text="County or postal code.")
    address_1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_province = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    address_type = models.CharField(
        max_length=8, choices=DirectoryAddressType.choices, default=DirectoryAddressType.PHYSICAL
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accessibility = models.TextField(blank=True)
    services = models.ManyToManyField(
        DirectoryService, through="DirectoryServiceAtLocation", related_name="locations"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_confidential=False)
                | models.Q(
                    address_1="",
                    city="",
                    postal_code="",
                    latitude__isnull=True,
                    longitude__isnull=True,
                ),
                name="directory_confidential_location_has_no_address",
            ),
            models.CheckConstraint(
                condition=models.Q(address_type__in=[t.value for t in DirectoryAddressType]),
                name="directory_location_address_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DirectoryServiceAtLocation(models.Model):
    """A service delivered at a location (HSDS service_at_location)."""

    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(DirectoryService, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(DirectoryLocation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "location"], name="directory_service_at_location_once"
            ),
        ]

    def __str__(self) -> str:
        return f"service {self.service_id} at location {self.location_id}"


# A model of this app kept in its own module, imported here so Django registers it.
from providers.invitations import Invitation  # noqa: E402, F401
from providers.organization_changes import OrganizationChange  # noqa: E402, F401
