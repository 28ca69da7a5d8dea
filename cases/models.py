"""Case-coordination records. Access to every row is decided in consent.policy, never here."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.categories import DataCategory, category_permission
from cases.demographics import (
    ReferralSource,
    Sex,
    SexualOrientation,
    validate_race_ethnicity_codes,
)
from cases.encryption import EncryptedCharField, EncryptedEmailField, EncryptedTextField
from providers.models import Organization, ServiceType

USER = settings.AUTH_USER_MODEL


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": [c.value for c in choices]})


class PersonBirthDatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact date")
    YEAR = "year", _("Year only")
    AGE_RANGE = "age_range", _("Age range")
    UNKNOWN = "unknown", _("Not recorded")


class Person(models.Model):
    """The young person. Intake needs only a name or an alias (R34).

    A field the young person preferred not to answer is listed in ``declined_fields`` and
    left blank, so "unknown" and "declined" stay distinguishable.
    """

    BirthDatePrecision = PersonBirthDatePrecision

    DECLINABLE_FIELDS = (
        "legal_name",
        "chosen_name",
        "pronouns",
        "birth_date",
        "gender",
        "race_ethnicity",
        "sex",
        "languages",
        "primary_language",
        "tribal_affiliation",
        "area",
    )

    alias = models.CharField(
        max_length=100, blank=True, help_text="What the young person wants to be called."
    )
    legal_name = models.CharField(max_length=200, blank=True)
    chosen_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    birth_date_precision = models.CharField(
        max_length=10, choices=BirthDatePrecision.choices, default=BirthDatePrecision.UNKNOWN
    )
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    age_range_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_range_max = models.PositiveSmallIntegerField(null=True, blank=True)
    languages = models.JSONField(
        default=list, blank=True, help_text="Language codes, e.g. ['en', 'es']."
    )
    # Gender identity in the young person's own words: the lead organization's, never released
    # to a partner (api.serializers_people, frontend/partner).
    gender = models.CharField(
        max_length=60, blank=True, help_text="Gender identity, in the young person's own words."
    )
    # Race and ethnicity (issue 21): the codes of the combined question of OMB SPD 15 (2024),
    # several allowed; an empty list is "not coded". ``race_ethnicity`` keeps the young
    # person's own words beside them (and, from before the codes, the free text not coded).
    race_ethnicity_codes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_race_ethnicity_codes],
        help_text="Race and ethnicity codes (OMB SPD 15, 2024); empty when not coded.",
    )
    race_ethnicity = models.CharField(
        max_length=120, blank=True, help_text="Race or ethnicity in the young person's own words."
    )
    sex = models.CharField(
        max_length=24,
        choices=Sex.choices,
        blank=True,
        help_text="Sex as US federal reporting asks it (HMIS 4.21); blank when not recorded.",
    )
    sexual_orientation = models.CharField(
        max_length=24,
        choices=SexualOrientation.choices,
        blank=True,
        help_text="Only where the lead organization collects it; never required.",
    )
    primary_language = models.CharField(
        max_length=16, blank=True, help_text="Language code, e.g. 'en' or 'es'."
    )
    tribal_affiliation = models.CharField(max_length=200, blank=True)
    area = models.CharField(
        max_length=60,
        blank=True,
        help_text="County or postal code where the young person lives: matches local services "
        "and places unmet needs in the community gap report (counts only).",
    )
    declined_fields = models.JSONField(
        default=list, blank=True, help_text="Fields the young person preferred not to answer."
    )
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    # The young person's own portal login, if they have one.
    user = models.OneToOneField(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(alias="", chosen_name="", legal_name=""),
                name="person_has_a_name_or_alias",
            ),
            models.CheckConstraint(
                condition=_in("birth_date_precision", PersonBirthDatePrecision),
                name="person_birth_date_precision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(birth_date_precision="exact") | Q(birth_date__isnull=False),
                name="person_exact_birth_date_given",
            ),
            models.CheckConstraint(
                condition=~Q(birth_date_precision="year") | Q(birth_year__isnull=False),
                name="person_birth_year_given",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="person_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(birth_date_precision="age_range")
                | Q(
                    age_range_min__isnull=False,
                    age_range_max__isnull=False,
                    age_range_min__lte=F("age_range_max"),
                ),
                name="person_age_range_ordered",
            ),
            models.CheckConstraint(condition=Q(sex="") | _in("sex", Sex), name="person_sex_valid"),
            models.CheckConstraint(
                condition=Q(sexual_orientation="") | _in("sexual_orientation", SexualOrientation),
                name="person_sexual_orientation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.pk}"


class FamilyMemberRelation(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    STEPPARENT = "stepparent", _("Stepparent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
    FOSTER_PARENT = "foster_parent", _("Foster parent")
    LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
    LEGAL_CUSTODIAN = "legal_custodian", _("Legal custodian")
    PARTNER = "partner", _("Partner")
    CHILD = "child", _("Child")
    OTHER = "other", _("Other")


class FamilyMember(models.Model):
    """A relative or guardian of the young person, with what is known about their safety."""

    Relation = FamilyMemberRelation

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_members")
    name = models.CharField(max_length=200)
    relation = models.CharField(max_length=20, choices=Relation.choices)
    relation_other = models.CharField(max_length=100, blank=True)
    is_legal_guardian = models.BooleanField(default=False)
    is_court_appointed = models.BooleanField(
        default=False, help_text="A guardian appointed by a court (for an adult or a minor)."
    )
    is_household_member = models.BooleanField(default=False)
    # R37: contact details, notes and code words are encrypted at rest (cases.encryption).
    phone = EncryptedCharField(max_length=40, blank=True)
    email = EncryptedEmailField(blank=True)
    address = EncryptedTextField(blank=True)
    contact_is_safe = models.BooleanField(
        default=False, help_text="Staff may contact this person. Off until someone confirms it."
    )
    harmed_young_person = models.BooleanField(default=False)
    harmed_other_parent = models.BooleanField(default=False)
    notes = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Taken off the family record on this day. The row stays, so a consent they signed keeps
    # its signature and history; an ended member is not shown as family and cannot sign.
    ended_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("relation", FamilyMemberRelation), name="family_relation_valid"
            ),
            models.CheckConstraint(
                condition=~Q(relation="other") | ~Q(relation_other=""),
                name="family_other_relation_named",
            ),
            models.CheckConstraint(
                condition=Q(is_court_appointed=False) | Q(is_legal_guardian=True),
                name="family_court_appointed_is_guardian",
            ),
        ]

    def __str__(self) -> str:
        return f"family member {self.pk}"

    @property
    def is_recorded_abuser(self) -> bool:
        return self.harmed_young_person or self.harmed_other_parent

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class SafeContactRuleChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")
    MAIL = "mail", _("Post")


class SafeContactRule(models.Model):
    """How staff may reach the young person. A new record allows no channel at all (R28)."""

    Channel = SafeContactRuleChannel

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="safe_contact")
    allowed_channels = models.JSONField(default=list, blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    email = EncryptedEmailField(blank=True)
    address = EncryptedTextField(blank=True)
    voicemail_ok = models.BooleanField(default=False)
    safe_hours_start = models.TimeField(null=True, blank=True)
    safe_hours_end = models.TimeField(null=True, blank=True)
    code_word = EncryptedCharField(max_length=60, blank=True)
    notes = EncryptedTextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(safe_hours_start__isnull=True, safe_hours_end__isnull=True)
                | Q(safe_hours_start__isnull=False, safe_hours_end__isnull=False),
                name="safe_contact_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"safe-contact rule {self.pk}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class CaseClosedReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    DECLINED_SERVICES = "declined_services", _("Young person declined further services")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    MOVED = "moved", _("Moved away")
    TRANSFERRED = "transferred", _("Transferred to another organization")
    AGED_OUT = "aged_out", _("Aged out of the program")
    OTHER = "other", _("Other")


class Case(models.Model):
    """One young person's coordination at one lead organization."""

    Status = CaseStatus
    ClosedReason = CaseClosedReason

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    lead_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="led_cases"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_reason = models.CharField(max_length=20, choices=ClosedReason.choices, blank=True)
    closed_reason_text = models.CharField(max_length=300, blank=True)
    # How the young person came (issue 21), recorded at intake: the lead organization's own,
    # released by no consent. Blank when not recorded.
    referral_source = models.CharField(max_length=24, choices=ReferralSource.choices, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("status", CaseStatus), name="case_status_valid"),
            models.CheckConstraint(
                condition=Q(referral_source="") | _in("referral_source", ReferralSource),
                name="case_referral_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False) & ~Q(closed_reason="")
                | ~Q(status="closed") & Q(closed_on__isnull=True, closed_reason=""),
                name="case_closed_iff_reason_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(closed_reason="other") | ~Q(closed_reason_text=""),
                name="case_other_reason_explained",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_after_opened",
            ),
            models.UniqueConstraint(
                fields=["person", "lead_organization"],
                condition=~Q(status="closed"),
                name="case_one_open_case_per_person_and_lead",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_organization", "status"], name="case_lead_status"),
        ]
        # Object permissions (django-guardian) the consent engine grants per case: one per data
        # category, beside the default view/change.
        permissions = [
            (category_permission(value), f"View {label.split(' (')[0].lower()} of the case")
            for value, label in DataCategory.choices
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"


class CareTeamMemberRole(models.TextChoices):
    PRIMARY = "primary", _("Primary advocate")
    SECONDARY = "secondary", _("Secondary")


class CareTeamMember(models.Model):
    """A staff member of the lead organization working on the case."""

    Role = CareTeamMemberRole

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="care_team_roles")
    role = models.CharField(max_length=10, choices=Role.choices)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("role", CareTeamMemberRole), name="care_team_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="care_team_until_after_since",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(role="primary", until__isnull=True),
                name="care_team_one_current_primary",
            ),
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(until__isnull=True),
                name="care_team_one_current_role_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "until"], name="care_team_user_current"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on case {self.case_id}"


