"""Portal access through the API (R42), by the rules of the pages: the care team sees whether
the young person has a login, gives a one-time code (in that answer only) or ends access; the
young person turns the code into their login at /api/v1/portal/activate/ and signs in with
their sign-in name."""

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Person
from cases.portal_access import PortalActivation
from consent.models import AccessEvent
from tasks.models import Notification
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

PASSWORD = "a long river stone 42"
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
WRONG_WORDS = "That code did not work. Check it, or ask your advocate for a new one."
NOT_FOUND = {"detail": "No such case."}
# Names the young person is known by, which no answer of the activation may carry.
NAMES = ("Quorinthe", "Vasselmark", "Quillabeth")


@pytest.fixture
def no_login(world: World) -> World:
    """The world's young person as every real one starts: no portal login yet."""
    Person.objects.filter(pk=world.case.person_id).update(
        user=None, alias=NAMES[0], legal_name=f"{NAMES[0]} {NAMES[1]}", chosen_name=NAMES[2]
    )
    world.case.person.refresh_from_db()
    return world


def _access_url(world: World, case_id: int | None = None) -> str:
    return reverse("case-portal-access", kwargs={"case_pk": case_id or world.case.pk})


def _end_url(world: World, case_id: int | None = None) -> str:
    return reverse("case-portal-access-end", kwargs={"case_pk": case_id or world.case.pk})


def _issue(api_for: Any, world: World) -> str:
    response = api_for(world.advocate).post(_access_url(world))
    assert response.status_code == 201, response.content
    return response.json()["code"]


def _activate(code: str, name: str = "river-fox", password: str = PASSWORD) -> Any:
    body = {"code": code, "sign_in_name": name, "password": password}
    return APIClient().post(reverse("portal-activate"), body, format="json")


def _token(name: str = "river-fox", password: str = PASSWORD) -> Any:
    body = {"username": name, "password": password}
    return APIClient().post(reverse("auth-token"), body, format="json")


def _with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _wrong(code: str) -> str:
    """The code with its secret part changed: a wrong try against the real code."""
    return code[:5] + ("AAAA" if code[5:9] != "AAAA" else "BBBB") + code[9:]


# -- Giving a code ------------------------------------------------------------------------------


def test_r42_the_care_team_gets_a_code_once_with_its_expiry_of_72_hours(no_login, api_for):
    before = timezone.now()

    response = api_for(no_login.advocate).post(_access_url(no_login))

    body = response.json()
    assert response.status_code == 201
    assert set(body) == {"code", "expires_at"} and CODE.match(body["code"])
    expires = PortalActivation.objects.get().expires_at
    assert timedelta(hours=72) <= expires - before <= timedelta(hours=72, minutes=1)
    assert "no-store" in response["Cache-Control"]
    status = api_for(no_login.advocate).get(_access_url(no_login))
    assert status.json()["code_waiting"] is True
    assert status.json()["code_expires_at"] == body["expires_at"]
    assert body["code"] not in status.content.decode()
    assert body["code"].replace("-", "")[4:] not in PortalActivation.objects.get().code_hash


def test_r42_the_status_says_whether_there_is_a_login_and_nothing_else(no_login, api_for):
    response = api_for(no_login.advocate).get(_access_url(no_login))

    assert response.status_code == 200
    assert response.json() == {
        "has_login": False,
        "last_sign_in": None,
        "code_waiting": False,
        "code_expires_at": None,
    }


def test_r42_r28_no_code_is_sent_on_any_channel_or_written_to_a_log(no_login, api_for, caplog):
    rule = no_login.case.person.safe_contact
    rule.allowed_channels, rule.email = ["email", "sms"], "safe@example.org"
    rule.save()
    notifications = Notification.objects.count()
    caplog.set_level(logging.DEBUG)

    code = _issue(api_for, no_login)
    _activate(_wrong(code))
    _activate(code, password="short")
    _activate(code)

    assert mail.outbox == [] and Notification.objects.count() == notifications
    for typed in (code, code.replace("-", ""), _wrong(code)):
        assert typed not in caplog.text
        assert not [row for row in AccessEvent.objects.values_list() if typed in repr(row)]


# -- Activating ---------------------------------------------------------------------------------


