"""No request log line carries what was typed in a query string (R25, issue 16): the caseload
search and the directory filters send it as ``?q=<alias>``. Every server that logs request
lines is tried with seeded strings: runserver's ``django.server`` lines (``serve_embedded``,
``make demo``), gunicorn's access and error logs under Harbor's config (Dockerfile,
docker-compose.yml, bench/http.py), and Django's own "Not Found" and error reports."""

import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.test import Client
from gunicorn.config import Config

from coordination.gunicorn_conf import MaskedQueryLogger
from coordination.logging import MASK, mask_query, mask_text

# What a worker typed into the caseload search and the directory filters.
ALIAS, NAME, PHONE, EMAIL = "Lupita", "Estrella Moreno", "512-555-0199", "ana.garcia@example.org"
QUERY = "q=Lupita&name=Estrella+Moreno&phone=512-555-0199&email=ana.garcia%40example.org&page=2"
MASKED_QUERY = f"q={MASK}&name={MASK}&phone={MASK}&email={MASK}&page={MASK}"
SEEDS = ["Lupita", "Estrella", "Moreno", "555-0199", "ana.garcia", "page=2"]


def assert_no_seed(text: str) -> None:
    assert text, "nothing was logged"
    for seed in SEEDS:
        assert seed not in text, (seed, text)


@contextmanager
def console_output(logger_name: str) -> Iterator[io.StringIO]:
    """What Harbor's configured console handler for ``logger_name`` writes, meanwhile."""
    (console,) = [h for h in logging.getLogger(logger_name).handlers if h.name == "console"]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


def test_r25_a_query_string_keeps_its_names_and_loses_its_values() -> None:
    assert mask_query(QUERY) == MASKED_QUERY
    assert mask_query("q=&Lupita") == f"q=&{MASK}"
    assert mask_text(f'"GET /cases/?{QUERY} HTTP/1.1" 200') == (
        f'"GET /cases/?{MASKED_QUERY} HTTP/1.1" 200'
    )
    assert mask_text(f"https://harbor.example/directory/?{QUERY}#top") == (
        f"https://harbor.example/directory/?{MASKED_QUERY}#top"
    )


def test_r25_question_marks_outside_urls_stay() -> None:
    text = "Is it due? WHERE id = ? AND org IN (?, ?)"
    assert mask_text(text) == text


# -- runserver: django.server ---------------------------------------------------------------


class QuietRequestHandler(WSGIRequestHandler):
    """runserver's request handler, but one request a connection (no keep-alive wait)."""

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()


def test_r25_runserver_request_lines_carry_no_query_values() -> None:
    """Through runserver's own server and request handler: ``log_message`` writes the
    request line to the ``django.server`` logger, which Harbor's console handler masks."""
    server = WSGIServer(("127.0.0.1", 0), QuietRequestHandler)
    server.set_app(get_wsgi_application())
    port = server.server_address[1]
    with console_output("django.server") as stream:
        thread = threading.Thread(target=server.handle_request)
        thread.start()
        try:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/?{QUERY}")
        finally:
            thread.join(timeout=30)
            server.server_close()
    assert answer.value.code == 404
    lines = [line for line in stream.getvalue().splitlines() if '"django.server"' in line]
    assert len(lines) == 1, stream.getvalue()
    assert f"GET /no-such-page/?{MASKED_QUERY} HTTP/1.1" in lines[0]
    assert_no_seed(stream.getvalue())


# -- gunicorn -------------------------------------------------------------------------------


def gunicorn_logger(tmp_path: Path, access_log_format: str) -> MaskedQueryLogger:
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", access_log_format)
    return MaskedQueryLogger(config)


