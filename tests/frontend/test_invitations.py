"""Invitations (issue 17): staff get into Harbor from an e-mailed one-time link that expires;
admins resend (ending the old link) and cancel; "Forgot your password?" sends a pending
invitation again and never says whether an address exists."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from providers.invitations import Invitation
from providers.models import Membership, MembershipChange
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

PASSWORD = "a long and lovely password 9"
LINK = re.compile(r"https?://[^\s]+/invitations/([A-Za-z0-9_-]+)/")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


_ON_COMMIT: list[Any] = []


@pytest.fixture(autouse=True)
def _mail_goes_on_commit(django_capture_on_commit_callbacks: Any) -> Iterator[None]:
    """Invitation e-mails leave when the transaction commits: each request in these tests
    runs its commit callbacks as it ends (``_committed``)."""
    _ON_COMMIT.append(django_capture_on_commit_callbacks)
    yield
    _ON_COMMIT.clear()


def _committed(request: Callable[[], Any]) -> Any:
    with _ON_COMMIT[-1](execute=True):
        return request()


def _invite(world: World, email: str = "new.person@example.org", role: str = "advocate") -> str:
    url = reverse("frontend:organization-add-member", kwargs={"organization_id": world.lead.pk})
    response = _committed(
        lambda: _client(world.org_admin).post(
            url, {"email": email, "full_name": "New Person", "role": role}
        )
    )
    assert response.status_code == 302
    return LINK.search(mail.outbox[-1].body).group(0)


def _accept(link: str, password: str = PASSWORD) -> tuple[Client, object]:
    client = Client()
    response = client.post(link, {"password1": password, "password2": password})
    return client, response


def test_an_invited_person_chooses_a_password_and_goes_on_to_two_step_set_up(
    world: World,
) -> None:
    link = _invite(world)
    client, response = _accept(link)
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password(PASSWORD) and user.full_name == "New Person"
    assert Membership.objects.filter(user=user, organization=world.lead, role="advocate").exists()
    caseload = client.get(reverse("frontend:caseload"))
    assert (
        "/account/security/set-up/" in caseload["Location"]
        or "/sign-in/code/" in (caseload["Location"])
    )


def test_the_invitation_e_mail_says_only_that_an_account_is_waiting(world: World) -> None:
    person = world.case.person
    _invite(world)
    message = mail.outbox[-1]
    text = message.subject + message.body
    assert "An account at Harbor is waiting for you." in text
    for private in (person.alias, person.legal_name, world.lead.name, "New Person"):
        if private:
            assert private not in text


def test_an_invitation_link_works_once(world: World) -> None:
    link = _invite(world)
    _accept(link)
    _, again = _accept(link, "another good password 77")
    assert again.status_code == 404
    assert User.objects.get(email="new.person@example.org").check_password(PASSWORD)


def test_an_invitation_link_expires_after_seven_days(world: World) -> None:
    link = _invite(world)
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        _, late = _accept(link)
    assert late.status_code == 404
    assert not Membership.objects.filter(user__email="new.person@example.org").exists()


def test_resending_ends_the_old_link(world: World) -> None:
    old = _invite(world)
    invitation = Invitation.objects.get()
    response = _committed(
        lambda: _client(world.org_admin).post(
            reverse(
                "frontend:organization-invitation-resend", kwargs={"invitation_id": invitation.pk}
            )
        )
    )
    assert response.status_code == 302
    new = LINK.search(mail.outbox[-1].body).group(0)
    assert new != old
    assert _accept(old)[1].status_code == 404
    assert _accept(new)[1].status_code == 302


def test_a_cancelled_invitation_link_no_longer_works(world: World) -> None:
    link = _invite(world)
    invitation = Invitation.objects.get()
    _client(world.org_admin).post(
        reverse("frontend:organization-invitation-cancel", kwargs={"invitation_id": invitation.pk})
    )
    assert _accept(link)[1].status_code == 404
    page = _client(world.org_admin).get(reverse("frontend:organization")).content.decode()
    assert "new.person@example.org" not in page


def test_admins_see_pending_invitations(world: World) -> None:
    _invite(world)
    page = _client(world.org_admin).get(reverse("frontend:organization")).content.decode()
    assert "Invitations waiting for an answer" in page and "new.person@example.org" in page


def test_inviting_someone_with_an_account_adds_the_role_and_tells_them(world: World) -> None:
    existing = f.UserFactory(email="colleague@example.org")
    url = reverse("frontend:organization-add-member", kwargs={"organization_id": world.lead.pk})
    _committed(
        lambda: _client(world.org_admin).post(url, {"email": existing.email, "role": "intake"})
    )
    assert Membership.objects.filter(user=existing, organization=world.lead, role="intake").exists()
    assert "You have a new role in Harbor" in mail.outbox[-1].body
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_themself_to_a_case_reading_role(world: World) -> None:
    url = reverse("frontend:organization-add-member", kwargs={"organization_id": world.lead.pk})
    response = _client(world.org_admin).post(
        url, {"email": world.org_admin.email, "role": "supervisor"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=world.org_admin, role="supervisor").exists()


def test_accepting_records_the_role_as_given_by_the_inviting_admin(world: World) -> None:
    _accept(_invite(world, role="supervisor"))
    change = MembershipChange.objects.filter(member__email="new.person@example.org").get()
    assert change.actor_id == world.org_admin.pk and change.to_role == "supervisor"


def test_a_weak_password_is_refused_and_the_link_still_works(world: World) -> None:
    link = _invite(world)
    assert _accept(link, "password")[1].status_code == 400
    assert _accept(link)[1].status_code == 302


def test_forgot_password_resends_a_pending_invitation(world: World) -> None:
    old = _invite(world)
    sent = len(mail.outbox)
    response = _committed(
        lambda: Client().post(
            reverse("frontend:password-reset"), {"email": "new.person@example.org"}
        )
    )
    assert response.status_code == 302
    assert len(mail.outbox) == sent + 1
    new = LINK.search(mail.outbox[-1].body).group(0)
    assert new != old and _accept(old)[1].status_code == 404


def test_forgot_password_answers_alike_for_unknown_and_passwordless_addresses(
    world: World,
) -> None:
    User.objects.create_user(email="no.password@example.org", password=None)
    sent = len(mail.outbox)
    pages = [
        _committed(
            lambda email=email: Client().post(
                reverse("frontend:password-reset"), {"email": email}, follow=True
            )
        )
        for email in ("no.password@example.org", "nobody.at.all@example.org")
    ]
    assert len(mail.outbox) == sent
    per_request = re.compile(rb'(nonce|data-csrf-token|value)="[^"]+"')  # nonces, CSRF tokens
    assert per_request.sub(b"", pages[0].content) == per_request.sub(b"", pages[1].content)
    assert pages[0].redirect_chain == pages[1].redirect_chain


def test_only_the_organizations_admins_resend_or_cancel(world: World) -> None:
    _invite(world)
    invitation = Invitation.objects.get()
    for persona in ("advocate", "supervisor", "partner_staff"):
        for name in ("organization-invitation-resend", "organization-invitation-cancel"):
            url = reverse(f"frontend:{name}", kwargs={"invitation_id": invitation.pk})
            assert _client(getattr(world, persona)).post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.ended_at is None
