"""``manage.py reset_two_factor <e-mail>``: for a person who lost their app and backup codes.

Check who is asking through your organization's usual identity check before running it: the
command removes the person's second factor and ends every session and token they hold.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.two_factor import reset_second_factor


class Command(BaseCommand):
    help = "Remove a person's two-step sign-in and end their sessions; they set it up again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        user = User.objects.with_email(email).first()
        if user is None:
            raise CommandError("No account has that e-mail address.")
        reset_second_factor(user)
        self.stdout.write(f"Two-step sign-in reset for user {user.pk}; every session ended.\n")
