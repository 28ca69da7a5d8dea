"""One factory per model, with sensible defaults and traits for states."""

import datetime as dt
import uuid

import factory
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from cases.checkins import CheckIn, GoalProgress
from cases.models import (
    CareTeamMember,
    Case,
    CaseNote,
    CaseTransfer,
    Contact,
    FamilyMember,
    Flag,
    Goal,
    Person,
    PlannedService,
    PlanVersion,
    Referral,
    SafeContactRule,
    ServicePlan,
)
from cases.system_involvement import SystemInvolvementEvent
from consent.models import Consent, Signature, SignerRule
from providers.models import Membership, Organization, ServiceType


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Staff Member {n}")
    password = factory.django.Password("correct horse battery staple")


def site_operator(**fields: object) -> User:
    """A staff account with the site-operator permission and no role anywhere (issue 17)."""
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(Permission.objects.get(codename="operate_site"))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"organization:{n}")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = Organization.Kind.COMMUNITY_BASED
    group = factory.SubFactory(GroupFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ADVOCATE


def service_type(code: str = "case_management") -> ServiceType:
    """Service types come from the seeded taxonomy. A transactional test ends with a flush that
    empties it for the transactional tests after it, so those get the code back on demand."""
    found, _ = ServiceType.objects.get_or_create(
        code=code, defaults={"name": code.replace("_", " ").capitalize()}
    )
    return found


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    alias = factory.Sequence(lambda n: f"Alias{n}")

    @factory.post_generation
    def safe_contact(obj, create, extracted, **kwargs):
        if create:
            # Confirmed now, so staff may log contacts (R31); it still allows no channel (R28).
            SafeContactRule.objects.get_or_create(
                person=obj, defaults={"confirmed_at": timezone.now()}
            )


class FamilyMemberFactory(DjangoModelFactory):
    class Meta:
        model = FamilyMember

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Relative {n}")
    relation = FamilyMember.Relation.MOTHER
    is_legal_guardian = True


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    lead_organization = factory.SubFactory(OrganizationFactory)
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))

    class Params:
        active = factory.Trait(status=Case.Status.ACTIVE)
        closed = factory.Trait(
            status=Case.Status.CLOSED,
            closed_reason=Case.ClosedReason.GOALS_MET,
            closed_on=factory.LazyFunction(timezone.localdate),
        )

    @factory.post_generation
    def plan(obj, create, extracted, **kwargs):
        if create:
            ServicePlan.objects.get_or_create(case=obj)


class CareTeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    case = factory.SubFactory(CaseFactory)
    user = factory.SubFactory(UserFactory)
    role = CareTeamMember.Role.PRIMARY
    since = factory.LazyAttribute(lambda o: o.case.opened_on)


class FlagFactory(DjangoModelFactory):
    class Meta:
        model = Flag

    case = factory.SubFactory(CaseFactory)
    kind = Flag.Kind.SAFETY
    text = "Do not call after 8pm"


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.LazyAttribute(lambda o: ServicePlan.objects.get_or_create(case=CaseFactory())[0])
    description = "I want a safe place to live"
    domain = Goal.Domain.HOUSING


class PlannedServiceFactory(DjangoModelFactory):
    class Meta:
        model = PlannedService

    goal = factory.SubFactory(GoalFactory)
    service_type = factory.LazyFunction(service_type)


class PlanVersionFactory(DjangoModelFactory):
    class Meta:
        model = PlanVersion

    plan = factory.LazyAttribute(lambda o: ServicePlan.objects.get_or_create(case=CaseFactory())[0])
    number = factory.Sequence(lambda n: n + 1)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    from_organization = factory.LazyAttribute(lambda o: o.case.lead_organization)
    to_organization = factory.SubFactory(OrganizationFactory)
    service_type = factory.LazyFunction(service_type)
    message = "Needs housing support"

    class Params:
        sent = factory.Trait(
            status=Referral.Status.SENT, sent_at=factory.LazyFunction(timezone.now)
        )


class CaseTransferFactory(DjangoModelFactory):
    class Meta:
        model = CaseTransfer

    case = factory.SubFactory(CaseFactory)
    from_organization = factory.LazyAttribute(lambda o: o.case.lead_organization)
    to_organization = factory.SubFactory(OrganizationFactory)
    reason = "The young person moved"
    requested_at = factory.LazyFunction(timezone.now)


class CaseNoteFactory(DjangoModelFactory):
    class Meta:
        model = CaseNote

    case = factory.SubFactory(CaseFactory)
    organization = factory.LazyAttribute(lambda o: o.case.lead_organization)
    body = "Met at the drop-in centre."


class SystemInvolvementEventFactory(DjangoModelFactory):
    class Meta:
        model = SystemInvolvementEvent

    case = factory.SubFactory(CaseFactory)
    organization = factory.LazyAttribute(lambda o: o.case.lead_organization)
    kind = SystemInvolvementEvent.Kind.MISSING_OR_RUNAWAY
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    recorded_at = factory.LazyFunction(timezone.now)


class CheckInFactory(DjangoModelFactory):
    class Meta:
        model = CheckIn

    case = factory.SubFactory(CaseFactory)
    occasion = CheckIn.Occasion.PLAN_REVIEW
    recorded_at = factory.LazyFunction(timezone.now)
    answered_by = CheckIn.AnsweredBy.WITH_STAFF
    safety = "mostly_safe"
    housing = "stable"


class GoalProgressFactory(DjangoModelFactory):
    class Meta:
        model = GoalProgress

    check_in = factory.SubFactory(CheckInFactory)
    goal = factory.LazyAttribute(
        lambda o: GoalFactory(plan=ServicePlan.objects.get_or_create(case=o.check_in.case)[0])
    )
    words = "I went to two of the meetings"
    code = GoalProgress.Code.SOME_PROGRESS


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    case = factory.SubFactory(CaseFactory)
    organization = factory.LazyAttribute(lambda o: o.case.lead_organization)
    occurred_at = factory.LazyFunction(timezone.now)
    channel = Contact.Channel.IN_PERSON
    outcome = Contact.Outcome.REACHED


class ConsentFactory(DjangoModelFactory):
    """An ACTIVE consent signed by the young person, written directly (no services, no sync):
    guardian rows appear only if a test syncs the case."""

    class Meta:
        model = Consent
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    subject = factory.LazyAttribute(lambda o: o.case.person)
    recipient = factory.SubFactory(OrganizationFactory)
    categories = factory.LazyFunction(lambda: ["plan"])
    purpose = Consent.Purpose.REFERRAL
    starts_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=90))
    status = Consent.Status.ACTIVE
    signer_rule = SignerRule.SELF
    principal_id = factory.LazyFunction(uuid.uuid4)
    submitted_at = factory.LazyAttribute(lambda o: o.starts_at)
    activated_at = factory.LazyAttribute(lambda o: o.starts_at)

    @factory.post_generation
    def signatures(obj, create, extracted, **kwargs):
        """The young person's signature; ``signatures=False`` for none."""
        if create and extracted is not False:
            SignatureFactory(consent=obj, signed_at=obj.activated_at or obj.starts_at, **kwargs)


class SignatureFactory(DjangoModelFactory):
    """The young person's portal e-signature (pass ``family_member`` and a role for others)."""

    class Meta:
        model = Signature

    consent = factory.SubFactory(ConsentFactory, signatures=False)
    signer_role = Signature.Role.YOUNG_PERSON
    method = Signature.Method.PORTAL
    signed_at = factory.LazyFunction(timezone.now)
    evidence = factory.Sequence(lambda n: f"portal-session-{n}")
    recorded_by = factory.SubFactory(UserFactory)
