"""``manage.py verify_access_log``: walk the access log's hash chain (R27)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consent.access_log import verify_chain
from consent.models import AccessEvent


class Command(BaseCommand):
    help = "Check that no access event was edited or removed; exits non-zero at a broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(str(broken))
        count = AccessEvent.objects.count()
        self.stdout.write(f"access log intact: {count} events")
