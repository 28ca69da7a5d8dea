"""Member organizations, who works where in which role, and the shared service taxonomy."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class ServiceType(models.Model):
    """One entry of the service taxonomy shared by plans, referrals and the directory."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 36500


class Organization(models.Model):
    """A community organization that is a member of the Harbor network."""

    Kind = OrganizationKind

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    is_active = models.BooleanField(default=True)
    service_area = models.JSONField(
        default=list, blank=True, help_text="Counties or postal codes served, as a list of strings."
    )
    names_staff_to_young_people = models.BooleanField(
        default=False,
        help_text="Young people's access logs name this organization's staff, not only roles.",
    )
    closed_case_retention_days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(MIN_RETENTION_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Days a closed case keeps identifying data before the retention job purges it.",
    )
    # The group that holds the organization's object permissions (partner access).
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organization")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
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