class FlagKind(models.TextChoices):
    SAFETY = "safety", _("Safety")
    DO_NOT_CONTACT = "do_not_contact", _("Do not contact")
    COURT_DATE = "court_date", _("Court date")
    MEDICAL = "medical", _("Medical")
    LEGAL = "legal", _("Legal")
    # The young person may lawfully receive this service without a parent; the text holds
    # the legal basis. Lets a minor's own signature activate a consent (R09).
    MAY_CONSENT_ALONE = "may_consent_alone", _("May consent without a parent")
    OTHER = "other", _("Other")


class Flag(models.Model):
    """A short safety or care alert shown prominently on a case."""

    Kind = FlagKind

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=140)
    raised_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("kind", FlagKind), name="flag_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="flag_has_text"),
        ]
        indexes = [models.Index(fields=["case", "cleared_at"], name="flag_case_current")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} flag on case {self.case_id}"


class ServicePlan(models.Model):
    """The living plan of a case: goals and planned services that staff edit with the young person.

    What the young person approves is a frozen ``PlanVersion`` of it.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    created_at = models.DateTimeField(auto_now_add=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"plan of case {self.case_id}"


class PlanVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the young person's approval")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class PlanVersionApprovalChannel(models.TextChoices):
    PORTAL = "portal", _("In the portal")
    IN_PERSON = "in_person", _("In person, recorded by staff")


class PlanVersion(models.Model):
    """A numbered snapshot of the plan for the young person to approve; partners see approved."""

    Status = PlanVersionStatus
    ApprovalChannel = PlanVersionApprovalChannel

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(blank=True)
    content = models.JSONField(default=dict, help_text="Goals and planned services as submitted.")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    changes_requested = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_channel = models.CharField(max_length=10, choices=ApprovalChannel.choices, blank=True)
    # An approval given in person: what shows it (a signed page, a meeting note), as staff
    # recorded it (issue 18).
    approval_evidence = models.CharField(max_length=300, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=_in("status", PlanVersionStatus), name="plan_version_status_valid"
            ),
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="approved"),
                name="plan_version_one_approved",
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "awaiting_approval"]),
                name="plan_version_one_in_progress",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "superseded"])
                | Q(approved_at__isnull=False) & ~Q(approval_channel=""),
                name="plan_version_approval_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"plan version {self.number} of case {self.plan.case_id}"


class GoalDomain(models.TextChoices):
    SAFETY = "safety", _("Safety")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")
    FAMILY = "family", _("Family")
    LEGAL = "legal", _("Legal")
    WELLBEING = "wellbeing", _("Wellbeing")
    OTHER = "other", _("Other")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    SET_ASIDE = "set_aside", _("Set aside")


class Goal(models.Model):
    """A goal of the plan, written in the young person's own words."""

    Domain = GoalDomain
    Status = GoalStatus

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField()
    domain = models.CharField(max_length=20, choices=Domain.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=_in("domain", GoalDomain), name="goal_domain_valid"),
            models.CheckConstraint(condition=_in("status", GoalStatus), name="goal_status_valid"),
            models.CheckConstraint(condition=~Q(description=""), name="goal_has_description"),
        ]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class PlannedServiceStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    REFERRED = "referred", _("Referred")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed")


