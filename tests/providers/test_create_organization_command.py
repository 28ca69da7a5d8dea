"""``manage.py create_organization`` (issue 17): scripted installs create an organization and
invite its first admin in one step, or nothing at all."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from providers.invitations import Invitation
from providers.models import Organization
from providers.organization_changes import OrganizationChange
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_organization", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_the_organization_and_mails_its_first_admin():
    said = _run(
        "--name",
        "Harborlight Youth",
        "--admin-email",
        "First.Admin@Example.org",
        "--admin-name",
        "First Admin",
        "--kind",
        "survivor_led",
    )

    organization = Organization.objects.get(name="Harborlight Youth")
    assert organization.leads_cases and organization.kind == "survivor_led"
    invitation = Invitation.objects.get(organization=organization)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "first.admin@example.org",
        "org_admin",
        None,
    )
    [message] = mail.outbox
    assert re.search(r"/invitations/[A-Za-z0-9_-]+/", message.body)
    assert f"Organization {organization.pk} created" in said
    assert "example.org" not in said  # ids, not addresses, in the operator's terminal
    change = OrganizationChange.objects.get(organization=organization)
    assert (change.action, change.actor) == ("created", None)


def test_an_organization_that_only_receives_referrals():
    _run("--name", "Clinic", "--admin-email", "a@example.org", "--receives-referrals-only")

    assert Organization.objects.get(name="Clinic").leads_cases is False


@pytest.mark.parametrize(
    ("email", "problem"),
    [("not an address", "valid e-mail"), ("operator@example.org", "site operator")],
)
def test_a_refused_admin_leaves_no_organization(email, problem):
    f.site_operator(email="operator@example.org")

    with pytest.raises(CommandError) as refused:
        _run("--name", "Harborlight Youth", "--admin-email", email)

    assert "Nothing was created" in str(refused.value)
    assert problem in str(refused.value)
    assert not Organization.objects.filter(name="Harborlight Youth").exists()
    assert not mail.outbox


def test_a_taken_name_is_refused():
    f.OrganizationFactory(name="Harborlight Youth")

    with pytest.raises(CommandError, match="already exists"):
        _run("--name", "harborlight youth", "--admin-email", "a@example.org")
