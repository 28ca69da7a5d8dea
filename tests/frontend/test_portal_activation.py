"""Portal access for young people (R42): the care team gives a one-time code from the case
page; the young person turns it into their own login at /my/activate/."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Person
from cases.portal_access import PortalActivation
from consent.models import AccessEvent
from tasks.models import Notification
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

ACTIVATE = "/my/activate/"
PASSWORD = "a long river stone 42"
CODE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _access_url(world: World) -> str:
    return reverse("frontend:portal-access", kwargs={"case_id": world.case.pk})


@pytest.fixture
def no_login(world: World) -> World:
    """The world's young person as every real one starts: no portal login yet."""
    Person.objects.filter(pk=world.case.person_id).update(user=None)
    world.case.person.refresh_from_db()
    return world


def _issue(world: World, language: str = "en") -> str:
    response = _client(world.advocate).post(_access_url(world), {"language": language})
    assert response.status_code == 200
    return CODE.search(response.content.decode()).group(1)


def _activate(code: str, name: str = "river-fox", password: str = PASSWORD) -> Client:
    client = Client()
    client.response = client.post(  # type: ignore[attr-defined]
        ACTIVATE,
        {"code": code, "sign_in_name": name, "password1": password, "password2": password},
    )
    return client


def test_r42_the_care_team_gives_a_code_and_the_young_person_starts_their_portal(
    no_login: World,
) -> None:
    code = _issue(no_login)
    client = _activate(code.lower().replace("-", " "))
    assert client.response.status_code == 302  # type: ignore[attr-defined]
    assert client.response["Location"] == reverse("frontend:portal-home")  # type: ignore[attr-defined]
    assert client.get(reverse("frontend:portal-home")).status_code == 200
    person = Person.objects.select_related("user").get(pk=no_login.case.person_id)
    assert person.user.sign_in_name == "river-fox" and person.user.email is None


