"""Invitations through the API (issue 17): org admins invite to their organization, the site
operator invites organizations' admins and no one else; the list never shows a link's token;
resending ends the old link; the invited person accepts with a password, sets up two-step
sign-in and gets a token, all without the web app."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from providers.invitations import Invitation
from providers.models import Membership, MembershipChange
from tests import factories as f
from tests.conftest import World
from tests.two_factor import app_code

pytestmark = pytest.mark.django_db

PASSWORD = "a long and lovely password 9"
TOKEN = re.compile(r"https?://[^\s]+/invitations/([A-Za-z0-9_-]+)/")
LIST = "invitation-list"


@pytest.fixture
def operator(db: None) -> User:
    """The site operator: staff, the operate_site permission, no role in any organization."""
    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="operate_site", content_type__app_label="providers")
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], Any]], Any]:
    """Run a request with its commit callbacks (the e-mails leave on commit)."""

    def run(request: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def invite(
    client: APIClient,
    organization: int,
    email: str = "new.person@example.org",
    role: str = "advocate",
) -> Any:
    body = {"organization": organization, "email": email, "full_name": "New Person", "role": role}
    return client.post(reverse(LIST), body, format="json")


def last_token() -> str:
    return TOKEN.search(mail.outbox[-1].body).group(1)


def accept(token: str, password: str = PASSWORD) -> Any:
    return APIClient().post(
        reverse("invitation-accept"), {"token": token, "password": password}, format="json"
    )


def rows(response: Any) -> list[dict]:
    return response.json()["results"]


# -- Inviting ---------------------------------------------------------------------------------


def test_an_org_admin_invites_a_person_and_the_answer_carries_no_token(
    world: World, api_for, committed
) -> None:
    response = committed(lambda: invite(api_for(world.org_admin), world.lead.pk))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["membership"] is None
    invitation = body["invitation"]
    assert set(invitation) == {
        "id",
        "organization",
        "email",
        "full_name",
        "role",
        "created_at",
        "expires_at",
        "invited_by",
    }
    assert invitation["email"] == "new.person@example.org"
    assert invitation["invited_by"] == world.org_admin.pk
    [sent] = mail.outbox
    assert sent.to == ["new.person@example.org"]
    assert last_token() not in response.content.decode()


def test_the_invitation_email_names_no_young_person(world: World, api_for, committed) -> None:
    person = world.case.person
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))

    text = mail.outbox[-1].subject + mail.outbox[-1].body
    for name in (person.alias, person.legal_name, person.chosen_name):
        assert not name or name not in text
    assert "Harbor" in text


def test_inviting_someone_who_signs_in_already_gives_the_role_at_once(
    world: World, api_for, committed
) -> None:
    response = committed(
        lambda: invite(api_for(world.org_admin), world.lead.pk, world.partner_staff.email)
    )

    assert response.status_code == 201, response.content
    membership = Membership.objects.get(user=world.partner_staff, organization=world.lead)
    assert response.json() == {"invitation": None, "membership": membership.pk}
    assert membership.role == "advocate" and membership.is_active
    assert not Invitation.objects.filter(email=world.partner_staff.email).exists()
    assert "new role" in mail.outbox[-1].body


def test_the_site_operator_invites_an_organizations_first_admin(
    world: World, api_for, operator, committed
) -> None:
    assert not world.partner.memberships.filter(role="org_admin").exists()

    response = committed(
        lambda: invite(api_for(operator), world.partner.pk, "first.admin@example.org", "org_admin")
    )

    assert response.status_code == 201, response.content
    assert response.json()["invitation"]["invited_by"] == operator.pk
    accepted = accept(last_token())
    assert accepted.status_code == 200, accepted.content
    admin = User.objects.get(email="first.admin@example.org")
    assert admin.memberships.get().role == "org_admin"
    change = MembershipChange.objects.get(member=admin)
    assert change.actor == operator


def test_the_site_operator_invites_no_admin_where_an_organization_has_one(
    world: World, api_for, operator, committed
) -> None:
    at_the_lead = invite(api_for(operator), world.lead.pk, "second@example.org", "org_admin")
    committed(lambda: invite(api_for(operator), world.partner.pk, "first@example.org", "org_admin"))
    accept(last_token())
    second_at_partner = invite(api_for(operator), world.partner.pk, "x@example.org", "org_admin")

    assert at_the_lead.status_code == second_at_partner.status_code == 403
    assert "first admin" in at_the_lead.json()["detail"]
    assert not Invitation.objects.filter(email__in=["second@example.org", "x@example.org"])


@pytest.mark.parametrize("role", ["advocate", "supervisor", "intake"])
def test_the_site_operator_invites_no_one_but_admins(world: World, api_for, operator, role) -> None:
    response = invite(api_for(operator), world.partner.pk, role=role)

    assert response.status_code == 403, response.content
    assert not Invitation.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "persona", ["advocate", "supervisor", "intake", "partner_staff", "young_person", "superuser"]
)
def test_only_admins_invite(world: World, api_for, persona) -> None:
    """Staff in other roles and young people are refused. The world's superuser has no role
    anywhere, so it is a site operator: an advocate is no role it gives."""
    response = invite(api_for(getattr(world, persona)), world.lead.pk)

    assert response.status_code == 403, response.content
    assert not Invitation.objects.exists()


def test_signed_out_requests_are_refused(world: World, api_for) -> None:
    assert invite(api_for(None), world.lead.pk).status_code in (401, 403)
    assert api_for(None).get(reverse(LIST)).status_code in (401, 403)


def test_an_organization_an_admin_may_not_invite_to_answers_as_a_missing_one(
    world: World, api_for
) -> None:
    client = api_for(world.org_admin)

    forbidden = invite(client, world.partner.pk)
    missing = invite(client, 10**15)

    assert forbidden.status_code == missing.status_code == 400
    assert list(forbidden.json()) == ["organization"]
    named = forbidden.content.decode().replace(str(world.partner.pk), "ID")
    assert named == missing.content.decode().replace(str(10**15), "ID")
    assert not Invitation.objects.exists()


def test_field_errors_of_the_service_are_field_messages(world: World, api_for) -> None:
    bad_role = invite(api_for(world.org_admin), world.lead.pk, role="boss")
    operator_account = invite(api_for(world.org_admin), world.lead.pk, world.superuser.email)

    assert bad_role.status_code == 400 and "role" in bad_role.json()
    assert operator_account.status_code == 400 and "email" in operator_account.json()


def test_an_admin_cannot_invite_themself_to_a_case_reading_role(world: World, api_for) -> None:
    response = invite(api_for(world.org_admin), world.lead.pk, world.org_admin.email)

    assert response.status_code == 403, response.content


# -- Listing ----------------------------------------------------------------------------------


def test_admins_list_their_organizations_pending_invitations_and_no_token(
    world: World, api_for, operator
) -> None:
    ours = invite(api_for(world.org_admin), world.lead.pk).json()["invitation"]["id"]
    partner_admin = f.MembershipFactory(organization=world.partner, role="org_admin").user
    theirs = invite(api_for(partner_admin), world.partner.pk, "x@example.org").json()
    theirs_id = theirs["invitation"]["id"]

    listed = api_for(world.org_admin).get(reverse(LIST))

    assert listed.status_code == 200
    assert [row["id"] for row in rows(listed)] == [ours]
    assert "token" not in listed.content.decode().lower()
    detail = api_for(world.org_admin).get(reverse("invitation-detail", args=[theirs_id]))
    assert detail.status_code == 404
    for persona in ("advocate", "supervisor", "young_person", "partner_staff"):
        assert rows(api_for(getattr(world, persona)).get(reverse(LIST))) == []
    assert rows(api_for(operator).get(reverse(LIST))) == []  # no admin invitations yet


def test_the_operator_lists_admin_invitations_everywhere_and_nothing_else(
    world: World, api_for, operator
) -> None:
    invite(api_for(world.org_admin), world.lead.pk)  # an advocate: not the operator's
    admin_invitation = invite(
        api_for(operator), world.partner.pk, "first.admin@example.org", "org_admin"
    ).json()["invitation"]["id"]
    second_admin = invite(
        api_for(world.org_admin), world.lead.pk, "second.admin@example.org", "org_admin"
    ).json()["invitation"]["id"]

    listed = api_for(operator).get(reverse(LIST))

    assert sorted(row["id"] for row in rows(listed)) == sorted([admin_invitation, second_admin])
    assert all(row["role"] == "org_admin" for row in rows(listed))


def test_accepted_cancelled_and_expired_invitations_are_not_listed(
    world: World, api_for, committed
) -> None:
    client = api_for(world.org_admin)
    committed(lambda: invite(client, world.lead.pk, "a@example.org"))
    accept(last_token())
    cancelled = invite(client, world.lead.pk, "b@example.org").json()["invitation"]["id"]
    client.post(reverse("invitation-cancel", args=[cancelled]))
    invite(client, world.lead.pk, "c@example.org")

    assert [row["email"] for row in rows(client.get(reverse(LIST)))] == ["c@example.org"]
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert rows(client.get(reverse(LIST))) == []


# -- Resending and cancelling -----------------------------------------------------------------


def test_resending_ends_the_old_link_and_sends_a_new_one(world: World, api_for, committed) -> None:
    client = api_for(world.org_admin)
    first = committed(lambda: invite(client, world.lead.pk)).json()["invitation"]["id"]
    old_token = last_token()

    resent = committed(lambda: client.post(reverse("invitation-resend", args=[first])))

    assert resent.status_code == 201, resent.content
    assert resent.json()["id"] != first
    new_token = last_token()
    assert new_token != old_token and len(mail.outbox) == 2
    refused = accept(old_token)
    assert refused.status_code == 400 and "token" in refused.json()
    assert accept(new_token).status_code == 200


def test_cancelling_ends_the_link(world: World, api_for, committed) -> None:
    client = api_for(world.org_admin)
    invitation = committed(lambda: invite(client, world.lead.pk)).json()["invitation"]["id"]

    response = client.post(reverse("invitation-cancel", args=[invitation]))

    assert response.status_code == 204
    refused = accept(last_token())
    assert refused.status_code == 400 and "token" in refused.json()
    assert not User.objects.filter(email="new.person@example.org").exists()
    assert rows(client.get(reverse(LIST))) == []


@pytest.mark.parametrize("action", ["invitation-resend", "invitation-cancel"])
@pytest.mark.parametrize("persona", ["advocate", "supervisor", "partner_staff", "young_person"])
def test_others_cannot_resend_or_cancel_and_the_id_answers_as_a_missing_one(
    world: World, api_for, action, persona
) -> None:
    invitation = invite(api_for(world.org_admin), world.lead.pk).json()["invitation"]["id"]
    client = api_for(getattr(world, persona))

    real = client.post(reverse(action, args=[invitation]))
    missing = client.post(reverse(action, args=[10**15]))

    assert real.status_code == missing.status_code == 404
    assert real.content == missing.content
    assert Invitation.objects.get(pk=invitation).ended_at is None


def test_the_operator_resends_and_cancels_admin_invitations_only(
    world: World, api_for, operator
) -> None:
    advocate_invitation = invite(api_for(world.org_admin), world.lead.pk).json()["invitation"]
    admin_invitation = invite(
        api_for(operator), world.partner.pk, "first.admin@example.org", "org_admin"
    ).json()["invitation"]
    client = api_for(operator)

    cancel = client.post(reverse("invitation-cancel", args=[advocate_invitation["id"]]))
    resend = client.post(reverse("invitation-resend", args=[admin_invitation["id"]]))

    assert cancel.status_code == 404
    assert resend.status_code == 201


# -- Accepting --------------------------------------------------------------------------------


def test_accepting_sets_the_password_and_gives_the_role(world: World, api_for, committed) -> None:
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))

    response = accept(last_token())

    assert response.status_code == 200, response.content
    assert response.json() == {
        "email": "new.person@example.org",
        "two_factor_required": True,
        "two_factor_set_up": False,
    }
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password(PASSWORD)
    assert user.memberships.get(organization=world.lead).role == "advocate"


def test_a_link_works_once(world: World, api_for, committed) -> None:
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))
    token = last_token()
    assert accept(token).status_code == 200

    again = accept(token, "another long password 77")

    assert again.status_code == 400
    assert "token" in again.json()
    assert User.objects.get(email="new.person@example.org").check_password(PASSWORD)


def test_an_expired_link_is_refused(world: World, api_for, committed) -> None:
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = accept(last_token())

    assert response.status_code == 400
    assert "token" in response.json()


def test_an_unknown_link_gets_the_same_answer_as_a_used_one(
    world: World, api_for, committed
) -> None:
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))
    token = last_token()
    accept(token)

    assert accept(token).json() == accept("not-a-real-token").json()


def test_a_weak_password_is_refused_with_a_field_message(world: World, api_for, committed) -> None:
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))

    response = accept(last_token(), "password")

    assert response.status_code == 400
    assert response.json()["password"]
    assert not Membership.objects.filter(user__email="new.person@example.org").exists()
    assert accept(last_token()).status_code == 200  # the link still works


def test_accepting_needs_its_fields(db: None) -> None:
    response = APIClient().post(reverse("invitation-accept"), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"token", "password"}


def test_the_whole_way_in_through_the_api(world: World, api_for, committed) -> None:
    """Invited, accepted, the authenticator app set up, a token, and the person's roles."""
    committed(lambda: invite(api_for(world.org_admin), world.lead.pk))
    assert accept(last_token()).status_code == 200
    anonymous = APIClient()
    credentials = {"username": "New.Person@example.org", "password": PASSWORD}

    without_app = anonymous.post(reverse("auth-token"), credentials, format="json")
    set_up = anonymous.post(reverse("auth-two-factor"), credentials, format="json")
    device = User.objects.get(email="new.person@example.org").totpdevice_set.get()
    issued = anonymous.post(
        reverse("auth-token"), {**credentials, "code": app_code(device)}, format="json"
    )

    assert without_app.status_code == 400 and "code" in without_app.json()
    assert set_up.status_code == 200 and set_up.json()["otpauth_uri"].startswith("otpauth://")
    assert issued.status_code == 200, issued.content
    assert len(issued.json()["backup_codes"]) == 10
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert me.get(reverse("me")).json()["roles"] == {str(world.lead.pk): ["advocate"]}


def test_accepting_is_limited_per_address(db: None, settings: Any) -> None:
    settings.HARBOR = {**settings.HARBOR, "INVITATION_ACCEPT_RATE": "2/m"}
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        assert accept("a-guess").status_code == 400
        assert accept("another-guess").status_code == 400
        refused = accept("a-third-guess")

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
