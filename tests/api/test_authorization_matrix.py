"""The authorization matrix, generated from the URL configuration.

Every API route must be listed in ``tests/matrix_targets.py`` with what it is about; a new
route without an entry fails the suite. Every route, method and persona then has one expected
outcome (``outcome``), and one test per outcome checks it:

- READS: a GET lists the record (or answers 200 for it). The lead's care team and supervisors
  and, for their own record, the young person read what ``Target.readers`` says; a partner
  reads what a consent in force releases to its organization (``Target.category``), with the
  rest withheld and named, and never a staff-only note, a draft plan version or a consent
  addressed to someone else.
- HIDDEN: a GET leaves the record out of the list, or answers 404 (403 where the persona sees
  the case but not the route, e.g. the young person and the case history).
- REFUSED: a write answers 400, 403, 404 or 405 and changes no row (R21 for partners).
- PERMITTED: the policy lets the write through (the feature tests check what it does).
- SIGNED_OUT: anonymous requests get 401 or 403.

The world (conftest ``build_world``) and one partner organization per consent persona are
built once per module inside a transaction; each test runs in a savepoint of it that is
rolled back, so a write that wrongly succeeds cannot leak into the next test.
"""

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import pytest
from django.apps import apps
from django.db import transaction
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_filters import FilterSet, ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from accounts.models import User
from api.fields import IdFilter
from cases.categories import DATA_CATEGORIES, DataCategory
from cases.models import Person
from consent.models import CaseGroupObjectPermission, Consent, RevocationChannel
from consent.services import revoke_consent
from providers.models import DirectoryService, Membership
from tests import factories as f
from tests.conftest import World, build_world
from tests.consents import grant_consent
from tests.matrix_targets import (
    CASE_LEVEL,
    CONSENT_TERMS,
    SYSTEM_INVOLVEMENT_NOTE,
    TARGETS,
    Target,
)

pytestmark = pytest.mark.django_db

# Signing in, setting up the authenticator app before the first token, accepting an invitation,
# a young person turning their portal code into a login.
PUBLIC_ROUTES = {
    "schema",
    "docs",
    "redoc",
    "auth-token",
    "auth-two-factor",
    "invitation-accept",
    "portal-activate",
    "api-root",
}
SIGNED_IN_ROUTES = {
    "organization-list",
    "organization-detail",
    "service-type-list",
    "service-type-detail",
    "me",
}

# Partners whose organization holds a consent to the world's case: one in force for the
# route's category, one in force for another category, one revoked, one past its expiry
# (the sweep has not run yet). Each is staff of an organization of its own.
IN_FORCE_PARTNERS = ("partner_for_category", "partner_other_category")
CONSENT_PERSONAS = (*IN_FORCE_PARTNERS, "partner_revoked", "partner_expired")
LEAD_PERSONAS = ("advocate", "supervisor", "young_person")
PERSONAS = (
    "advocate",  # primary advocate: the care team
    "other_advocate",  # same organization, not on the care team
    "supervisor",  # supervisor of the lead organization
    *CONSENT_PERSONAS,
    "partner_staff",  # a partner organization without any consent
    "org_admin",
    "superuser",
    "young_person",
    "other_young_person",
    "anonymous",
)
ALL_CATEGORIES = tuple(DATA_CATEGORIES)
# A consent of another category than the route's: documents for every route but the
# documents' own, which get one releasing notes.
OTHER_CATEGORY = (DataCategory.DOCUMENTS,)
OTHER_THAN_DOCUMENTS = (DataCategory.NOTES,)


class Outcome(StrEnum):
    READS = "reads"
    HIDDEN = "hidden"
    REFUSED = "refused"
    PERMITTED = "permitted"
    SIGNED_OUT = "signed out"


def partner_reads(target: Target, persona: str) -> bool:
    """Does this consent persona's consent release the route's records?"""
    if persona == "partner_for_category":
        return target.category is not None
    if persona == "partner_other_category":
        return target.category in (CASE_LEVEL, CONSENT_TERMS)
    return False


def outcome(name: str, method: str, persona: str) -> Outcome:
    """The expected outcome of one route, method and persona."""
    target = TARGETS[name]
    if persona == "anonymous":
        return Outcome.SIGNED_OUT
    if method != "get":
        if persona in target.lead_writers:
            return Outcome.PERMITTED
        if persona == "young_person" and target.young_person_writes:
            return Outcome.PERMITTED
        return Outcome.REFUSED
    if persona in target.readers or partner_reads(target, persona):
        return Outcome.READS
    return Outcome.HIDDEN


def sees_the_case(persona: str) -> bool:
    return persona in LEAD_PERSONAS or persona in IN_FORCE_PARTNERS


def consented_categories(persona: str, category: str | None) -> tuple[str, ...]:
    """The categories of the consent a persona's organization holds for a route's category.

    For lead-only routes the partner's consent releases everything: even that shows nothing
    of the lead's working records.
    """
    if persona == "partner_for_category":
        if category is None:
            return ALL_CATEGORIES
        if category in (CASE_LEVEL, CONSENT_TERMS):
            return (DataCategory.PLAN,)
        return (category,)
    if persona == "partner_other_category":
        return OTHER_THAN_DOCUMENTS if category == DataCategory.DOCUMENTS else OTHER_CATEGORY
    return ALL_CATEGORIES


