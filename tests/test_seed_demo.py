"""``manage.py seed_demo``: every persona, every state, idempotent, and logins that work."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from pytest_django import Settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from cases.checkins import DOMAINS, CheckIn, GoalProgress, answer_rank
from cases.demographics import ReferralSource, Sex
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
    ReferralTransition,
    SafeContactRule,
    ServicePlan,
)
from cases.system_involvement import SystemInvolvementEvent
from consent.disclosures import missing_referral_consent, transfer_consent
from consent.models import Consent, Signature
from coordination.demo.cast import (
    ADA,
    DEMO_PASSWORD,
    HANA,
    LEAD,
    LOGINS,
    OLI,
    SAM,
    SITE_ADMIN,
    YOUNG_PERSON,
    Login,
)
from coordination.demo.handoffs import PATHS
from providers.hsds.export import export_directory
from providers.models import DirectoryService, Membership, Organization
from tasks.models import FollowUp
from tasks.sweep import run_sweep

SEEDED_MODELS: list[type[models.Model]] = [
    User,
    Organization,
    Membership,
    Person,
    FamilyMember,
    SafeContactRule,
    Case,
    CareTeamMember,
    Flag,
    ServicePlan,
    Goal,
    PlannedService,
    PlanVersion,
    Referral,
    ReferralTransition,
    CaseTransfer,
    CaseNote,
    Contact,
    Consent,
    Signature,
    SystemInvolvementEvent,
    CheckIn,
    GoalProgress,
]


@pytest.fixture
def demo_settings(settings: Settings) -> None:
    """Demo data is for development (DEBUG on); a fast hasher keeps the logins quick to test."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


@pytest.fixture
def seeded(db: None, demo_settings: None) -> str:
    return _seed()


def test_seed_demo_twice_leaves_the_same_rows(seeded: str) -> None:
    first = _counts()
    _seed()
    assert _counts() == first


def test_seed_demo_creates_four_organizations_of_different_kinds(seeded: str) -> None:
    kinds = list(Organization.objects.values_list("kind", flat=True))
    assert len(kinds) == 4
    assert len(set(kinds)) == 4


def test_seed_demo_creates_a_login_for_every_persona(seeded: str) -> None:
    lead = Organization.objects.get(name=LEAD)
    roles = set(Membership.objects.filter(organization=lead).values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    assert (
        Membership.objects.exclude(organization=lead).values("organization").distinct().count() == 2
    )
    assert Person.objects.filter(user__email=YOUNG_PERSON.email).count() == 1
    assert User.objects.get(email=SITE_ADMIN.email).is_superuser
    assert User.objects.filter(email__in=[login.email for login in LOGINS]).count() == len(LOGINS)


def test_seed_demo_creates_about_twenty_cases_in_every_case_status(seeded: str) -> None:
    assert 18 <= Case.objects.count() <= 22
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(Case.Status.values)


def test_seed_demo_reaches_every_referral_status(seeded: str) -> None:
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)


def test_seed_demo_records_one_transition_for_every_move_of_every_referral(seeded: str) -> None:
    for referral in Referral.objects.prefetch_related("transitions"):
        moves = [(t.from_status, t.to_status) for t in referral.transitions.all()]
        path = PATHS[referral.status]
        assert moves == list(zip(("draft", *path), path, strict=False))


def test_every_demo_referral_that_left_went_under_a_consent_covering_it(seeded: str) -> None:
    sent = Referral.objects.exclude(status=Referral.Status.DRAFT)
    assert sent.exists()
    for referral in sent:
        assert missing_referral_consent(referral) == [], referral.pk


def test_r41_every_demo_transfer_went_under_a_transfer_consent(seeded: str) -> None:
    transfers = CaseTransfer.objects.all()
    assert transfers.exists()
    for transfer in transfers:
        consent = transfer_consent(case=transfer.case, organization_id=transfer.to_organization_id)
        assert consent is not None, transfer.pk


def test_seed_demo_shows_consents_active_revoked_and_awaiting_signature(seeded: str) -> None:
    statuses = set(Consent.objects.values_list("status", flat=True))
    assert {"active", "revoked", "pending_signature"} <= statuses
    for consent in Consent.objects.filter(status="active"):
        assert consent.signatures.exists()


def test_partner_staff_see_the_cases_consents_released_to_them(seeded: str) -> None:
    client = api_client_for(User.objects.get(email=HANA.email))
    released = {row["id"] for row in client.get("/api/v1/cases/").json()["results"]}
    granted = set(
        Consent.objects.filter(recipient__name=HANA.organization, status="active").values_list(
            "case_id", flat=True
        )
    )
    assert granted and granted <= released


def test_the_demo_referrals_still_waiting_survive_the_first_sweep(seeded: str) -> None:
    run_sweep()

    waiting = Referral.objects.filter(status=Referral.Status.SENT)
    assert waiting.exists()
    assert FollowUp.objects.filter(about_referral__in=waiting).exists()


def test_seed_demo_reaches_every_plan_version_status(seeded: str) -> None:
    statuses = set(PlanVersion.objects.values_list("status", flat=True))
    assert statuses == set(PlanVersion.Status.values)


