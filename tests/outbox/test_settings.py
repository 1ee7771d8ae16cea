"""The outbox's settings agree in the three places an operator meets them: a default in civic/config.py, an
environment variable of the same name, and a row of the README's configuration table with that default."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from civic import config, create_app

README = Path(__file__).resolve().parents[2] / "README.md"
OUTBOX_SETTINGS = sorted(name for name in vars(config.Defaults) if name.startswith("CIVIC_OUTBOX_"))


def readme_table() -> dict[str, str]:
    """Setting name -> its default as the README's configuration table says it."""
    rows = re.findall(r"^\| `(CIVIC_[A-Z_]+)` \| ([^|]+) \|", README.read_text(), flags=re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def test_there_are_outbox_settings_and_the_environment_may_set_each():
    assert OUTBOX_SETTINGS == sorted(["CIVIC_OUTBOX_RECLAIM_SECONDS", "CIVIC_OUTBOX_BACKOFF_SECONDS",
                                      "CIVIC_OUTBOX_BACKOFF_MAX_SECONDS", "CIVIC_OUTBOX_RETRY_HOURS"])
    assert set(OUTBOX_SETTINGS) <= set(config.ENVIRONMENT_NUMBERS)


@pytest.mark.parametrize("name", OUTBOX_SETTINGS)
def test_the_readme_states_the_default(name):
    documented = readme_table()
    assert name in documented, f"{name} is missing from the README's configuration table"
    assert documented[name].startswith(f"`{getattr(config.Defaults, name)}`")


@pytest.mark.parametrize("name", OUTBOX_SETTINGS)
def test_the_environment_overrides_the_default(monkeypatch, name):
    assert create_app({"TESTING": True}).config[name] == getattr(config.Defaults, name)
    monkeypatch.setenv(name, " 2.5 ")
    assert create_app({"TESTING": True}).config[name] == 2.5
    monkeypatch.setenv(name, "7")
    assert create_app({"TESTING": True}).config[name] == 7


def test_a_setting_that_is_not_a_number_stops_the_start_with_its_name(monkeypatch):
    monkeypatch.setenv("CIVIC_OUTBOX_RETRY_HOURS", "three days")
    with pytest.raises(ValueError, match="CIVIC_OUTBOX_RETRY_HOURS must be a number, not 'three days'"):
        create_app({"TESTING": True})
