"""Settings in one place: every CIVIC_* name the code uses is declared in civic/config.py with its default and
described in the README; environment variables are read with their type, and a malformed one stops the
start-up with a message naming it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from civic import config
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.support.servers import GunicornServer

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bCIVIC_[A-Z0-9_]*[A-Z0-9]\b")
# Code that reads settings or sets them for a server it starts (the tests' own CIVIC_TEST_* are not settings).
SOURCES = [*ROOT.glob("civic/**/*.py"), *ROOT.glob("civic/templates/**/*.html"),
           *ROOT.glob("civic/templates/**/*.txt"), *ROOT.glob("bench/*.py"),
           *ROOT.glob("bench/*.sh"), ROOT / "Makefile"]


def names_in(paths) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in paths:
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            if name.startswith("CIVIC_TEST_"):
                continue  # the test suite's own variables (which database), not settings of Civic
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def readme_configuration() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]


def declared() -> set[str]:
    return {setting.name for setting in config.SETTINGS} | set(config.ENVIRONMENT_ONLY)


def test_every_civic_name_in_the_code_is_declared_in_config_and_described_in_the_readme():
    used = names_in(SOURCES)
    assert {name: files for name, files in used.items() if name not in declared()} == {}
    table = set(re.findall(r"^\| `(CIVIC_[A-Z0-9_]+)` \|", readme_configuration(), re.M))
    assert declared() - table == set(), "settings missing from the README's configuration table"
    assert table - declared() == set(), "the README describes settings that do not exist"


def test_code_reads_a_setting_without_a_second_default_of_its_own():
    second_default = re.compile(r"config\.get\(\s*[\"'][A-Z0-9_]+[\"']\s*,")
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in ROOT.glob("civic/**/*.py")
                 for match in second_default.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_setting_is_in_the_running_app_with_its_default(app):
    for setting in config.SETTINGS:
        assert setting.config_key in app.config, setting.name
    assert app.config["CIVIC_LIMIT_SURVEY_ANSWER"] == "20 per minute;200 per hour"
    assert app.config["CIVIC_BEHIND_PROXY"] == 0 and app.config["CIVIC_RESULTS_OPEN_GRACE"] == 30


def test_environment_variables_are_read_with_their_type(tmp_path):
    values = config.from_environment(str(tmp_path), {
        "CIVIC_REMINDER_HOURS": " 48 ", "CIVIC_SECURE_COOKIES": "yes", "CIVIC_RATELIMIT_ENABLED": "0",
        "CIVIC_ARGON2": '{"time_cost": 2, "memory_cost": 19456}', "CIVIC_BEHIND_PROXY": "2",
        "CIVIC_RESULTS_OPEN_GRACE": "2.5", "CIVIC_LANGUAGES": "it",
        "CIVIC_BASE_URL": "https://partecipa.example.it/", "CIVIC_LIMIT_RSVP": "5 per minute",
        "CIVIC_REDIS_URL": "redis://127.0.0.1:6379/0", "CIVIC_SITE_NAME": "",
    })
    assert values["CIVIC_REMINDER_HOURS"] == 48
    assert values["SESSION_COOKIE_SECURE"] is True and values["RATELIMIT_ENABLED"] is False
    assert values["CIVIC_ARGON2"] == {"time_cost": 2, "memory_cost": 19456}
    assert values["CIVIC_BEHIND_PROXY"] == 2 and values["CIVIC_RESULTS_OPEN_GRACE"] == 2.5
    assert values["CIVIC_LANGUAGES"] == ("it",) and values["CIVIC_BASE_URL"] == "https://partecipa.example.it"
    assert values["CIVIC_LIMIT_RSVP"] == "5 per minute"
    assert values["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert values["CIVIC_SITE_NAME"] == "Civic", "an empty variable counts as unset"
    assert values["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "civic.sqlite3")
    assert values["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()


@pytest.mark.parametrize("name, value, reason", [
    ("CIVIC_REMINDER_HOURS", "soon", "whole number"),
    ("CIVIC_PAGE_SIZE", "0", "whole number from 1 up"),
    ("CIVIC_SECURE_COOKIES", "maybe", "1, true, yes or on"),
    ("CIVIC_ARGON2", "time_cost=1", "JSON object"),
    ("CIVIC_ARGON2", '{"time_cost": "1"}', "JSON object of whole numbers"),
    ("CIVIC_ARGON2", '{"rounds": 3}', "time_cost, memory_cost"),
    ("CIVIC_BEHIND_PROXY", "yes", "whole number from 0 up"),
    ("CIVIC_PAGE_CACHE_SECONDS", "-1", "a number from 0 up"),
    ("CIVIC_OUTBOX_RETRY_HOURS", "three days", "a number"),
    ("CIVIC_LIMIT_LOGIN", "often", "rate limits"),
    ("CIVIC_LANGUAGES", "it,fr", "language codes among it, en"),
    ("CIVIC_BASE_URL", "partecipa.example.it", "http:// or https://"),
])
def test_a_malformed_variable_is_refused_naming_it(tmp_path, name, value, reason):
    with pytest.raises(config.ConfigError) as refused:
        config.from_environment(str(tmp_path), {name: value})
    message = str(refused.value)
    assert message.startswith(f"{name} must be ") and message.endswith(f", not {value!r}")
    assert reason in message


def test_the_server_does_not_start_with_a_malformed_variable(tmp_path):
    env = {**os.environ, "CIVIC_INSTANCE_PATH": str(tmp_path), "CIVIC_REMINDER_HOURS": "tomorrow"}
    started = subprocess.run([sys.executable, "-c", "import civic.wsgi"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert started.returncode != 0
    assert started.stderr.strip().splitlines()[-1] == (
        "civic.config.ConfigError: CIVIC_REMINDER_HOURS must be a whole number from 0 up, not 'tomorrow'")


@pytest.mark.slow
def test_a_server_behind_two_proxies_sees_the_client_and_the_scheme_they_forward(app, instance_path,
                                                                                database_url):
    """gunicorn configured through the environment only: its name, two trusted proxies, a login limit."""
    with app.app_context():
        email = make_user().email
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"], workers=1, extra_env={
        "CIVIC_SITE_NAME": "Partecipa Novi", "CIVIC_BEHIND_PROXY": "2", "CIVIC_RATELIMIT_ENABLED": "1",
        "CIVIC_LIMIT_LOGIN": "2 per minute"}).start()
    try:
        def attempts(client: str, count: int) -> list[int]:
            """Wrong passwords from `client`, arriving through the outer proxy then the inner one."""
            browser = requests.Session()
            browser.headers["X-Forwarded-For"] = f"{client}, 10.0.0.2"
            page = browser.get(f"{server.url}/account/login", timeout=60).text
            return [browser.post(f"{server.url}/account/login", timeout=60, data={
                "email": email, "password": "not the password", "csrf_token": csrf_token(page)}).status_code
                for _ in range(count)]

        assert attempts("198.51.100.7", 3) == [422, 422, 429]
        assert attempts("198.51.100.8", 1) == [422], "another client behind the same proxies is not limited"
        home = requests.get(server.url, timeout=60, headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" in home.headers
        assert "<title>Home · Partecipa Novi</title>" in home.text
        assert "Strict-Transport-Security" not in requests.get(server.url, timeout=60).headers
    finally:
        server.stop()


@pytest.mark.parametrize(("name", "text", "key", "value"), [
    ("CIVIC_ENV", "Production", "CIVIC_ENV", "production"),
    ("CIVIC_LOG_FORMAT", "JSON", "CIVIC_LOG_FORMAT", "json"),
    ("CIVIC_LOG_LEVEL", "warning", "CIVIC_LOG_LEVEL", "WARNING"),
    ("CIVIC_RETRY_AFTER", "12", "CIVIC_RETRY_AFTER", 12),
    ("CIVIC_READY_OUTBOX_LIMIT", "0", "CIVIC_READY_OUTBOX_LIMIT", 0),
    ("CIVIC_PROCESSES", "4", "CIVIC_PROCESSES", 4),
    ("CIVIC_MAIL_FROM", "Comune <urp@comune.example>", "CIVIC_MAIL_FROM", "Comune <urp@comune.example>"),
])
def test_operations_settings_are_read_from_the_environment(tmp_path, name, text, key, value):
    assert config.from_environment(str(tmp_path), {name: text})[key] == value


def test_metrics_addresses_are_read_as_networks_and_redis_shares_the_rate_limits(tmp_path):
    values = config.from_environment(str(tmp_path), {"CIVIC_METRICS_ALLOW": "127.0.0.1, 10.1.0.0/16 ::1",
                                                     "CIVIC_REDIS_URL": "redis://127.0.0.1:9/3"})
    assert [str(network) for network in values["CIVIC_METRICS_ALLOW"]] == ["127.0.0.1/32", "10.1.0.0/16",
                                                                          "::1/128"]
    assert values["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:9/3"
    assert values["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] == 1


@pytest.mark.parametrize(("name", "text"), [
    ("CIVIC_ENV", "staging"), ("CIVIC_LOG_FORMAT", "xml"), ("CIVIC_LOG_LEVEL", "loud"),
    ("CIVIC_RETRY_AFTER", "-5"), ("CIVIC_METRICS_ALLOW", "10.0.0.0/33"), ("CIVIC_PROCESSES", "0"),
])
def test_a_malformed_operations_setting_is_refused_naming_it(tmp_path, name, text):
    with pytest.raises(config.ConfigError, match=f"^{name} must be "):
        config.from_environment(str(tmp_path), {name: text})