def test_r25_every_gunicorn_access_log_atom_masks_the_query(tmp_path: Path) -> None:
    """The request line, the bare query, the referer, the raw URI and the query string as
    environ variable or header: whatever format an operator configures."""
    every_form = (
        '"%(r)s" %(U)s %(q)s "%(f)s" %({raw_uri}e)s %({query_string}e)s %({referer}i)s %(s)s'
    )
    logger = gunicorn_logger(tmp_path, every_form)
    referer = f"https://harbor.example/cases/?{QUERY}"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/cases/?{QUERY}",
        "PATH_INFO": "/cases/",
        "QUERY_STRING": QUERY,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": referer,
        "REMOTE_ADDR": "127.0.0.1",
    }
    request = SimpleNamespace(headers=[("REFERER", referer)])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert f'"GET /cases/?{MASKED_QUERY} HTTP/1.1" /cases/ {MASKED_QUERY} ' in line
    assert line.count(MASKED_QUERY) == 6 and line.rstrip().endswith(" 200")
    assert_no_seed(line)


def test_r25_gunicorn_error_log_masks_the_query(tmp_path: Path) -> None:
    logger = gunicorn_logger(tmp_path, "%(r)s")
    try:
        raise ConnectionResetError("peer went away")
    except ConnectionResetError:
        logger.exception("Error handling request %s", f"/cases/?{QUERY}")
    for handler in logger.error_log.handlers:
        handler.flush()
    text = (tmp_path / "error.log").read_text()
    assert f"Error handling request /cases/?{MASKED_QUERY}" in text
    assert "ConnectionResetError" in text
    assert_no_seed(text)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_r25_harbor_under_gunicorn_logs_no_query_values(tmp_path: Path) -> None:
    """gunicorn for real, started as the Dockerfile starts it (Harbor's config, the access log
    in the default format), serving Harbor on a loopback port."""
    port = _free_port()
    access_log = tmp_path / "access.log"
    output = tmp_path / "gunicorn.out"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "coordination.wsgi",
        "--config",
        "python:coordination.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        str(access_log),
        "--no-control-socket",
    ]
    environment = {**os.environ, "HARBOR_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)  # nothing it serves here needs the database
    with output.open("w") as out:
        server = subprocess.Popen(  # noqa: S603 (our own server, our own arguments)
            command,
            cwd=django_settings.BASE_DIR,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, output.read_text()
            try:
                _get(f"{base}/sign-in/")
                break
            except OSError:
                assert time.monotonic() < deadline, output.read_text()
                time.sleep(0.3)
        assert _get(f"{base}/no-such-page/?{QUERY}", Referer=f"{base}/cases/?{QUERY}") == 404
        assert _get(f"{base}/cases/?{QUERY}") in (200, 302)
    finally:
        server.terminate()
        server.wait(timeout=30)
    access = access_log.read_text()
    assert f"GET /no-such-page/?{MASKED_QUERY} HTTP/1.1" in access
    assert f"GET /cases/?{MASKED_QUERY} HTTP/1.1" in access
    assert f'"{base}/cases/?{MASKED_QUERY}"' in access  # the referer
    assert "Not Found: /no-such-page/" in output.read_text()
    assert_no_seed(access + output.read_text())


def test_r25_every_way_gunicorn_is_started_uses_harbors_config() -> None:
    base = Path(django_settings.BASE_DIR)
    for name in ("Dockerfile", "docker-compose.yml", "bench/http.py", "README.md"):
        text = (base / name).read_text()
        assert "coordination.wsgi" in text, name
        assert "python:coordination.gunicorn_conf" in text, name


# -- Django's own reports: django.request ---------------------------------------------------


@pytest.mark.django_db
def test_r25_a_not_found_report_carries_no_query_values() -> None:
    with console_output("django") as stream:  # django.request propagates to it
        response = Client().get(f"/no-such-page/?{QUERY}")
    assert response.status_code == 404
    assert "Not Found: /no-such-page/" in stream.getvalue()
    assert_no_seed(stream.getvalue())


@pytest.mark.django_db
def test_r25_a_server_error_report_carries_no_query_values(settings: object) -> None:
    settings.ROOT_URLCONF = "tests.security.urls_failing"  # type: ignore[attr-defined]
    with console_output("django") as stream:  # django.request propagates to it
        response = Client(raise_request_exception=False).get(f"/failing/?{QUERY}")
    assert response.status_code == 500
    assert "Internal Server Error: /failing/" in stream.getvalue()
    assert "RuntimeError" in stream.getvalue()
    assert_no_seed(stream.getvalue())