@dataclass(frozen=True)
class Route:
    name: str
    methods: tuple[str, ...]
    is_detail: bool
    kwargs: tuple[str, ...] = field(default=())


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif entry.name:
            found.append((prefix + str(entry.pattern), entry))
    return found


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    allowed = set(getattr(view_class, "http_method_names", ()))
    if actions is not None:
        return tuple(sorted(m for m in actions if m in allowed))
    return tuple(
        sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m))
    )


def api_routes() -> dict[str, Route]:
    routes = {}
    for path, pattern in _walk(get_resolver().url_patterns):
        if not path.startswith(("api/", "^api/")):
            continue
        keys = tuple(pattern.pattern.regex.groupindex)
        routes[pattern.name] = Route(
            name=pattern.name,
            methods=_methods(pattern),
            is_detail=bool({"pk", "case_pk"} & set(keys)),
            kwargs=keys,
        )
    return routes


ROUTES = api_routes()
CASE_DATA_CALLS = [
    (name, method)
    for name, route in sorted(ROUTES.items())
    if name in TARGETS and TARGETS[name].case_data
    for method in route.methods
]
MATRIX = {
    (name, method, persona): outcome(name, method, persona)
    for name, method in CASE_DATA_CALLS
    for persona in PERSONAS
}


def _calls(*outcomes: Outcome, personas: tuple[str, ...] = PERSONAS) -> list[tuple[str, ...]]:
    return [
        (name, method, persona)
        for (name, method, persona), expected in MATRIX.items()
        if expected in outcomes and persona in personas
    ]


# -- The world, built once per module ----------------------------------------------------------

SEEDED_BIRTH_DATE = date(timezone.now().year - 25, 2, 14)
IDENTITY_STRINGS = ("Quorinthe", "Vasselmark", "Quillabeth", SEEDED_BIRTH_DATE.isoformat())
CONTACT_STRINGS = ("+1 555 0142 9931", "larkspur.safe@example.net", "17 Wrenfield Mews")
FAMILY_STRINGS = ("Odalric Brennigan", "+1 555 0177 2468")
# The lead organization's own record of the young person (issue 21): gender identity in their
# own words, how they came, and what the systems did. No consent releases any of it.
GENDER_IN_OWN_WORDS = "Skylarkish"
LEAD_ONLY_STRINGS = (GENDER_IN_OWN_WORDS, "juvenile_justice", SYSTEM_INVOLVEMENT_NOTE)
SEEDED = {
    DataCategory.IDENTITY: IDENTITY_STRINGS,
    DataCategory.CONTACT: CONTACT_STRINGS,
    DataCategory.FAMILY: FAMILY_STRINGS,
}


@dataclass(frozen=True)
class Partner:
    """Staff of an organization of its own, and the consent that organization holds."""

    user: User
    consent: Consent
    in_force: bool

    @property
    def released(self) -> frozenset[str]:
        return frozenset(self.consent.categories) if self.in_force else frozenset()


@dataclass
class Matrix:
    world: World
    records: dict[str, int]
    hidden: dict[str, int]
    partners: dict[tuple[str, tuple[str, ...]], Partner]
    responses: dict[str, dict[str, tuple[int, bytes]]] = field(default_factory=dict)

    def partner(self, persona: str, target: Target) -> Partner:
        return self.partners[(persona, consented_categories(persona, target.category))]

    def user(self, persona: str, target: Target) -> User | None:
        if persona == "anonymous":
            return None
        if persona in CONSENT_PERSONAS:
            return self.partner(persona, target).user
        return getattr(self.world, persona)

    def record(self, name: str, persona: str) -> int:
        """The route's record; a consent persona's own consent on consent routes."""
        target = TARGETS[name]
        if target.partners_own_consent and persona in CONSENT_PERSONAS:
            return self.partner(persona, target).consent.pk
        return self.records[name]


def _seed_personal_data(world: World) -> None:
    """An adult young person (a consent needs only their signature) with distinctive strings."""
    person = world.case.person
    person.alias, person.legal_name = "Quorinthe", "Quorinthe Vasselmark"
    person.chosen_name = "Quillabeth"
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = SEEDED_BIRTH_DATE
    person.gender = GENDER_IN_OWN_WORDS
    person.race_ethnicity_codes = ["asian", "white"]
    person.save()
    world.case.referral_source = "juvenile_justice"
    world.case.save(update_fields=["referral_source"])
    rule = person.safe_contact
    rule.phone, rule.email, rule.address = CONTACT_STRINGS
    rule.save()
    f.FamilyMemberFactory(
        person=person, name=FAMILY_STRINGS[0], phone=FAMILY_STRINGS[1], relation="aunt_uncle"
    )


