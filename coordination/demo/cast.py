"""The demo's organizations and one sign-in for every persona, all sharing one password."""

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from providers.models import Membership, Organization
from providers.services import add_membership, create_organization

# Printed beside the logins; demo data is refused with DEBUG off, so it never reaches production.
DEMO_PASSWORD = "harbor-demo-password"  # noqa: S105
# Staff sign in with a second factor (R36). The demo's staff share one authenticator key so a
# newcomer can add it to an app once, or print the current code with ``manage.py demo_code``.
DEMO_TOTP_KEY = "486172626f722064656d6f2074776f2d73746570"

LEAD = "Lighthouse Youth Collective (demo)"
HOUSING = "Harborview Housing Partners (demo)"
COUNSELLING = "Tidewater Counselling Co-op (demo)"
LEGAL_AID = "Driftwood Legal Aid (demo)"

ORGANIZATIONS = (
    (LEAD, Organization.Kind.SURVIVOR_LED, ["Lake County (demo)", "River County (demo)"]),
    (HOUSING, Organization.Kind.HOUSING, ["Lake County (demo)"]),
    (COUNSELLING, Organization.Kind.MENTAL_HEALTH, ["Lake County (demo)", "Hill County (demo)"]),
    (LEGAL_AID, Organization.Kind.LEGAL, ["River County (demo)"]),
)

Role = Membership.Role


@dataclass(frozen=True)
class Login:
    """One demo sign-in: the persona it shows, and what that persona finds in Harbor."""

    persona: str
    email: str
    full_name: str
    sees: str
    organization: str = ""
    roles: tuple[str, ...] = ()
    site_admin: bool = False


ADA = Login(
    "advocate",
    "ada.advocate@lighthouse.example",
    "Ada Demo-Advocate",
    "her caseload at Lighthouse: cases, plans, referrals, notes, contacts",
    LEAD,
    (Role.ADVOCATE,),
)
BEN = Login(
    "advocate",
    "ben.advocate@lighthouse.example",
    "Ben Demo-Advocate",
    "his caseload at Lighthouse, including a transfer he requested",
    LEAD,
    (Role.ADVOCATE,),
)
SAM = Login(
    "supervisor",
    "sam.supervisor@lighthouse.example",
    "Sam Demo-Supervisor",
    "every Lighthouse case and who works there",
    LEAD,
    (Role.SUPERVISOR,),
)
IVY = Login(
    "intake worker",
    "ivy.intake@lighthouse.example",
    "Ivy Demo-Intake",
    "the new cases she opened (she stays on their care team)",
    LEAD,
    (Role.INTAKE,),
)
OLI = Login(
    "organization admin",
    "oli.admin@lighthouse.example",
    "Oli Demo-Admin",
    "Lighthouse's memberships; no case data",
    LEAD,
    (Role.ORG_ADMIN,),
)
HANA = Login(
    "partner staff (housing)",
    "hana.housing@harborview.example",
    "Hana Demo-Housing",
    "referrals and a transfer sent to Harborview, what consents release to it; its own cases",
    HOUSING,
    (Role.ADVOCATE, Role.INTAKE),
)
MILO = Login(
    "partner staff (counselling)",
    "milo.counsellor@tidewater.example",
    "Milo Demo-Counsellor",
    "referrals sent to Tidewater, what consents release to it, a transfer it declined",
    COUNSELLING,
    (Role.ADVOCATE, Role.INTAKE),
)
YOUNG_PERSON = Login(
    "young person (portal)",
    "young.person@portal.example",
    "",
    "their own case and plan, a plan version and a consent waiting for them, who looked",
)
SITE_ADMIN = Login(
    "site admin",
    "site.admin@harbor.example",
    "Demo Site-Admin",
    "the Django admin at /admin/ (accounts only); no case data",
    site_admin=True,
)
LOGINS = (ADA, BEN, SAM, IVY, OLI, HANA, MILO, YOUNG_PERSON, SITE_ADMIN)


@dataclass(frozen=True)
class Cast:
    """The demo's organizations by name and its users by e-mail, as stored."""

    organizations: dict[str, Organization]
    users: dict[str, User]

    def user(self, login: Login) -> User:
        return self.users[login.email]


@transaction.atomic
def ensure_cast() -> Cast:
    """Create whatever of the demo organizations, users and memberships is missing."""
    organizations = {name: _organization(name, kind, area) for name, kind, area in ORGANIZATIONS}
    # The lead shows young people the names of staff who opened their record; partners do not.
    Organization.objects.filter(name=LEAD).update(names_staff_to_young_people=True)
    users = {login.email: _user(login, organizations) for login in LOGINS}
    return Cast(organizations=organizations, users=users)


def _organization(name: str, kind: str, service_area: list[str]) -> Organization:
    existing = Organization.objects.filter(name__iexact=name).first()
    return existing or create_organization(name=name, kind=kind, service_area=service_area)


def _user(login: Login, organizations: dict[str, Organization]) -> User:
    for role in login.roles:
        held = Membership.objects.filter(
            user__email=login.email, organization=organizations[login.organization], role=role
        )
        if not held.exists():
            add_membership(
                organization=organizations[login.organization],
                email=login.email,
                role=role,
                full_name=login.full_name,
                actor=None,  # the site operator sets up the demo organizations' staff
            )
    user, _ = User.objects.get_or_create(
        email=login.email,
        defaults={
            "full_name": login.full_name,
            "is_staff": login.site_admin,
            "is_superuser": login.site_admin,
        },
    )
    if not user.check_password(DEMO_PASSWORD):
        # Also resets a demo password someone changed, so the printed table stays true.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if login.roles or login.site_admin:
        _demo_app(user)
    return user


def demo_key_base32() -> str:
    """The demo key as authenticator apps take it when typed in."""
    return b32encode(unhexlify(DEMO_TOTP_KEY)).decode()


def _demo_app(user: User) -> None:
    """The demo authenticator app, replacing any other one the person paired."""
    TOTPDevice.objects.filter(user=user).exclude(key=DEMO_TOTP_KEY, confirmed=True).delete()
    TOTPDevice.objects.get_or_create(
        user=user, key=DEMO_TOTP_KEY, defaults={"name": "Demo app", "confirmed": True}
    )