def test_r42_the_young_person_signs_in_later_with_their_own_sign_in_name(no_login: World) -> None:
    _activate(_issue(no_login), name="River-Fox")
    client = Client()
    response = client.post(
        reverse("frontend:sign-in"), {"username": "river-fox", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("frontend:portal-consents")).status_code == 200


def test_r42_the_code_is_shown_once_and_only_its_hash_is_kept(no_login: World) -> None:
    code = _issue(no_login)
    page = _client(no_login.advocate).get(_access_url(no_login)).content.decode()
    assert code not in page and "A code is waiting to be used" in page
    stored = PortalActivation.objects.get()
    assert code.replace("-", "")[4:] not in stored.code_hash


def test_r42_a_code_works_once(no_login: World) -> None:
    code = _issue(no_login)
    _activate(code)
    again = _activate(code, name="someone-else")
    assert again.response.status_code == 400  # type: ignore[attr-defined]
    assert "That code did not work" in again.response.content.decode()  # type: ignore[attr-defined]
    assert not User.objects.with_sign_in_name("someone-else").exists()


def test_r42_a_code_expires_after_72_hours(no_login: World) -> None:
    code = _issue(no_login)
    with time_machine.travel(timezone.now() + timedelta(hours=72, seconds=1)):
        late = _activate(code)
    assert late.response.status_code == 400  # type: ignore[attr-defined]
    assert Person.objects.get(pk=no_login.case.person_id).user_id is None


def test_r42_a_code_still_works_just_before_it_expires(no_login: World) -> None:
    code = _issue(no_login)
    with time_machine.travel(timezone.now() + timedelta(hours=71, minutes=59)):
        assert _activate(code).response.status_code == 302  # type: ignore[attr-defined]


def test_r42_five_wrong_tries_lock_the_code(no_login: World) -> None:
    code = _issue(no_login)
    wrong = code[:5] + ("AAAA" if code[5:9] != "AAAA" else "BBBB") + code[9:]
    for _ in range(5):
        assert _activate(wrong).response.status_code == 400  # type: ignore[attr-defined]
    right = _activate(code)
    assert right.response.status_code == 400  # type: ignore[attr-defined]
    assert Person.objects.get(pk=no_login.case.person_id).user_id is None
    refused = AccessEvent.objects.filter(action="activate_portal", outcome="denied")
    assert refused.count() == 5 and set(refused.values_list("basis", flat=True)) == {""}


def test_r42_wrong_unknown_used_and_expired_codes_get_the_same_answer(no_login: World) -> None:
    code = _issue(no_login)
    answers = {_activate("ZZZZ-ZZZZ-ZZZZ").response.content}  # type: ignore[attr-defined]
    _activate(code)
    answers.add(_activate(code).response.content)  # type: ignore[attr-defined]
    # The form gives back what was typed; nothing else may differ.
    typed = re.compile(rb'(name="(csrfmiddlewaretoken|code)"[^>]*?value=)"[^"]+"')
    assert len({typed.sub(rb"\1", answer) for answer in answers}) == 1


def test_r42_a_new_code_ends_the_old_code_the_password_and_every_session(
    no_login: World,
) -> None:
    first = _issue(no_login)
    portal = _activate(first)
    assert portal.get(reverse("frontend:portal-home")).status_code == 200
    second = _issue(no_login)
    assert portal.get(reverse("frontend:portal-home")).status_code == 302  # signed out
    signing_in = Client().post(
        reverse("frontend:sign-in"), {"username": "river-fox", "password": PASSWORD}
    )
    assert signing_in.status_code == 200  # the password no longer works
    assert _activate(first, name="river-fox").response.status_code == 400  # type: ignore[attr-defined]
    assert _activate(second, name="river-fox").response.status_code == 302  # type: ignore[attr-defined]


def test_r42_ending_portal_access_signs_out_and_refuses_sign_in(no_login: World) -> None:
    portal = _activate(_issue(no_login))
    response = _client(no_login.advocate).post(_access_url(no_login), {"end": "1"})
    assert response.status_code == 302
    assert portal.get(reverse("frontend:portal-home")).status_code == 302
    signing_in = Client().post(
        reverse("frontend:sign-in"), {"username": "river-fox", "password": PASSWORD}
    )
    assert signing_in.status_code == 200
    page = _client(no_login.advocate).get(_access_url(no_login)).content.decode()
    assert "Give portal access" in page


def test_r42_r28_no_code_is_ever_sent_on_any_channel(no_login: World) -> None:
    rule = no_login.case.person.safe_contact
    rule.allowed_channels, rule.email = ["email", "sms"], "safe@example.org"
    rule.save()
    notifications = Notification.objects.count()
    _issue(no_login)
    assert mail.outbox == [] and Notification.objects.count() == notifications


def test_r42_the_slip_names_no_one_and_comes_in_spanish(no_login: World) -> None:
    person = no_login.case.person
    response = _client(no_login.advocate).post(_access_url(no_login), {"language": "es"})
    page = response.content.decode()
    slip = page[page.index('class="card slip"') :]
    slip = slip[: slip.index("</section>")]
    assert "Su código" in slip or "Tu código" in slip
    for name in (person.alias, person.legal_name, no_login.lead.name):
        if name:
            assert name not in slip


def test_r42_the_advocate_sees_the_last_sign_in_but_not_what_was_done(no_login: World) -> None:
    portal = _activate(_issue(no_login))
    portal.get(reverse("frontend:portal-consents"))
    page = _client(no_login.advocate).get(_access_url(no_login)).content.decode()
    assert "Last signed in" in page
    case_page = _client(no_login.advocate).get(
        reverse("frontend:case", kwargs={"case_id": no_login.case.pk})
    )
    assert "last signed in" in case_page.content.decode()


@pytest.mark.parametrize("persona", ["other_advocate", "partner_staff", "org_admin"])
def test_r42_only_the_care_team_gives_portal_access(no_login: World, persona: str) -> None:
    response = _client(getattr(no_login, persona)).post(_access_url(no_login), {"language": "en"})
    assert response.status_code == 404
    assert not PortalActivation.objects.exists()


def test_r42_a_supervisor_sees_portal_access_on_the_case_but_cannot_give_it(
    no_login: World,
) -> None:
    response = _client(no_login.supervisor).post(_access_url(no_login), {"language": "en"})
    assert response.status_code == 403
    assert not PortalActivation.objects.exists()


def test_r42_giving_and_ending_portal_access_are_in_the_access_log(no_login: World) -> None:
    _activate(_issue(no_login))
    _client(no_login.advocate).post(_access_url(no_login), {"end": "1"})
    actions = list(
        AccessEvent.objects.filter(case_id=no_login.case.pk, outcome="allowed").values_list(
            "action", "basis"
        )
    )
    assert actions.count(("manage_portal", "primary_advocate")) >= 2
    assert ("activate_portal", "young_person") in actions


def test_r42_a_sign_in_name_is_unique_in_any_letter_case_and_never_an_e_mail(
    no_login: World,
) -> None:
    f.UserFactory(email=None, sign_in_name="taken-name")
    code = _issue(no_login)
    taken = _activate(code, name="TAKEN-name")
    assert "This sign-in name is taken" in taken.response.content.decode()  # type: ignore[attr-defined]
    with_at = _activate(code, name="me@example.org")
    assert "No spaces and no @" in with_at.response.content.decode()  # type: ignore[attr-defined]
    assert _activate(code, name="fresh-name").response.status_code == 302  # type: ignore[attr-defined]


def test_r42_a_weak_password_is_refused_and_the_code_still_works(no_login: World) -> None:
    code = _issue(no_login)
    weak = _activate(code, password="password")
    assert weak.response.status_code == 400  # type: ignore[attr-defined]
    assert _activate(code).response.status_code == 302  # type: ignore[attr-defined]


def test_r32_the_activation_page_has_the_quick_exit_and_is_never_cached(db: None) -> None:
    response = Client().get(ACTIVATE)
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "quick-exit" in page and "Browsing leaves traces" in page
    assert "<title>My account" in page


def test_r42_the_activation_page_is_rate_limited_per_address(db: None, settings) -> None:
    settings.HARBOR = {**settings.HARBOR, "PORTAL_ACTIVATION_RATE": "3/m"}
    with time_machine.travel(timezone.now().replace(second=1), tick=False):  # one clock minute
        statuses = [_activate("ABCD-EFGH-JKMN").response.status_code for _ in range(4)]  # type: ignore[attr-defined]
    assert statuses == [400, 400, 400, 429]
