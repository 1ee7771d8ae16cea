"""Every setting read from the environment is declared once in civic/config.py, has a row in the README's
configuration table with the same default, and reaches the app from the environment; a wrong value stops the
app at start with a message naming the variable."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from civic import config, create_app
from tests.conftest import TEST_CONFIG

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_rows() -> dict[str, str]:
    """{variable: default cell} of the README's configuration table."""
    text = README.read_text()
    table = text[text.index("## Configuration"):]
    table = table[:table.index("\n## ", 1)]
    rows = re.finditer(r"^\| `(CIVIC_\w+)` \| ([^|]*) \|", table, re.M)
    return {match[1]: match[2].strip() for match in rows}


def shown(default) -> str:
    """How the README writes a plain default."""
    if default is None or default == ():
        return "none"
    if isinstance(default, bool):
        return "on" if default else "off"
    return f"`{default}`"


@pytest.fixture
def clean_environment(monkeypatch):
    for setting in config.SETTINGS:
        monkeypatch.delenv(setting.variable, raising=False)
    return monkeypatch


def test_the_readme_table_has_one_row_per_declared_setting_with_its_default():
    rows = readme_rows()
    assert sorted(rows) == sorted(setting.variable for setting in config.SETTINGS)
    for setting in config.SETTINGS:
        if setting.computed is None:
            assert rows[setting.variable].startswith(shown(setting.default)), setting.variable


def test_without_the_variables_the_app_has_the_declared_defaults(clean_environment, instance_path):
    site = create_app(dict(TEST_CONFIG))
    for setting in config.SETTINGS:
        if setting.computed is None and setting.key not in TEST_CONFIG:
            assert site.config[setting.key] == setting.default, setting.variable
    assert site.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(("variable", "text", "key", "value"), [
    ("CIVIC_ENV", "production", "CIVIC_ENV", "production"),
    ("CIVIC_LOG_FORMAT", "JSON", "CIVIC_LOG_FORMAT", "json"),
    ("CIVIC_LOG_LEVEL", "warning", "CIVIC_LOG_LEVEL", "WARNING"),
    ("CIVIC_RETRY_AFTER", "12", "CIVIC_RETRY_AFTER", 12),
    ("CIVIC_READY_OUTBOX_LIMIT", "0", "CIVIC_READY_OUTBOX_LIMIT", 0),
    ("CIVIC_PROCESSES", "4", "CIVIC_PROCESSES", 4),
    ("CIVIC_BEHIND_PROXY", "yes", "CIVIC_BEHIND_PROXY", True),
    ("CIVIC_SECURE_COOKIES", "1", "SESSION_COOKIE_SECURE", True),
    ("CIVIC_RATELIMIT_ENABLED", "off", "RATELIMIT_ENABLED", False),
    ("CIVIC_MAIL_FROM", "Comune <urp@comune.example>", "CIVIC_MAIL_FROM", "Comune <urp@comune.example>"),
])
def test_each_variable_reaches_the_app(clean_environment, instance_path, variable, text, key, value):
    clean_environment.setenv(variable, text)
    assert create_app(dict(TEST_CONFIG)).config[key] == value


def test_metrics_addresses_are_read_as_networks_and_redis_shares_the_rate_limits(clean_environment,
                                                                                instance_path):
    clean_environment.setenv("CIVIC_METRICS_ALLOW", "127.0.0.1, 10.1.0.0/16 ::1")
    clean_environment.setenv("CIVIC_REDIS_URL", "redis://127.0.0.1:9/3")  # read, never reached
    site = create_app(dict(TEST_CONFIG))
    assert [str(network) for network in site.config["CIVIC_METRICS_ALLOW"]] == [
        "127.0.0.1/32", "10.1.0.0/16", "::1/128"]
    assert site.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:9/3"


@pytest.mark.parametrize(("variable", "text"), [
    ("CIVIC_ENV", "staging"),
    ("CIVIC_LOG_FORMAT", "xml"),
    ("CIVIC_RETRY_AFTER", "-5"),
    ("CIVIC_RETRY_AFTER", "soon"),
    ("CIVIC_METRICS_ALLOW", "10.0.0.0/33"),
    ("CIVIC_SECURE_COOKIES", "maybe"),
])
def test_a_wrong_value_stops_the_start_naming_the_variable(clean_environment, instance_path, variable, text):
    clean_environment.setenv(variable, text)
    with pytest.raises(ValueError, match=f"^{variable}="):
        create_app(dict(TEST_CONFIG))