def test_seed_demo_fills_the_rest_of_the_record(seeded: str) -> None:
    assert CaseTransfer.objects.exists()
    assert Flag.objects.filter(cleared_at__isnull=True).exists()
    assert Flag.objects.filter(cleared_at__isnull=False).exists()
    assert FamilyMember.objects.filter(harmed_young_person=True, contact_is_safe=False).exists()
    assert SafeContactRule.objects.exclude(allowed_channels=[]).exists()
    assert Goal.objects.exists() and PlannedService.objects.exists()
    assert CaseNote.objects.filter(staff_only=True).exists() and Contact.objects.exists()


def test_seed_demo_codes_demographics_and_how_each_young_person_came(seeded: str) -> None:
    """Issue 21: the later charts count coded answers, sources and system involvement."""
    people = list(Person.objects.filter(alias__endswith="(demo)"))
    race_codes = {code for person in people for code in person.race_ethnicity_codes}
    sources = set(
        Case.objects.exclude(referral_source="").values_list("referral_source", flat=True)
    )
    kinds = set(SystemInvolvementEvent.objects.values_list("kind", flat=True))

    assert len(race_codes) >= 7 and "prefers_not_to_answer" in race_codes
    assert {person.sex for person in people} >= {Sex.FEMALE, Sex.MALE}
    assert sources == set(ReferralSource.values)
    assert kinds == set(SystemInvolvementEvent.Kind.values)
    assert Organization.objects.get(name=LEAD).collects_sexual_orientation
    assert Person.objects.exclude(sexual_orientation="").exists()


def _moves(first: CheckIn, latest: CheckIn) -> list[int]:
    """How far each domain moved between two check-ins (where both were answered)."""
    ranks = [
        (answer_rank(d, getattr(first, d)), answer_rank(d, getattr(latest, d))) for d in DOMAINS
    ]
    return [after - before for before, after in ranks if None not in (before, after)]


def test_seed_demo_checks_in_on_every_case_several_times_so_change_can_be_read(seeded) -> None:
    changed = 0
    for case in Case.objects.all():
        check_ins = list(case.check_ins.filter(corrected_by__isnull=True).order_by("recorded_at"))
        assert check_ins and check_ins[0].occasion == CheckIn.Occasion.INTAKE
        changed += any(_moves(check_ins[0], check_ins[-1]))
    assert changed >= Case.objects.count() // 2
    assert Case.objects.filter(check_ins__occasion="plan_review").distinct().count() >= 10
    closures = CheckIn.objects.filter(occasion=CheckIn.Occasion.CLOSURE)
    assert closures.exists() and not closures.filter(living_situation="").exists()
    assert CheckIn.objects.filter(answered_by=CheckIn.AnsweredBy.PORTAL).exists()
    assert GoalProgress.objects.exclude(code="").exclude(words="").exists()


def test_the_demo_directory_exports_as_complete_hsds(seeded: str) -> None:
    export = export_directory()

    assert export.incomplete == []
    assert len(export.services) == DirectoryService.objects.filter(is_published=True).count()
    assert all(s["organization"]["description"] for s in export.services)


def test_seed_demo_prints_every_login_and_the_password(seeded: str) -> None:
    for login in LOGINS:
        assert login.email in seeded
    assert DEMO_PASSWORD in seeded


def test_seed_demo_prints_no_young_persons_alias_or_name(seeded: str) -> None:
    printed = seeded.lower()
    for person in Person.objects.all():
        for name in (person.alias, person.legal_name, person.chosen_name):
            if name:
                assert name.lower() not in printed
                assert name.split()[0].lower() not in printed


def api_client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user, token=Token(user=user))
    return client


def demo_code() -> str:
    out = StringIO()
    call_command("demo_code", stdout=out)
    return out.getvalue().split()[0]


def token_for(login: Login) -> str:
    """Sign in to the API as a newcomer would: password, and the demo's code for staff."""
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": login.email, "password": DEMO_PASSWORD, "code": demo_code()},
    )
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def test_a_demo_login_obtains_an_api_token_with_the_printed_demo_code(seeded: str) -> None:
    assert "manage.py demo_code" in seeded
    without_code = APIClient().post(
        "/api/v1/auth/token/", {"username": ADA.email, "password": DEMO_PASSWORD}
    )
    assert without_code.status_code == 400
    assert "code" in without_code.json()
    assert token_for(ADA)


def test_demo_code_is_refused_with_debug_off(db: None, settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo_code", stdout=StringIO())


@pytest.mark.parametrize(
    ("login", "sees_cases"),
    [(ADA, True), (SAM, True), (HANA, True), (YOUNG_PERSON, True), (OLI, False)],
)
def test_demo_logins_see_what_the_table_says(seeded: str, login: Login, sees_cases: bool) -> None:
    client = APIClient()
    token = token_for(login)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    cases = client.get("/api/v1/cases/").json()["results"]
    assert bool(cases) is sees_cases


def test_the_young_person_sees_only_their_own_case(seeded: str) -> None:
    client = api_client_for(User.objects.get(email=YOUNG_PERSON.email))
    assert len(client.get("/api/v1/cases/").json()["results"]) == 1


def test_seed_demo_refuses_to_run_with_debug_off(db: None, settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert not Organization.objects.exists()


def test_seed_demo_runs_with_debug_off_when_forced(db: None, settings: Settings) -> None:
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Organization.objects.count() == 4