def test_r42_the_young_person_activates_and_signs_in_with_their_sign_in_name(no_login, api_for):
    response = _activate(_issue(api_for, no_login).lower().replace("-", " "), name="River-Fox")

    assert response.status_code == 200
    assert response.json() == {"sign_in_name": "River-Fox"}
    token = _token(name="river-fox")
    assert token.status_code == 200, token.content
    me = _with_token(token.json()["token"]).get(reverse("me"))
    assert me.json()["person"] == no_login.case.person_id and me.json()["email"] is None
    cases = _with_token(token.json()["token"]).get(reverse("case-list")).json()["results"]
    assert [row["id"] for row in cases] == [no_login.case.pk]


def test_r42_the_advocate_sees_when_they_last_signed_in_through_the_api(no_login, api_for):
    _activate(_issue(api_for, no_login))
    signed_in = timezone.now()
    _token()

    body = api_for(no_login.advocate).get(_access_url(no_login)).json()

    assert body["has_login"] is True and body["code_waiting"] is False
    assert body["last_sign_in"] is not None
    assert abs(timezone.datetime.fromisoformat(body["last_sign_in"]) - signed_in).seconds < 60


def test_r42_a_code_works_once(no_login, api_for):
    code = _issue(api_for, no_login)
    assert _activate(code).status_code == 200

    again = _activate(code, name="someone-else")

    assert again.status_code == 400
    assert again.json() == {"code": [WRONG_WORDS]}
    assert not User.objects.with_sign_in_name("someone-else").exists()


def test_r42_a_code_expires_after_72_hours(no_login, api_for):
    code = _issue(api_for, no_login)

    with time_machine.travel(timezone.now() + timedelta(hours=72, seconds=1)):
        late = _activate(code)

    assert late.status_code == 400 and late.json() == {"code": [WRONG_WORDS]}
    assert Person.objects.get(pk=no_login.case.person_id).user_id is None


def test_r42_a_code_still_works_just_before_it_expires(no_login, api_for):
    code = _issue(api_for, no_login)

    with time_machine.travel(timezone.now() + timedelta(hours=71, minutes=59)):
        assert _activate(code).status_code == 200


def test_r42_five_wrong_tries_lock_the_code(no_login, api_for):
    code = _issue(api_for, no_login)

    wrong = [_activate(_wrong(code)) for _ in range(5)]
    right = _activate(code)

    assert [r.status_code for r in wrong] == [400] * 5
    assert right.status_code == 400 and right.json() == {"code": [WRONG_WORDS]}
    assert Person.objects.get(pk=no_login.case.person_id).user_id is None
    refused = AccessEvent.objects.filter(action="activate_portal", outcome="denied")
    assert refused.count() == 5 and set(refused.values_list("basis", flat=True)) == {""}


def test_r42_wrong_unknown_used_and_expired_codes_get_the_same_answer(no_login, api_for):
    code = _issue(api_for, no_login)
    answers = {_activate("ZZZZ-ZZZZ-ZZZZ").content, _activate(_wrong(code)).content}
    _activate(code)
    answers.add(_activate(code).content)
    expired = _issue(api_for, no_login)
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        answers.add(_activate(expired).content)

    assert len(answers) == 1


def test_r42_a_taken_sign_in_name_or_a_weak_password_leaves_the_code_working(no_login, api_for):
    f.UserFactory(email=None, sign_in_name="taken-name")
    code = _issue(api_for, no_login)

    taken = _activate(code, name="TAKEN-name")
    with_at = _activate(code, name="me@example.org")
    weak = _activate(code, password="password")

    assert taken.status_code == 400 and "sign_in_name" in taken.json()
    assert with_at.status_code == 400 and "No spaces and no @" in with_at.content.decode()
    assert weak.status_code == 400 and "password" in weak.json()
    assert _activate(code, name="fresh-name").status_code == 200


def test_r42_no_answer_of_the_activation_names_the_young_person(no_login, api_for):
    code = _issue(api_for, no_login)
    answers = [
        _activate("ZZZZ-ZZZZ-ZZZZ"),
        _activate(_wrong(code)),
        _activate(code, password="password"),
        _activate(code),
        _activate(code),
        APIClient().post(reverse("portal-activate"), {}, format="json"),
    ]

    assert answers[3].status_code == 200
    for response in answers:
        assert not [name for name in NAMES if name in response.content.decode()]