class PlannedService(models.Model):
    """A service toward a goal, delivered by a provider organization."""

    Status = PlannedServiceStatus

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="services")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="planned_services",
    )
    responsible = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The advocate who keeps this service on track.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    expected_contact_days = models.PositiveSmallIntegerField(default=14)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("status", PlannedServiceStatus), name="planned_service_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="planned_service_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(expected_contact_days__gte=1, expected_contact_days__lte=365),
                name="planned_service_contact_days_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "last_contact_at"], name="planned_service_clock")]

    def __str__(self) -> str:
        return f"planned service {self.pk}"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    CLOSED_WITHOUT_SERVICE = "closed_without_service", _("Closed without service")


class ReferralDeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    NOT_RIGHT_SERVICE = "not_right_service", _("Not the right service")
    COULD_NOT_REACH = "could_not_reach", _("Could not reach the young person")
    YOUNG_PERSON_DECLINED = "young_person_declined", _("Young person declined")
    OTHER = "other", _("Other")


class Referral(models.Model):
    """A request from the lead organization to a provider to deliver a planned service."""

    Status = ReferralStatus
    DeclineReason = ReferralDeclineReason

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    planned_service = models.ForeignKey(
        PlannedService, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    from_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_received"
    )
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    categories = models.JSONField(
        default=list,
        blank=True,
        help_text="Data categories this referral carries to the recipient.",
    )
    message = models.TextField(blank=True, help_text="What the recipient needs to know.")
    decline_reason = models.CharField(max_length=24, choices=DeclineReason.choices, blank=True)
    decline_reason_text = models.CharField(max_length=300, blank=True)
    outcome_note = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("status", ReferralStatus), name="referral_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(from_organization=F("to_organization")),
                name="referral_to_another_organization",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decline_reason="other") | ~Q(decline_reason_text=""),
                name="referral_other_decline_explained",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sent_at__isnull=False),
                name="referral_sent_at_once_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | ~Q(outcome_note=""),
                name="referral_completion_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["to_organization", "status"], name="referral_inbox"),
            models.Index(fields=["status", "sent_at"], name="referral_clock"),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"


