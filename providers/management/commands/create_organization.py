"""``manage.py create_organization --name NAME --admin-email EMAIL [--admin-name NAME]
[--kind KIND] [--receives-referrals-only]``.

For scripted installs (issue 17): creates a member organization and invites its first org
admin, who gets an e-mail with a one-time link (``HARBOR_SITE_URL`` must say where Harbor is
served). Both or neither: a refused invitation leaves no organization behind. The change is
recorded with no actor, meaning a management command. Prints ids, not the address.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from providers.inviting import invite_member
from providers.models import Membership, OrganizationKind
from providers.operating import open_organization


class Command(BaseCommand):
    help = "Create a member organization and invite its first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The organization's name.")
        parser.add_argument(
            "--admin-email", required=True, help="Where the first admin's invitation goes."
        )
        parser.add_argument("--admin-name", default="", help="The first admin's name.")
        parser.add_argument(
            "--kind",
            default=OrganizationKind.COMMUNITY_BASED,
            choices=OrganizationKind.values,
            help="The kind of organization (default: community_based).",
        )
        parser.add_argument(
            "--receives-referrals-only",
            action="store_true",
            help="The organization never leads cases; it only receives referrals.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                organization = open_organization(
                    name=options["name"],
                    kind=options["kind"],
                    leads_cases=not options["receives_referrals_only"],
                    actor=None,
                )
                invited = invite_member(
                    organization=organization,
                    email=options["admin_email"],
                    full_name=options["admin_name"],
                    role=Membership.Role.ORG_ADMIN,
                    actor=None,
                )
        except ValidationError as error:
            problems = [f"  {field}: {' '.join(msgs)}" for field, msgs in _messages(error)]
            raise CommandError("Nothing was created.\n" + "\n".join(problems)) from None
        if invited.membership is not None:
            said = "the admin already signs in to Harbor and has the role now"
        else:
            said = f"invitation {invited.invitation.pk} sent to the admin"
        self.stdout.write(f"Organization {organization.pk} created; {said}.")


def _messages(error: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        return list(error.message_dict.items())
    return [("error", error.messages)]
