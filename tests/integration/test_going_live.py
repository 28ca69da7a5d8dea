"""README's "Going live", followed literally through the API (issue 17): from an empty database,
with no demo data and no shell, to the first young person reading their portal.

The operator account is made with ``createsuperuser``, as the README says; everything after
that is HTTP requests, each person on a device (an address) of their own: the invitation links
come from the e-mails, the authenticator codes from the key the API gives, the portal code from
the advocate's answer. The test body writes nothing to the database itself; it reads the
e-mails. The same walk through the pages is tests/frontend/browser/test_going_live.py.
"""

import re
from base64 import b32decode
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from accounts.models import User
from providers.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)  # e-mails leave when a request commits

SITE_URL = "https://harbor.example.org"
OPERATOR_EMAIL = "operator@harbor.example.org"
OPERATOR_PASSWORD = "the operator keeps the lighthouse"
LEAD_ADMIN = "admin@harbor-youth.example.org"
PARTNER_ADMIN = "admin@shelter.example.org"
ADVOCATE = "ada@harbor-youth.example.org"
PARTNER_ADVOCATE = "pat@shelter.example.org"
STAFF_PASSWORD = "seven gulls over the breakwater"
INVITATION_TOKEN = re.compile(re.escape(SITE_URL) + r"/invitations/([^\s/]+)/")
SIGN_IN_NAME = "north-star"
YOUNG_PERSON_PASSWORD = "a quiet harbor at dawn"
ALIAS = "Robin"


class Device:
    """One person's device: an API client at an address of its own (the sign-in limits count
    per address), holding their token once they have one."""

    addresses = iter(f"192.0.2.{n}" for n in range(10, 60))

    def __init__(self) -> None:
        self.client = APIClient(REMOTE_ADDR=next(self.addresses))

    def post(self, name: str, body: dict | None = None, status: int = 200, **kwargs: Any) -> Any:
        response = self.client.post(reverse(name, kwargs=kwargs), body or {}, format="json")
        assert response.status_code == status, (name, response.content)
        return response.json()

    def get(self, name: str, **kwargs: Any) -> Any:
        response = self.client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, (name, response.content)
        return response.json()

    def sign_in(self, username: str, password: str, code: str | None = None) -> dict:
        body = {"username": username, "password": password}
        if code is not None:
            body["code"] = code
        answer = self.post("auth-token", body)
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {answer['token']}")
        return answer

    def set_up_two_step_and_sign_in(self, email: str, password: str) -> None:
        """The key to add to an authenticator app; the app's first code confirms it and signs
        in, and that answer alone carries the backup codes."""
        pending = self.post("auth-two-factor", {"username": email, "password": password})
        assert pending["otpauth_uri"].startswith("otpauth://totp/")
        answer = self.sign_in(email, password, code=app_code(pending["secret"]))
        assert len(answer["backup_codes"]) == 10