def test_r42_the_api_and_the_page_share_one_rate_limit_per_address(no_login, settings):
    settings.HARBOR = {**settings.HARBOR, "PORTAL_ACTIVATION_RATE": "3/m"}

    with time_machine.travel(timezone.now().replace(second=1), tick=False):  # one clock minute
        page = [APIClient().post("/my/activate/", {"code": "ABCD-EFGH-JKMN"}) for _ in range(2)]
        api = [_activate("ABCD-EFGH-JKMN") for _ in range(2)]

    assert [r.status_code for r in page + api] == [400, 400, 400, 429]
    assert "Retry-After" in api[-1]


# -- A new code, and the end of access ----------------------------------------------------------


def test_r42_a_new_code_ends_the_old_code_the_password_every_session_and_token(no_login, api_for):
    first = _issue(api_for, no_login)
    _activate(first)
    key = _token().json()["token"]
    assert _with_token(key).get(reverse("me")).status_code == 200

    second = _issue(api_for, no_login)

    assert _with_token(key).get(reverse("me")).status_code in (401, 403)
    assert _token().status_code == 400  # the password no longer works
    assert _activate(first).status_code == 400
    assert _activate(second).status_code == 200
    assert _token().status_code == 200


def test_r42_ending_portal_access_ends_the_password_and_every_token(no_login, api_for):
    _activate(_issue(api_for, no_login))
    key = _token().json()["token"]

    response = api_for(no_login.advocate).post(_end_url(no_login))

    assert response.status_code == 200
    assert response.json()["has_login"] is False
    assert _with_token(key).get(reverse("me")).status_code in (401, 403)
    assert _token().status_code == 400


def test_r42_ending_portal_access_ends_a_waiting_code(no_login, api_for):
    waiting = _issue(api_for, no_login)

    response = api_for(no_login.advocate).post(_end_url(no_login))

    assert response.json()["code_waiting"] is False
    assert _activate(waiting).status_code == 400


# -- Who may ------------------------------------------------------------------------------------


def test_r42_a_secondary_member_of_the_care_team_gives_portal_access(no_login, api_for):
    f.CareTeamMemberFactory(case=no_login.case, user=no_login.other_advocate, role="secondary")

    response = api_for(no_login.other_advocate).post(_access_url(no_login))

    assert response.status_code == 201


@pytest.mark.parametrize(
    "persona",
    ["other_advocate", "supervisor", "partner_staff", "org_admin", "superuser", "young_person"],
)
def test_r42_only_the_care_team_sees_gives_or_ends_portal_access(world, api_for, persona):
    """Everyone else, supervisor and young person included, gets the answer of a missing case."""
    client = api_for(getattr(world, persona))
    missing = 10**15

    answers = [
        (client.get(_access_url(world)), client.get(_access_url(world, missing))),
        (client.post(_access_url(world)), client.post(_access_url(world, missing))),
        (client.post(_end_url(world)), client.post(_end_url(world, missing))),
    ]

    for real, absent in answers:
        assert real.status_code == 404 and real.json() == NOT_FOUND
        assert (real.status_code, real.content) == (absent.status_code, absent.content)
    assert not PortalActivation.objects.exists()
    assert User.objects.get(pk=world.young_person.pk).has_usable_password()


def test_r42_a_partner_holding_a_consent_cannot_give_portal_access(world, api_for):
    grant_consent(world.case, world.partner, ["identity", "contact"], by=world.advocate)

    response = api_for(world.partner_staff).post(_access_url(world))

    assert response.status_code == 404 and response.json() == NOT_FOUND
    assert not PortalActivation.objects.exists()


def test_r42_looking_giving_ending_and_activating_are_in_the_access_log(no_login, api_for):
    advocate = api_for(no_login.advocate)
    advocate.get(_access_url(no_login))
    _activate(_issue(api_for, no_login))
    advocate.post(_end_url(no_login))
    api_for(no_login.supervisor).post(_access_url(no_login))

    events = list(
        AccessEvent.objects.filter(case_id=no_login.case.pk).values_list(
            "action", "outcome", "basis", "user_id"
        )
    )

    allowed = ("manage_portal", "allowed", "primary_advocate", no_login.advocate.pk)
    assert events.count(allowed) == 3
    activated = User.objects.get(sign_in_name="river-fox").pk
    assert ("activate_portal", "allowed", "young_person", activated) in events
    assert ("manage_portal", "denied", "", no_login.supervisor.pk) in events
