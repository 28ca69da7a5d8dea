"""The demo's commands give a newcomer a way forward: a taken port names PORT=, and the
README's `demo_code | head -1` prints the code without a traceback (issue 19)."""

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_taken_port_is_refused_before_serving_with_a_hint_naming_port(settings, taken_port):
    settings.DEBUG = True

    with pytest.raises(CommandError) as refused:
        call_command("serve_embedded", port=taken_port)

    message = str(refused.value)
    assert f"127.0.0.1:{taken_port}" in message
    assert f"make demo PORT={taken_port + 1}" in message
    assert "HOST=" in message


def test_make_demo_checks_the_port_before_migrating(settings, taken_port):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="PORT="):
        call_command("serve_embedded", "--check-port", port=taken_port)


def test_the_port_check_passes_quietly_on_a_free_port(settings):
    settings.DEBUG = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]

    call_command("serve_embedded", "--check-port", port=free)


def test_make_demo_checks_the_port_first_and_takes_port_and_host():
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0].splitlines()

    assert "--check-port" in demo[1]
    assert "migrate" in demo[2]
    assert "PORT ?= 8000" in makefile and "HOST ?= 127.0.0.1" in makefile
    assert "--addr $(HOST) --port $(PORT)" in makefile


def _demo_env() -> dict[str, str]:
    return {**os.environ, "DEBUG": "true", "PYTHONPATH": str(ROOT)}


def test_demo_code_piped_into_head_prints_the_code_and_no_traceback():
    """`manage.py demo_code | head -1`, as the README shows it."""
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "demo_code"],
        cwd=ROOT,
        env=_demo_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    head_path = shutil.which("head")
    assert head_path is not None
    head = subprocess.Popen(  # noqa: S603  (head, found on PATH, with a fixed argument)
        [head_path, "-1"], stdin=demo.stdout, stdout=subprocess.PIPE
    )
    demo.stdout.close()  # only head reads it now, so its leaving breaks the pipe
    code = head.communicate(timeout=60)[0].decode().strip()
    errors = demo.communicate(timeout=60)[1].decode()

    assert code.isdigit() and len(code) == 6
    assert "Traceback" not in errors
    assert "BrokenPipeError" not in errors


def test_demo_code_is_quiet_when_its_reader_is_already_gone():
    """The same, made certain: the reader left before the first line (the pipeline above only
    breaks when head leaves between the two lines)."""
    reader, writer = os.pipe()
    os.close(reader)  # as `head -1` once it has its line: every later write breaks the pipe
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "demo_code"],
            cwd=ROOT,
            env=_demo_env(),
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(writer)

    assert result.returncode == 0
    assert result.stderr == ""