class ReferralTransition(models.Model):
    """One move of a referral's state machine: who moved it, when, from what to what."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=24)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"referral {self.referral_id}: {self.from_status} -> {self.to_status}"


class CaseTransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class CaseTransfer(models.Model):
    """Moving the lead role of a case to another organization."""

    Status = CaseTransferStatus

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    to_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField()
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("status", CaseTransferStatus), name="transfer_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(from_organization=F("to_organization")),
                name="transfer_to_another_organization",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="requested"), name="transfer_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(answered_at__isnull=False),
                name="transfer_answer_recorded",
            ),
        ]
        indexes = [models.Index(fields=["to_organization", "status"], name="transfer_inbox")]

    def __str__(self) -> str:
        return f"transfer {self.pk} of case {self.case_id}"


class CaseNoteCategory(models.TextChoices):
    GENERAL = "general", _("General")
    SAFETY = "safety", _("Safety")
    SERVICE = "service", _("Service")
    LEGAL = "legal", _("Legal")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    FAMILY = "family", _("Family")


class CaseNote(models.Model):
    """A case note. Staff-only notes never leave the lead organization."""

    Category = CaseNoteCategory

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.GENERAL)
    body = EncryptedTextField()
    staff_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("category", CaseNoteCategory), name="note_category_valid"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="note_has_body"),
        ]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_time")]

    def __str__(self) -> str:
        return f"note {self.pk}"


class ContactChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    CALL = "call", _("Phone call")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")
    VIDEO = "video", _("Video call")
    OTHER = "other", _("Other")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    UNSAFE_TO_TALK = "unsafe_to_talk", _("Not safe to talk")
    RESCHEDULED = "rescheduled", _("Rescheduled")


class ContactWith(models.TextChoices):
    YOUNG_PERSON = "young_person", _("Young person")
    FAMILY = "family", _("Family member")
    PROVIDER = "provider", _("Provider")


class Contact(models.Model):
    """A logged contact with or about the young person."""

    Channel = ContactChannel
    Outcome = ContactOutcome

    With = ContactWith

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    staff = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    planned_service = models.ForeignKey(
        PlannedService, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    contact_with = models.CharField(max_length=14, choices=With.choices, default=With.YOUNG_PERSON)
    summary = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("channel", ContactChannel), name="contact_channel_valid"
            ),
            models.CheckConstraint(
                condition=_in("outcome", ContactOutcome), name="contact_outcome_valid"
            ),
            models.CheckConstraint(
                condition=_in("contact_with", ContactWith), name="contact_with_valid"
            ),
        ]
        indexes = [models.Index(fields=["case", "occurred_at"], name="contact_case_time")]

    def __str__(self) -> str:
        return f"contact {self.pk}"


# A model of this app kept in its own module, imported here so Django registers it.
from cases.checkins import CheckIn, GoalProgress  # noqa: E402, F401
from cases.documents import CaseDocument  # noqa: E402, F401
from cases.portal_access import PortalActivation  # noqa: E402, F401
from cases.system_involvement import SystemInvolvementEvent  # noqa: E402, F401
