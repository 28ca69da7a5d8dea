"""``manage.py demo_code``: the code the demo staff's authenticator app shows now.

The demo's staff share one authenticator key (coordination.demo.cast); this prints its current
code so a first run needs no phone. Refused with DEBUG off, like the demo data itself. The code
is the first line, so ``demo_code | head -1`` is the code alone.
"""

import os
import sys
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from coordination.demo.cast import DEMO_TOTP_KEY, demo_key_base32


class Command(BaseCommand):
    help = "Print the demo staff's current two-step sign-in code (DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("DEBUG is off: demo codes are for the demo only.")
        try:
            self.stdout.write(f"{totp(unhexlify(DEMO_TOTP_KEY)):06d}\n")
            self.stdout.write(
                f"(valid about 30 seconds; or add the key {demo_key_base32()} to an "
                "authenticator app)\n"
            )
            self.stdout.flush()
        except BrokenPipeError:
            # The reader took what it wanted (`demo_code | head -1`, as the README shows) and
            # left: not an error. Point stdout at nothing so the exit flush stays quiet too.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
