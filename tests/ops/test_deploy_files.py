"""deploy/: the environment file lists every setting civic/config.py declares (generated, never drifting);
the systemd units are valid for systemd and run commands Civic has; nginx's limits and addresses match
Civic's. (tests/ops/test_nginx_two_servers.py runs the nginx files for real.)"""
from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

from civic.config import ENVIRONMENT_ONLY, SETTINGS, Defaults, from_environment
from civic.core import check
from tests.conftest import require_tool
from tests.support.servers import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("civic-*"))


def generator():
    spec = importlib.util.spec_from_file_location("generate_env", DEPLOY / "generate_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_environment_file_is_generated_from_the_declared_settings():
    text = (DEPLOY / "civic.env.example").read_text()
    assert text == generator().render(), "deploy/civic.env.example is out of date: run make deploy-env"
    listed = re.findall(r"^#?(CIVIC_[A-Z0-9_]+)=", text, re.MULTILINE)
    assert listed == [setting.name for setting in SETTINGS] + list(ENVIRONMENT_ONLY)
    # Secrets are never given a value a careless copy would keep.
    assert re.search(r"^CIVIC_SECRET_KEY=$", text, re.MULTILINE)
    assert re.search(r"^CIVIC_IDENTITY_KEY=$", text, re.MULTILINE)


def test_the_production_values_of_the_environment_file_are_valid_settings(tmp_path):
    active = dict(line.split("=", 1) for line in (DEPLOY / "civic.env.example").read_text().splitlines()
                  if line and not line.startswith("#"))
    values = from_environment(str(tmp_path), active)  # raises ConfigError on a malformed value
    assert values["CIVIC_ENV"] == "production" and values["CIVIC_BEHIND_PROXY"] == 1
    assert values["SESSION_COOKIE_SECURE"] is True


def unit_commands(unit: Path) -> list[list[str]]:
    return [shlex.split(line.split("=", 1)[1]) for line in unit.read_text().splitlines()
            if line.startswith(("ExecStart=", "ExecStartPre="))]


def test_the_units_run_commands_civic_has(app):
    runner = app.test_cli_runner()
    seen = set()
    for unit in UNITS:
        for command in unit_commands(unit):
            program = Path(command[0]).name
            if program != "flask":
                continue
            assert command[1:3] == ["--app", "civic"], unit.name
            result = runner.invoke(args=[*command[3:], "--help"])
            assert result.exit_code == 0, f"{unit.name}: {' '.join(command)}\n{result.output}"
            seen.add(command[3])
    assert {"check", "outbox", "periodic"} <= seen


def test_systemd_accepts_the_units(tmp_path):
    analyze = require_tool("systemd-analyze", "the systemd units are verified with it")
    venv_bin = str(Path(sys.executable).parent)
    for unit in UNITS:
        # The same unit with this machine's programs, so systemd finds every ExecStart.
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/civic/venv/bin", venv_bin))
    result = subprocess.run([analyze, "verify", "--man=no", *sorted(map(str, tmp_path.iterdir()))],
                            capture_output=True, text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if "civic" in line and "/etc/civic/civic.env" not in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


def test_gunicorn_nginx_and_civic_agree_on_addresses_and_sizes():
    web = (DEPLOY / "systemd" / "civic-web.service").read_text()
    arguments = shlex.split(re.search(r'^Environment="GUNICORN_CMD_ARGS=([^"]+)"', web, re.MULTILINE)[1])
    bind = arguments[arguments.index("--bind") + 1]
    # `flask check` (the unit's ExecStartPre) counts the workers from the same variable.
    assert check.server_processes({}, {"GUNICORN_CMD_ARGS": shlex.join(arguments)}) == (
        int(arguments[arguments.index("--workers") + 1]), "GUNICORN_CMD_ARGS")
    site = (DEPLOY / "nginx" / "civic.conf").read_text()
    assert re.search(rf"^\s+server {re.escape(bind)}\b", site, re.MULTILINE)
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert int(size[1]) * 1024 * 1024 == Defaults.MAX_CONTENT_LENGTH
    assert "PROMETHEUS_MULTIPROC_DIR=/run/civic-web" in web and "RuntimeDirectory=civic-web" in web
    outbox = (DEPLOY / "systemd" / "civic-outbox.service").read_text()
    assert "--no-periodic" in outbox  # the timer runs the periodic work
    assert "Unit=" not in (DEPLOY / "systemd" / "civic-periodic.timer").read_text()  # its service's name
    assert (DEPLOY / "systemd" / "civic-periodic.service").exists()
