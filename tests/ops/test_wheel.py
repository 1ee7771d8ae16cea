"""The built wheel is complete: installed into a fresh environment outside the checkout, it migrates a new
database with its own migrations, speaks Italian from its own compiled catalogues and serves pages and static
files under gunicorn.

Offline by design (nothing may come from outside 127.0.0.1): the wheel is built with this environment's
setuptools and Babel (`pip wheel --no-build-isolation --no-index`), and the fresh environment gets Civic from
the wheel alone (`pip install --no-deps --no-index`) while its dependencies come from this environment through
one .pth line. A .pth line only appends a folder to sys.path, so the checkout's editable install (a finder
started by a .pth of this environment's own) stays out: `civic` is the wheel's, as the test checks."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.support.servers import ROOT, free_port

pytestmark = pytest.mark.slow

# What the copy of the checkout the wheel is built from leaves out: environments, build output, local data.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv*", "node_modules", "instance", "build", "dist", "tests",
                                     "bench", "*.egg-info", "__pycache__", "*.pyc", "test-results")


def run(*command: str | Path, cwd: Path, env: dict | None = None, timeout: float = 300) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a clean copy of the checkout (as `make wheel` does: no stale build folder)."""
    if not (ROOT / "civic" / "static" / "vendor" / ".built").exists():
        pytest.fail("civic/static/vendor is not built: `make assets` (make test does it first)")
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    shutil.copytree(ROOT / "civic" / "static" / "vendor", source / "civic" / "static" / "vendor",
                    dirs_exist_ok=True)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--wheel-dir", folder / "dist", source, cwd=folder)
    (built,) = (folder / "dist").glob("civic-*.whl")
    return built


def test_the_wheel_carries_catalogues_migrations_templates_and_vendor_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("it", "en"):
        assert f"civic/translations/{language}/LC_MESSAGES/messages.mo" in names
    migrations = {name for name in names if re.fullmatch(r"civic/migrations/versions/\w+\.py", name)}
    assert migrations == {f"civic/migrations/versions/{path.name}"
                          for path in (ROOT / "civic" / "migrations" / "versions").glob("*.py")}
    assert {"civic/migrations/env.py", "civic/migrations/alembic.ini", "civic/migrations/script.py.mako",
            "civic/templates/base.html", "civic/static/css/civic.css",
            "civic/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css",
            "civic/static/vendor/bootstrap-italia/js/bootstrap-italia.min.js",
            "civic/static/vendor/bootstrap-italia/svg/sprites.svg",
            "civic/static/vendor/chart.js/chart.umd.min.js"} <= names
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_the_installed_wheel_migrates_and_serves_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                       cwd=tmp_path).strip())
    # The dependencies: this environment's site-packages, after the new environment's own.
    (purelib / "civic-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel,
        cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"  # the working directory: nothing of the checkout around
    elsewhere.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "CIVIC_SECRET_KEY": "wheel-test-" + "k" * 40, "CIVIC_RATELIMIT_ENABLED": "0"}
    where = run(python, "-c", "import civic, civic.config as c; print(civic.__file__, c.instance_path())",
                cwd=elsewhere, env=env).split()
    assert Path(where[0]).is_relative_to(venv), where
    instance = Path(where[1])
    assert instance == venv / "var" / "civic-instance"  # Flask's rule for an installed package

    run(python, "-m", "flask", "--app", "civic", "db", "upgrade", cwd=elsewhere, env=env)
    assert (instance / "civic.sqlite3").exists()
    heads = run(python, "-m", "flask", "--app", "civic", "db", "current", cwd=elsewhere, env=env)
    assert "(head)" in heads

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([python, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "civic.wsgi:app"], cwd=elsewhere, env=env, stdout=log, stderr=log)
    try:
        home = _get_when_up(base + "/", server, tmp_path / "gunicorn.log")
        assert home.status == 200
        page = home.read().decode()
        assert "Vai al contenuto" in page  # Italian, from the wheel's compiled catalogue
        with urllib.request.urlopen(base + "/?lang=en", timeout=30) as english:
            assert "Skip to content" in english.read().decode()
        stylesheets = re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', page)
        assert stylesheets
        for address in stylesheets:
            with urllib.request.urlopen(base + address, timeout=30) as static:
                assert static.status == 200
                assert static.headers["Content-Type"].startswith("text/css")
                assert len(static.read()) > 1000
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _get_when_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("gunicorn exited: " + log.read_text()[-3000:])
        try:
            return urllib.request.urlopen(url, timeout=10)
        except OSError:
            time.sleep(0.3)
    pytest.fail("gunicorn did not answer: " + log.read_text()[-3000:])