def _expire_without_sweep(consent: Consent) -> None:
    """The clock passed the expiry and the sweep has not run: status active, rows still there."""
    now = timezone.now()
    starts, ends = now - timedelta(days=91), now - timedelta(minutes=1)
    Consent.objects.filter(pk=consent.pk).update(starts_at=starts, expires_at=ends)
    CaseGroupObjectPermission.objects.filter(
        content_object_id=consent.case_id, group_id=consent.recipient.group_id
    ).update(valid_from=starts, valid_until=ends)
    consent.refresh_from_db()


def _partner(world: World, persona: str, categories: tuple[str, ...]) -> Partner:
    organization = f.OrganizationFactory(name=f"{persona} {'+'.join(categories)}")
    user = f.MembershipFactory(organization=organization, role=Membership.Role.ADVOCATE).user
    consent = grant_consent(world.case, organization, list(categories), by=world.advocate)
    if persona == "partner_revoked":
        revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)
    return Partner(user=user, consent=consent, in_force=persona in IN_FORCE_PARTNERS)


def _build_matrix() -> Matrix:
    world = build_world()
    _seed_personal_data(world)
    records = {name: target.pk(world) for name, target in TARGETS.items()}
    hidden = {
        name: target.hidden_from_partners(world)
        for name, target in TARGETS.items()
        if target.hidden_from_partners is not None
    }
    keys = {
        (persona, consented_categories(persona, target.category))
        for persona in CONSENT_PERSONAS
        for target in TARGETS.values()
    }
    partners = {key: _partner(world, *key) for key in sorted(keys)}
    # Last: granting the others syncs the case, which would drop the lapsed consent's rows.
    for (persona, _categories), partner in partners.items():
        if persona == "partner_expired":
            _expire_without_sweep(partner.consent)
    return Matrix(world=world, records=records, hidden=hidden, partners=partners)


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker) -> Iterator[Matrix]:
    """Built once: ~1,000 requests on a fresh world each would take minutes."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        try:
            yield _build_matrix()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def world(matrix: Matrix, db: None) -> World:
    return matrix.world


# -- Helpers ------------------------------------------------------------------------------------


def _url(route: Route, world: World, record: int) -> str:
    kwargs = {}
    if "pk" in route.kwargs:
        kwargs["pk"] = record
    if "case_pk" in route.kwargs:
        kwargs["case_pk"] = world.case.pk
    target = TARGETS.get(route.name)
    query = f"?{target.query_param}={record}" if target and target.query_param else ""
    return reverse(route.name, kwargs=kwargs) + query


FINGERPRINTED_APPS = ("accounts", "providers", "cases", "consent", "tasks", "guardian")


def _fingerprint() -> dict[str, list[tuple]]:
    """Every row of every table a write could touch; not the access log, which every request
    appends to."""
    state = {}
    for label in FINGERPRINTED_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label == "consent.AccessEvent":
                continue
            state[model._meta.label] = sorted(model.objects.values_list(), key=repr)
    return state


def _rows(response) -> list[dict]:
    return response.data["results"] if isinstance(response.data, dict) else response.data


def _ids(response) -> set[int]:
    return {row.get("id") for row in _rows(response)}


def _call(matrix: Matrix, api_for, name: str, method: str, persona: str):
    route, target = ROUTES[name], TARGETS[name]
    client = api_for(matrix.user(persona, target))
    url = _url(route, matrix.world, matrix.record(name, persona))
    if method == "get":  # a body would turn into filters and hide the record
        return client.get(url)
    return getattr(client, method)(url, target.payload(matrix.world), format="json")


# -- The matrix ---------------------------------------------------------------------------------


def test_every_api_route_is_in_the_matrix():
    unclassified = set(ROUTES) - set(TARGETS) - PUBLIC_ROUTES - SIGNED_IN_ROUTES
    stale = set(TARGETS) - set(ROUTES)

    assert not unclassified, f"Add these routes to tests/matrix_targets.py: {sorted(unclassified)}"
    assert not stale, f"These matrix entries name no route: {sorted(stale)}"


def test_r14_the_expired_partner_still_holds_its_rows_as_before_the_sweep(matrix, world):
    consent = matrix.partners[("partner_expired", ALL_CATEGORIES)].consent
    rows = CaseGroupObjectPermission.objects.filter(
        content_object_id=world.case.pk, group_id=consent.recipient.group_id
    )

    assert Consent.objects.get(pk=consent.pk).status == Consent.Status.ACTIVE
    assert consent.expires_at < timezone.now()
    assert rows.count() == 1 + len(ALL_CATEGORIES)  # view_case and one per category
    assert all(row.valid_until == consent.expires_at for row in rows)


def test_every_route_method_and_persona_has_one_expected_outcome():
    combinations = {(n, m, p) for n, m in CASE_DATA_CALLS for p in PERSONAS}
    tested = {call for outcome in Outcome for call in _calls(outcome)}

    assert tested == combinations
    assert all(ROUTES[name].methods for name, _method in CASE_DATA_CALLS)


@pytest.mark.parametrize(("name", "method", "persona"), _calls(Outcome.HIDDEN, Outcome.REFUSED))
def test_people_without_a_basis_get_nothing_of_the_case(
    matrix, world, api_for, name, method, persona
):
    route, target = ROUTES[name], TARGETS[name]
    record = matrix.record(name, persona)
    before = _fingerprint() if method != "get" else None

    response = _call(matrix, api_for, name, method, persona)

    if method == "get" and not route.is_detail:
        assert response.status_code == 200
        assert record not in _ids(response)
    elif method == "get":
        expected = target.seen_case_status if sees_the_case(persona) else 404
        assert response.status_code == expected, response.content
    else:
        assert response.status_code in (400, 403, 404, 405), response.content
        assert _fingerprint() == before


@pytest.mark.parametrize(
    ("name", "method", "persona"), _calls(Outcome.READS, personas=LEAD_PERSONAS)
)
def test_the_lead_reads_the_record(matrix, world, api_for, name, method, persona):
    record = matrix.record(name, persona)

    response = _call(matrix, api_for, name, method, persona)

    assert response.status_code == 200, response.content
    if not ROUTES[name].is_detail:
        assert record in _ids(response)


@pytest.mark.parametrize(
    ("name", "method", "persona"), _calls(Outcome.READS, personas=CONSENT_PERSONAS)
)
def test_a_partner_reads_what_its_consent_releases_and_no_more(
    matrix, world, api_for, name, method, persona
):
    route, target = ROUTES[name], TARGETS[name]
    partner = matrix.partner(persona, target)
    record = matrix.record(name, persona)

    response = _call(matrix, api_for, name, method, persona)

    assert response.status_code == 200, response.content
    if not hasattr(response, "data"):  # a file (a document's content): no record to inspect
        shown = {}
    elif route.is_detail:
        shown = response.data
    else:
        [shown] = [row for row in _rows(response) if row["id"] == record]
    if "withheld_categories" in shown:  # R19: only the consented categories, the rest named
        assert set(shown["withheld_categories"]) == set(DATA_CATEGORIES) - partner.released
        assert shown["redisclosure_notice"]
        assert [g["consent"] for g in shown["released_under"]] == [partner.consent.pk]
    if target.category == CASE_LEVEL and DataCategory.IDENTITY not in partner.released:
        assert "person" not in shown
    if "person" in shown and isinstance(shown["person"], dict):
        assert not {"has_portal_login", "declined_fields"} & set(shown["person"])
    assert not {"care_team", "flags", "signatures", "author", "created_by"} & set(shown)
    hidden = matrix.hidden.get(name)
    if hidden is not None and route.is_detail:
        client = api_for(partner.user)
        assert client.get(_url(route, world, hidden)).status_code == 404
    elif hidden is not None:
        assert hidden not in _ids(response)


@pytest.mark.parametrize(("name", "method", "persona"), _calls(Outcome.PERMITTED))
def test_the_policy_lets_the_lead_and_the_young_person_do_their_work(
    matrix, world, api_for, name, method, persona
):
    response = _call(matrix, api_for, name, method, persona)

    assert response.status_code not in (401, 403, 404, 405), response.content
    assert response.status_code < 500


MEMBERSHIP_OUTSIDERS = ("advocate", "partner_staff", "young_person", "superuser")
MEMBERSHIP_CALLS = [
    (n, m)
    for n in (
        "membership-list",
        "membership-detail",
        "membership-suspend",
        "membership-restore",
        "membership-change-list",
        "membership-change-detail",
    )
    for m in ROUTES[n].methods
]


@pytest.mark.parametrize(("name", "method"), MEMBERSHIP_CALLS)
@pytest.mark.parametrize("persona", MEMBERSHIP_OUTSIDERS)
def test_only_admins_and_supervisors_see_and_change_other_peoples_roles(
    matrix, world, api_for, name, method, persona
):
    route, target = ROUTES[name], TARGETS[name]
    record = matrix.records[name]
    url, payload = _url(route, world, record), target.payload(world)
    before = _fingerprint()

    response = getattr(api_for(getattr(world, persona)), method)(url, payload, format="json")

    if method == "get" and not route.is_detail:
        assert record not in _ids(response)
    elif method == "get":
        assert response.status_code == 404
    else:
        assert response.status_code in (400, 403, 404)
        assert _fingerprint() == before


REPORT_PERSONAS = [p for p in PERSONAS if p not in CONSENT_PERSONAS and p != "anonymous"]
INVITATION_CALLS = [
    (n, m)
    for n in ("invitation-list", "invitation-detail", "invitation-resend", "invitation-cancel")
    for m in ROUTES[n].methods
]


@pytest.mark.parametrize(("name", "method"), INVITATION_CALLS)
@pytest.mark.parametrize("persona", REPORT_PERSONAS)
def test_only_the_organizations_admins_see_and_send_its_invitations(
    matrix, world, api_for, name, method, persona
):
    """Issue 17: the lead's admins list, send, resend and cancel its invitations; everyone else
    lists none of them, gets 404 for one and is refused. The world's superuser has no role, so
    it is the site operator, which sends and sees organizations' admins' invitations only (this
    one is an advocate's). No answer carries a link's token."""
    route, target = ROUTES[name], TARGETS[name]
    record = matrix.records[name]
    before = _fingerprint()

    response = _call(matrix, api_for, name, method, persona)

    assert b"token" not in response.content.lower()
    if method == "get" and persona in target.readers:
        assert response.status_code == 200, response.content
        assert route.is_detail or record in _ids(response)
    elif method == "get" and not route.is_detail:
        assert response.status_code == 200, response.content
        assert record not in _ids(response)
    elif method == "get":
        assert response.status_code == 404, response.content
    elif persona in target.lead_writers:
        assert response.status_code in (201, 204), response.content
    else:
        assert response.status_code in (403, 404), response.content
        assert _fingerprint() == before


ORGANIZATION_ROUTES = ("report-caseload", "organization-continuity-rules")


@pytest.mark.parametrize(
    ("name", "method"), [(n, m) for n in ORGANIZATION_ROUTES for m in ROUTES[n].methods]
)
@pytest.mark.parametrize("persona", REPORT_PERSONAS)
def test_only_the_organizations_supervisors_and_admins_read_and_set_its_numbers(
    matrix, world, api_for, name, method, persona
):
    route, target = ROUTES[name], TARGETS[name]
    before = _fingerprint()

    response = getattr(api_for(getattr(world, persona)), method)(
        _url(route, world, world.lead.pk), target.payload(world), format="json"
    )

    assert response.status_code == (200 if persona in target.readers else 404), response.data
    if persona not in target.readers:
        assert _fingerprint() == before


DIRECTORY_ROUTES = ("directory-service-list", "directory-service-detail")


@pytest.mark.parametrize(
    ("name", "method"), [(n, m) for n in DIRECTORY_ROUTES for m in ROUTES[n].methods]
)
@pytest.mark.parametrize("persona", REPORT_PERSONAS)
def test_staff_of_any_member_read_the_directory_and_only_its_admins_write_their_entries(
    matrix, world, api_for, name, method, persona
):
    """Any staff role of any member organization reads; the admins of the organization that
    provides the service write; young people and people without a role get 404."""
    route, target = ROUTES[name], TARGETS[name]
    record = matrix.records[name]
    before = _fingerprint()

    response = _call(matrix, api_for, name, method, persona)

    if method == "get" and persona in target.readers:
        assert response.status_code == 200, response.content
        assert route.is_detail or record in _ids(response)
    elif method == "get":
        assert response.status_code == 404, response.content
    elif persona in target.lead_writers:
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code in (400, 403, 404), response.content
        assert _fingerprint() == before


HSDS_ROUTES = ("directory-hsds", "directory-hsds-zip")


@pytest.mark.parametrize("name", HSDS_ROUTES)
@pytest.mark.parametrize("persona", REPORT_PERSONAS)
def test_staff_of_any_member_download_the_directory_as_hsds(matrix, world, api_for, name, persona):
    """Every staff role of every member organization downloads the HSDS export (it holds no
    case data); young people and people without an active role get 403."""
    target = TARGETS[name]
    service = DirectoryService.objects.get(pk=matrix.records[name])

    response = _call(matrix, api_for, name, "get", persona)

    if persona in target.readers:
        assert response.status_code == 200, response.content
        assert str(service.hsds_id).encode() in _body(response)
    else:
        assert response.status_code == 403, response.content


@pytest.mark.parametrize("persona", REPORT_PERSONAS)
def test_staff_of_any_member_read_which_directory_records_are_incomplete(
    matrix, world, api_for, persona
):
    """The same readers as the downloads; young people and people without a role get 403."""
    target = TARGETS["directory-hsds-incomplete"]

    response = _call(matrix, api_for, "directory-hsds-incomplete", "get", persona)

    if persona in target.readers:
        assert response.status_code == 200, response.content
        assert isinstance(response.json(), list)
    else:
        assert response.status_code == 403, response.content


def _body(response) -> bytes:
    """The response's bytes; a zip download's files, one after the other (read as text)."""
    if response.get("Content-Type") != "application/zip":
        return response.content
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return b"\n".join(archive.read(name) for name in archive.namelist())


@pytest.mark.parametrize("persona", REPORT_PERSONAS)
def test_r22_staff_of_any_member_read_the_community_gap_report_and_no_one_else(
    matrix, world, api_for, persona
):
    """Counts only: every staff role of every member organization reads it, and it names no
    young person; young people and people without a role get 404."""
    target = TARGETS["report-outstanding-supports"]

    response = _call(matrix, api_for, "report-outstanding-supports", "get", persona)

    if persona in target.readers:
        assert response.status_code == 200, response.content
        body = response.content.decode()
        assert not [s for strings in SEEDED.values() for s in strings if s in body]
    else:
        assert response.status_code == 404, response.content


@pytest.mark.parametrize(
    ("name", "method"),
    [(n, m) for n, r in sorted(ROUTES.items()) if n not in PUBLIC_ROUTES for m in r.methods],
)
def test_anonymous_requests_are_refused(matrix, world, api_for, name, method):
    route = ROUTES[name]
    record = matrix.records[name] if name in TARGETS else world.lead.pk

    response = getattr(api_for(None), method)(_url(route, world, record), {}, format="json")

    assert response.status_code in (401, 403)


def test_public_routes_are_only_the_schema_docs_and_sign_in(api_for):
    client = api_for(None)

    assert client.get(reverse("schema")).status_code == 200
    assert client.get(reverse("docs")).status_code == 200
    assert client.post(reverse("auth-token"), {}, format="json").status_code == 400
    assert client.post(reverse("auth-two-factor"), {}, format="json").status_code == 400
    assert client.post(reverse("invitation-accept"), {}, format="json").status_code == 400
    assert client.post(reverse("portal-activate"), {}, format="json").status_code == 400


# -- R17, R18: nothing identifying leaves without a covering consent ----------------------------

PARTNER_KEYS = sorted(
    {(p, consented_categories(p, t.category)) for p in CONSENT_PERSONAS for t in TARGETS.values()}
)
PARTNER_IDS = [f"{persona}[{'+'.join(categories)}]" for persona, categories in PARTNER_KEYS]
GET_ROUTES = sorted(n for n, r in ROUTES.items() if "get" in r.methods and n not in PUBLIC_ROUTES)


def _partner_responses(matrix: Matrix, api_for, user: User, own_consent: int | None) -> dict:
    """Every GET route as this partner user sees it (cached: R17 and R18 read the same)."""
    key = f"{user.pk}"
    if key not in matrix.responses:
        client, world, answers = api_for(user), matrix.world, {}
        for name in GET_ROUTES:
            if name in TARGETS:
                target = TARGETS[name]
                own = target.partners_own_consent and own_consent is not None
                record = own_consent if own else matrix.records[name]
            else:
                record = world.lead.pk
            response = client.get(_url(ROUTES[name], world, record))
            answers[name] = (response.status_code, _body(response))
        matrix.responses[key] = answers
    return matrix.responses[key]


def _partner_under_test(matrix: Matrix, key: tuple[str, tuple[str, ...]] | None):
    if key is None:
        return matrix.world.partner_staff, None, frozenset()
    partner = matrix.partners[key]
    return partner.user, partner.consent, partner.released


@pytest.mark.parametrize("key", [*PARTNER_KEYS, None], ids=[*PARTNER_IDS, "partner_staff"])
def test_r17_no_identifying_string_reaches_a_partner_without_a_covering_consent(
    matrix, world, api_for, key
):
    user, consent, released = _partner_under_test(matrix, key)
    answers = _partner_responses(matrix, api_for, user, consent.pk if consent else None)

    for category, strings in SEEDED.items():
        bodies = {name: content.decode() for name, (_status, content) in answers.items()}
        leaks = {(n, s) for n, body in bodies.items() for s in strings if s in body}
        if category in released:  # the seeded strings do reach a partner the consent covers
            assert leaks, f"{category} released, yet never shown"
        else:
            assert not leaks, f"{category} not released to this partner: {sorted(leaks)}"


@pytest.mark.parametrize("key", [*PARTNER_KEYS, None], ids=[*PARTNER_IDS, "partner_staff"])
def test_r17_system_involvement_and_the_leads_own_record_never_reach_a_partner(
    matrix, world, api_for, key
):
    """Whatever the consent releases (every category included): no route shows a partner
    the system-involvement events, the referral source or gender identity (issue 21)."""
    user, consent, _released = _partner_under_test(matrix, key)
    answers = _partner_responses(matrix, api_for, user, consent.pk if consent else None)

    bodies = {name: content.decode() for name, (_status, content) in answers.items()}
    leaks = {(n, s) for n, body in bodies.items() for s in LEAD_ONLY_STRINGS if s in body}
    assert not leaks


def test_r17_the_young_person_reads_no_system_involvement_nor_how_they_came(matrix, world, api_for):
    """The portal's door: their own record, but not the lead staff's account of the systems."""
    answers = _partner_responses(matrix, api_for, world.young_person, None)

    bodies = {name: content.decode() for name, (_status, content) in answers.items()}
    hidden = (SYSTEM_INVOLVEMENT_NOTE, "juvenile_justice")
    assert not {(n, s) for n, body in bodies.items() for s in hidden if s in body}
    assert GENDER_IN_OWN_WORDS in bodies["person-detail"]  # their own words, theirs to read


def test_r17_the_lead_staff_read_what_stays_with_them(matrix, world, api_for):
    client = api_for(world.advocate)

    case = client.get(_url(ROUTES["case-detail"], world, world.case.pk)).data
    events = client.get(reverse("system-involvement-list"), {"case": world.case.pk})

    assert case["referral_source"] == "juvenile_justice"
    assert case["person"]["gender"] == GENDER_IN_OWN_WORDS
    assert case["person"]["race_ethnicity_codes"] == ["asian", "white"]
    assert [row["note"] for row in _rows(events)] == [SYSTEM_INVOLVEMENT_NOTE]


@pytest.mark.parametrize("key", [*PARTNER_KEYS, None], ids=[*PARTNER_IDS, "partner_staff"])
def test_r18_no_partner_gets_a_token_derived_from_the_young_persons_identity(
    matrix, world, api_for, key
):
    user, consent, _released = _partner_under_test(matrix, key)
    answers = _partner_responses(matrix, api_for, user, consent.pk if consent else None)
    principal_ids = set(
        Consent.objects.filter(case=world.case).values_list("principal_id", flat=True)
    )
    tokens = {str(p) for p in principal_ids} | {p.hex for p in principal_ids} | {"Patient/"}

    for name, (_status, content) in answers.items():
        body = content.decode()
        assert not {t for t in tokens if t in body}, name
    for name in ("consent-fhir", "consent-receipt", "consent-receipt-html"):
        assert answers[name][0] == 404, name


@pytest.mark.parametrize("name", ["case-list", "case-detail", "person-list", "person-detail"])
def test_r19_the_young_persons_lead_only_fields_stay_with_the_lead(matrix, world, api_for, name):
    """Identity released: the person as every route shows it, without the lead's own fields."""
    partner = matrix.partners[("partner_for_category", (DataCategory.IDENTITY,))]
    record = world.case.pk if name.startswith("case") else world.case.person_id

    response = api_for(partner.user).get(_url(ROUTES[name], world, record))

    assert response.status_code == 200
    rows = _rows(response) if name.endswith("list") else [response.data]
    people = [row.get("person", row) for row in rows]
    assert [p["alias"] for p in people] == ["Quorinthe"]
    assert not {"has_portal_login", "declined_fields"} & set(people[0])
    # Coded demographics travel with identity; gender identity and orientation never (issue 21).
    assert people[0]["race_ethnicity_codes"] == ["asian", "white"]
    assert not {"gender", "sexual_orientation"} & set(people[0])


def test_r21_a_partner_cannot_open_a_case_of_its_own_for_the_young_person(matrix, world, api_for):
    """Opening a case for an existing young person would give the partner's organization a
    lead basis on the young person's shared record (identity, contact, family)."""
    for persona in IN_FORCE_PARTNERS:
        partner = matrix.partner(persona, TARGETS["case-list"])
        organization = partner.user.memberships.get().organization_id
        body = {"lead_organization": organization, "person_id": world.case.person_id}
        before = _fingerprint()

        response = api_for(partner.user).post(reverse("case-list"), body, format="json")

        assert response.status_code == 400, response.content
        assert "person_id" in response.data
        assert _fingerprint() == before


# -- Every renderer is a door: the API answers a browser as it answers JSON ---------------------

# What a browser, or someone trying DRF's browsable API, would ask for.
BROWSER_ASKS = {"accept-html": ({"HTTP_ACCEPT": "text/html"}, ""), "format-api": ({}, "format=api")}
SIGNED_IN_PERSONAS = tuple(p for p in PERSONAS if p != "anonymous")
# The schema and its two viewers are the same for everyone (and the schema takes seconds).
DOCUMENTATION_ROUTES = ("schema", "docs", "redoc")
BROWSER_CALLS = [
    (name, persona)
    for name, route in sorted(ROUTES.items())
    if "get" in route.methods
    for persona in (("anonymous",) if name in DOCUMENTATION_ROUTES else PERSONAS)
]
FORM_MARKERS = (b"<form", b"<select", b"<textarea", b"raw data")


def _user_for(matrix: Matrix, name: str, persona: str) -> User | None:
    if name in TARGETS:
        return matrix.user(persona, TARGETS[name])
    if persona in CONSENT_PERSONAS:
        return matrix.partners[(persona, consented_categories(persona, None))].user
    return None if persona == "anonymous" else getattr(matrix.world, persona)


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


@pytest.mark.parametrize(("name", "persona"), BROWSER_CALLS)
def test_every_route_answers_a_browser_as_it_answers_json(matrix, world, api_for, name, persona):
    """Issue 16: no browsable API. ``Accept: text/html`` and ``?format=api`` get the status and
    the content type a JSON client gets, and no form listing a queryset."""
    client = api_for(_user_for(matrix, name, persona))
    record = matrix.record(name, persona) if name in TARGETS else world.lead.pk
    url = _url(ROUTES[name], world, record)
    plain = client.get(url)

    for ask, (headers, query) in BROWSER_ASKS.items():
        response = client.get(_with_query(url, query), **headers)

        assert response.status_code == plain.status_code, (ask, response.content[:300])
        assert response["Content-Type"] == plain["Content-Type"], ask
        if name not in ("docs", "redoc"):  # the Swagger UI is the way to browse the API
            assert not [m for m in FORM_MARKERS if m in response.content.lower()], ask


# -- Forbidden looks like missing ---------------------------------------------------------------

# An id no table of the world reaches (still a valid id: digits, below the BigAutoField range).
MISSING_ID = 10**15


def _missing(route: Route, world: World, record: int) -> str:
    """The route's URL with the id in its path replaced by one that does not exist."""
    kwargs = {}
    if "pk" in route.kwargs:
        kwargs["pk"] = MISSING_ID
    if "case_pk" in route.kwargs:
        kwargs["case_pk"] = MISSING_ID
    return reverse(route.name, kwargs=kwargs)


def _answer(response) -> tuple[int, str, bytes]:
    return response.status_code, response.get("Content-Type", ""), response.content


# Case data: personas without a basis for the world's case, on every call the matrix hides from
# or refuses them. Other records (memberships, an organization's numbers): whoever gets a 404.
FORBIDDEN_ID_CALLS = [
    (name, method, persona)
    for (name, method, persona), expected in MATRIX.items()
    if ROUTES[name].is_detail
    and expected in (Outcome.HIDDEN, Outcome.REFUSED)
    and not sees_the_case(persona)
    and persona != "anonymous"
] + [
    (name, method, persona)
    for name, route in sorted(ROUTES.items())
    if route.is_detail and name in TARGETS and not TARGETS[name].case_data
    for method in route.methods
    for persona in REPORT_PERSONAS
]


@pytest.mark.parametrize(("name", "method", "persona"), FORBIDDEN_ID_CALLS)
def test_a_forbidden_id_gets_the_answer_of_a_missing_one(
    matrix, world, api_for, name, method, persona
):
    """Issue 16: same status, same body for an id the persona may not see and one that does
    not exist (only compared when the real id is refused: a reader's 200 is no oracle)."""
    route, target = ROUTES[name], TARGETS[name]
    client = api_for(matrix.user(persona, target))
    record = matrix.record(name, persona)
    real_url, missing_url = _url(route, world, record), _missing(route, world, record)
    if method == "get":
        real, missing = client.get(real_url), client.get(missing_url)
    else:
        payload = target.payload(world)
        real = getattr(client, method)(real_url, payload, format="json")
        missing = getattr(client, method)(missing_url, payload, format="json")

    if target.case_data or real.status_code == 404:
        assert _answer(real) == _answer(missing)


def _view_class(name: str) -> type:
    url = reverse(name, kwargs=dict.fromkeys(ROUTES[name].kwargs, 1))
    callback = get_resolver().resolve(url).func
    return getattr(callback, "cls", None) or callback.view_class


def _filterset(name: str) -> type[FilterSet] | None:
    """The filter set a list route's backend builds (from filterset_class or _fields)."""
    view_class = _view_class(name)
    if not (
        getattr(view_class, "filterset_class", None)
        or getattr(view_class, "filterset_fields", None)
    ):
        return None
    model = view_class.serializer_class.Meta.model
    view = view_class()
    backends = [backend() for backend in view.filter_backends]
    [backend] = [b for b in backends if isinstance(b, DjangoFilterBackend)]
    return backend.get_filterset_class(view, model._default_manager.none())


LIST_ROUTES = sorted(n for n, r in ROUTES.items() if n.endswith("-list") and "get" in r.methods)
FILTERSETS = {name: _filterset(name) for name in LIST_ROUTES}
ID_FILTERS = sorted(
    (name, key)
    for name, filterset in FILTERSETS.items()
    if filterset is not None
    for key, flt in filterset.base_filters.items()
    if isinstance(flt, (IdFilter, ModelChoiceFilter, ModelMultipleChoiceFilter))
)


def test_no_list_filter_checks_an_id_against_a_whole_table():
    """Issue 16: a model choice filter answers 400 for a missing id and 200 for a forbidden
    one; an IdFilter narrows the policy's queryset, which has neither."""
    model_choices = [
        (name, key)
        for name, filterset in FILTERSETS.items()
        if filterset is not None
        for key, flt in filterset.base_filters.items()
        if isinstance(flt, (ModelChoiceFilter, ModelMultipleChoiceFilter))
    ]

    assert not model_choices
    assert ("care-team-list", "case") in ID_FILTERS
    assert ("family-member-list", "person") in ID_FILTERS


def _filter_value(world: World, key: str) -> int:
    """A real id for an id filter: the world's record of that kind."""
    values = {
        "case": lambda: world.case.pk,
        "person": lambda: world.case.person_id,
        "user": lambda: world.advocate.pk,
        "care_team_member": lambda: world.advocate.pk,
        "organization": lambda: world.lead.pk,
        "lead_organization": lambda: world.lead.pk,
        "recipient": lambda: world.partner.pk,
        "to_organization": lambda: world.partner.pk,
        "goal": lambda: TARGETS["goal-detail"].pk(world),
        "planned_service": lambda: TARGETS["planned-service-detail"].pk(world),
        "service_type": lambda: (
            DirectoryService.objects.get(
                pk=TARGETS["directory-service-detail"].pk(world)
            ).service_type_id
        ),
    }
    return values[key]()


@pytest.mark.parametrize(("name", "key"), ID_FILTERS)
@pytest.mark.parametrize("persona", [p for p in SIGNED_IN_PERSONAS if p not in LEAD_PERSONAS])
def test_an_id_filter_answers_a_forbidden_id_as_a_missing_one(
    matrix, world, api_for, name, key, persona
):
    """Issue 16: where the real id lists nothing for the persona, the missing id's answer is
    the same, status and body (a 400 "Select a valid choice" was an existence oracle)."""
    client = api_for(_user_for(matrix, name, persona))
    url = _url(ROUTES[name], world, 1).split("?")[0]

    real = client.get(f"{url}?{key}={_filter_value(world, key)}")
    missing = client.get(f"{url}?{key}={MISSING_ID}")

    if real.status_code != 200 or not _rows(real):
        assert _answer(real) == _answer(missing)
