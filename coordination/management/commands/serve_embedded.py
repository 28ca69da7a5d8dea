"""``manage.py serve_embedded``: Harbor on one machine, with no server to install.

Starts a Celery worker with an embedded beat as a child process, then Django's development
server in this one; when the server stops (Ctrl-C or SIGTERM) the worker is stopped too, warm
first so a task in flight can finish.
"""

import os
import signal
import socket
import subprocess
import sys
from typing import Any, NoReturn

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

WORKER_STOP_SECONDS = 20


class Command(BaseCommand):
    help = (
        "Serve Harbor with a Celery worker and beat (embedded mode), on 127.0.0.1:8000 unless "
        "--addr/--port say otherwise (make demo HOST=... PORT=...)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1", help="Address to serve on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")
        parser.add_argument(
            "--check-port",
            action="store_true",
            help="Only check that the address and port are free, then exit (make demo does "
            "this before migrating).",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Restart the web server when code changes (the worker is not restarted).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "serve_embedded is for development (DEBUG on); production runs gunicorn, "
                "a worker and beat (see docker-compose.yml)."
            )
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # The reloader's child process runs this command again: only serve the web here.
            self._serve(options, reload=True)
            return
        _ensure_free(options["addr"], options["port"])
        if options["check_port"]:
            return
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        worker = self._start_worker()
        try:
            self._announce(options)
            self._serve(options, reload=options["reload"])
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_worker(worker)

    def _start_worker(self) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coordination",
            "worker",
            "-B",
            "--loglevel=INFO",
            "--concurrency=1",
        ]
        self.stdout.write(f"Starting the Celery worker and beat: {' '.join(command[2:])}")
        return subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603  (fixed argv)

    def _announce(self, options: dict[str, Any]) -> None:
        base = f"http://{options['addr']}:{options['port']}"
        self.stdout.write(
            self.style.SUCCESS(f"\nHarbor: {base}/ (the API: {base}/api/docs/)")
            + f"\nSign in at {base}/sign-in/ with a demo login "
            "(`python manage.py seed_demo` prints them again). Ctrl-C stops everything.\n"
        )

    def _serve(self, options: dict[str, Any], *, reload: bool) -> None:
        call_command(
            "runserver",
            f"{options['addr']}:{options['port']}",
            use_reloader=reload,
            skip_checks=False,
        )

    def _stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is not None:
            return
        self.stdout.write("Stopping the Celery worker (warm shutdown)...")
        worker.terminate()
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.stderr.write("The worker did not stop in time; killing it.")
            worker.kill()
            worker.wait()


def _ensure_free(addr: str, port: int) -> None:
    """Fail before starting the worker: runserver leaves with os._exit when the port is taken."""
    with socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET) as probe:
        # As the server will: a port left in TIME_WAIT by the last run is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((addr, port))
        except OSError as exc:
            raise CommandError(port_taken_message(addr, port, exc.strerror or str(exc))) from exc


def port_taken_message(addr: str, port: int, reason: str) -> str:
    """What to do when the port is taken: name the other port's setting in both doors."""
    other = port + 1
    return (
        f"Cannot serve on {addr}:{port}: {reason}. Another program (perhaps Harbor already "
        f"running) uses that port: stop it, or choose another port with "
        f"`make demo PORT={other}` (or `make serve PORT={other}`, or "
        f"`manage.py serve_embedded --port {other}`); HOST= chooses the address."
    )


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    """Turn SIGTERM into SystemExit so the ``finally`` that stops the worker runs."""
    raise SystemExit(0)
