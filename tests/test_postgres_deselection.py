"""On SQLite the PostgreSQL-only tests are deselected, and the run says how many and why."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

POSTGRES_ONLY = (
    "tests/tasks/test_delivery.py::test_rows_another_worker_holds_are_skipped_not_waited_for"
)


def test_sqlite_runs_say_why_postgres_tests_were_deselected(tmp_path: Path) -> None:
    environment = {**os.environ, "HARBOR_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    run = subprocess.run(  # noqa: S603 (pytest itself, on one of our tests)
        [sys.executable, "-m", "pytest", POSTGRES_ONLY, "-p", "no:cacheprovider"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 5, run.stdout + run.stderr  # nothing left to run
    assert (
        "1 tests deselected: they need PostgreSQL (row locks, triggers); "
        "set DATABASE_URL=postgres://... to run them." in run.stdout
    ), run.stdout
