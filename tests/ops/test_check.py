"""`flask --app civic check` before starting: one line per check, a clear message and a non-zero exit for
each failure; strict in production (CIVIC_ENV=production), against real services (SMTP, Redis, database)."""
from __future__ import annotations

import pytest

from civic.core.check import server_processes
from tests.ops.conftest import close_site, make_site
from tests.support.servers import SmtpSink, free_port

GOOD_KEY = "k3Zr8vWq0pLx7TnB2yHc5MdJ9sFa4GeU6oQi1RwXtVbNmE"


@pytest.fixture
def mail_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def check(database_url: str, migrate: bool = True, **config):
    site = make_site(database_url, migrate=migrate, **config)
    try:
        result = site.test_cli_runner().invoke(args=["check"])
    finally:
        close_site(site)
    lines = {line.split()[1].rstrip(":"): line for line in result.output.splitlines() if line[:4] in
             ("ok  ", "warn", "FAIL")}
    return result, lines


def test_a_development_site_is_ready_to_start(empty_database_url):
    result, lines = check(empty_database_url)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("ready to start")
    assert lines["environment"] == "ok    environment: development"
    assert lines["secret"].startswith("ok") and lines["migrations"].startswith("ok    migrations: at ")
    assert "e-mails are printed" in lines["mail"]


def test_production_with_every_mistake_gets_a_message_for_each(empty_database_url):
    closed = free_port()
    result, lines = check(empty_database_url, migrate=False, CIVIC_ENV="production", CIVIC_PROCESSES=3,
                          CIVIC_SMTP_URL=f"smtp://127.0.0.1:{closed}")
    assert result.exit_code == 1
    assert "check(s) failed: fix them before starting Civic" in result.output
    assert lines["secret"].startswith("FAIL") and "every machine needs the same one" in lines["secret"]
    assert lines["base"].startswith("FAIL") and "must use https://" in lines["base"]
    assert lines["redis"].startswith("warn") and "3 server processes (CIVIC_PROCESSES)" in lines["redis"]
    assert "rate limits are shared in the database" in lines["redis"]
    assert lines["mail"].startswith("FAIL") and f"127.0.0.1:{closed}" in lines["mail"]
    assert lines["migrations"].startswith("FAIL") and "flask --app civic db upgrade" in lines["migrations"]
    assert lines["database"].startswith("ok")


def test_production_done_right_is_ready_to_start(empty_database_url, mail_sink, redis_server):
    result, lines = check(empty_database_url, CIVIC_ENV="production", SECRET_KEY=GOOD_KEY, CIVIC_PROCESSES=4,
                          CIVIC_BASE_URL="https://partecipa.comune.example", CIVIC_REDIS_URL=redis_server.url,
                          CIVIC_SMTP_URL=f"smtp://127.0.0.1:{mail_sink.port}")
    assert result.exit_code == 0, result.output
    assert lines["base"] == "ok    base URL: https://partecipa.comune.example"  # secure cookies by themselves
    assert lines["redis"] == f"ok    redis: answers at 127.0.0.1:{redis_server.port}"
    assert lines["mail"] == f"ok    mail server: answers at 127.0.0.1:{mail_sink.port}"


def test_production_refuses_a_short_key_and_a_redis_that_does_not_answer(empty_database_url, redis_server):
    redis_server.stop()
    result, lines = check(empty_database_url, CIVIC_ENV="production", SECRET_KEY="secret",
                          CIVIC_BASE_URL="https://partecipa.comune.example", CIVIC_REDIS_URL=redis_server.url)
    assert result.exit_code == 1
    assert "CIVIC_SECRET_KEY has 6 characters" in lines["secret"]
    assert lines["redis"].startswith("FAIL") and "Redis does not answer" in lines["redis"]
    assert lines["mail"].startswith("FAIL") and "e-mails would be printed, not sent" in lines["mail"]


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, (1, "default")),
    ({"WEB_CONCURRENCY": "3"}, (3, "WEB_CONCURRENCY")),
    ({"GUNICORN_CMD_ARGS": "--bind 127.0.0.1:8000 --workers 5"}, (5, "GUNICORN_CMD_ARGS")),
    ({"GUNICORN_CMD_ARGS": "--workers=6 --timeout 30"}, (6, "GUNICORN_CMD_ARGS")),
    ({"GUNICORN_CMD_ARGS": "-w 2", "WEB_CONCURRENCY": "8"}, (2, "GUNICORN_CMD_ARGS")),
    ({"GUNICORN_CMD_ARGS": "-w7"}, (7, "GUNICORN_CMD_ARGS")),
])
def test_the_number_of_server_processes_is_found_where_gunicorn_reads_it(environ, expected):
    assert server_processes({"CIVIC_PROCESSES": None}, environ) == expected
    assert server_processes({"CIVIC_PROCESSES": 9}, environ) == (9, "CIVIC_PROCESSES")