def app_code(secret: str) -> str:
    """The code an authenticator app shows now for a key typed in base32."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def invitation_token(email: str) -> str:
    """The one-time token at the end of the link in the invitation e-mailed to this address."""
    sent = [message for message in mail.outbox if email in message.to]
    assert len(sent) == 1, f"expected one e-mail to {email}, found {len(sent)}"
    found = INVITATION_TOKEN.search(sent[0].body)
    assert found, f"no invitation link in the e-mail to {email}"
    return found.group(1)


def accept_and_sign_in(email: str) -> Device:
    """Follow the e-mailed link: choose a password, set up two-step sign-in, get a token."""
    device = Device()
    accepted = device.post(
        "invitation-accept", {"token": invitation_token(email), "password": STAFF_PASSWORD}
    )
    assert accepted == {"email": email, "two_factor_required": True, "two_factor_set_up": False}
    device.set_up_two_step_and_sign_in(email, STAFF_PASSWORD)
    return device


def invite(device: Device, organization: int, email: str, name: str, role: str) -> None:
    body = {"organization": organization, "email": email, "full_name": name, "role": role}
    answer = device.post("invitation-list", body, status=201)
    assert answer["invitation"]["email"] == email and answer["membership"] is None


def test_going_live_through_the_api_from_an_empty_database_to_a_young_person_in_their_portal(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1. Settings: the links in e-mails point where people reach Harbor.
    settings.HARBOR = {**settings.HARBOR, "SITE_URL": SITE_URL}
    # 3. The database: migrated, and nothing in it yet.
    assert not User.objects.exists()
    assert not Organization.objects.exists()

    # 4. The site operator: `python manage.py createsuperuser`, then two-step sign-in.
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OPERATOR_PASSWORD)
    call_command("createsuperuser", interactive=False, email=OPERATOR_EMAIL, verbosity=0)
    operator = Device()
    operator.set_up_two_step_and_sign_in(OPERATOR_EMAIL, OPERATOR_PASSWORD)

    # 5. Organizations: one that leads cases, one that only receives referrals; their admins.
    lead = operator.post(
        "organization-list",
        {"name": "Harbor Youth", "kind": "survivor_led", "leads_cases": True},
        status=201,
    )
    partner = operator.post(
        "organization-list",
        {"name": "Safe Shelter", "kind": "housing", "leads_cases": False},
        status=201,
    )
    assert (lead["leads_cases"], partner["leads_cases"]) == (True, False)
    invite(operator, lead["id"], LEAD_ADMIN, "Admin of Harbor Youth", "org_admin")
    invite(operator, partner["id"], PARTNER_ADMIN, "Admin of Safe Shelter", "org_admin")

    # 6. Staff: each admin follows the e-mailed link and invites an advocate.
    lead_admin = accept_and_sign_in(LEAD_ADMIN)
    assert lead_admin.get("me")["roles"] == {str(lead["id"]): ["org_admin"]}
    invite(lead_admin, lead["id"], ADVOCATE, "Ada Advocate", "advocate")
    partner_admin = accept_and_sign_in(PARTNER_ADMIN)
    assert partner_admin.get("me")["roles"] == {str(partner["id"]): ["org_admin"]}
    invite(partner_admin, partner["id"], PARTNER_ADVOCATE, "Pat Partner", "advocate")
    advocate = accept_and_sign_in(ADVOCATE)
    partner_advocate = accept_and_sign_in(PARTNER_ADVOCATE)

    # 7. The first case, opened with an alias alone, and a code for the young person's portal.
    case = advocate.post(
        "case-list", {"lead_organization": lead["id"], "person": {"alias": ALIAS}}, status=201
    )
    assert advocate.get("case-portal-access", case_pk=case["id"])["has_login"] is False
    issued = advocate.post("case-portal-access", status=201, case_pk=case["id"])
    assert set(issued) == {"code", "expires_at"}

    # 8. The young person, on their own device: the code, a sign-in name and a password.
    young_person = Device()
    activated = young_person.post(
        "portal-activate",
        {
            "code": issued["code"],
            "sign_in_name": SIGN_IN_NAME,
            "password": YOUNG_PERSON_PASSWORD,
        },
    )
    assert activated == {"sign_in_name": SIGN_IN_NAME}
    assert "backup_codes" not in young_person.sign_in(SIGN_IN_NAME, YOUNG_PERSON_PASSWORD)
    me = young_person.get("me")
    assert me["person"] == case["person"]["id"] and me["roles"] == {} and me["email"] is None
    their_cases = young_person.get("case-list")["results"]
    assert [row["id"] for row in their_cases] == [case["id"]]
    assert their_cases[0]["person"]["alias"] == ALIAS

    # The advocate sees that the young person has signed in, not what they did.
    status = advocate.get("case-portal-access", case_pk=case["id"])
    assert status["has_login"] is True and status["last_sign_in"] is not None
    assert status["code_waiting"] is False

    # Nobody else reads the case: not the operator, the admins, nor the partner without a
    # consent.
    for outsider in (operator, lead_admin, partner_admin, partner_advocate):
        assert outsider.get("case-list")["results"] == []
    # No e-mail named the young person or carried the code.
    for message in mail.outbox:
        assert ALIAS not in message.body and issued["code"] not in message.body
