"""``manage.py verify_access_log``: check the access log's keyed chain and its checkpoints (R27)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.access_log_checkpoints import LogVerification, verify_access_log, write_checkpoint


class Command(BaseCommand):
    help = (
        "Check that no access event was edited, re-chained or removed, the newest ones included "
        "(against the latest signed checkpoint); exits non-zero on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="After a successful check, append a signed checkpoint of the head.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verification = verify_access_log()
        if not verification.intact:
            raise CommandError("access log broken:\n" + "\n".join(verification.problems))
        self.stdout.write(f"access log intact: {verification.events} events")
        self.stdout.write(_checkpoint_summary(verification))
        if options["checkpoint"]:
            written = write_checkpoint()
            self.stdout.write(
                f"checkpoint written: {written.events} events to {verification.checkpoints.path}"
            )


def _checkpoint_summary(verification: LogVerification) -> str:
    found = verification.checkpoints
    latest = found.latest
    if latest is None:
        # Not an error: a new installation has none until beat's first run.
        return (
            f"no checkpoint yet in {found.path}: a removed tail cannot be detected until one is "
            f"written (beat writes one every {settings.HARBOR_ACCESS_LOG_CHECKPOINT_SECONDS} s; "
            "or run with --checkpoint)"
        )
    return (
        f"latest checkpoint: {latest.events} events in {len(latest.heads())} lanes at "
        f"{latest.at} (key {latest.key_id}), matched; {len(found.checkpoints)} signed "
        f"checkpoints read from {found.path}"
    )
