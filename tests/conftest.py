"""Shared fixtures. The whole suite runs against the database named by CIVIC_TEST_DB (sqlite, the default, or
postgresql); tests/run.sh runs it once for each. Fixtures follow the Flask tutorial: app, client, runner,
auth."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import create_engine, event, text

from civic import create_app
from civic.database import db
from civic.extensions import limiter
from civic.results import report as results_report
from civic.translate import compile_catalogues
from tests.support.people import forget_people
from tests.support.servers import GunicornServer, SmtpSink, ThreadedServer

BACKEND = os.environ.get("CIVIC_TEST_DB", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get("CIVIC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_report_header(config):
    return f"civic database backend: {BACKEND}"


def pytest_configure(config):
    # The Italian pages need compiled catalogues; build them from the .po files once per run (not in xdist
    # workers, which start after this), so a test never reads a stale translation.
    if not hasattr(config, "workerinput"):
        compile_catalogues(quiet=True)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this test run only: a SQLite file, or a PostgreSQL database created and dropped here."""
    if BACKEND == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "civic.sqlite3")
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"CIVIC_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    name = f"civic_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory, database_url):
    """An instance folder for this run; its config.py is also read by servers started in other processes."""
    path = tmp_path_factory.mktemp("instance")
    (path / "config.py").write_text(
        "CIVIC_ARGON2 = {'time_cost': 1, 'memory_cost': 1024, 'parallelism': 1}\n"
        f"SQLALCHEMY_DATABASE_URI = {database_url!r}\n"
    )
    return path


TEST_CONFIG = {
    "TESTING": True,
    "CIVIC_BASE_URL": "http://localhost",
    "CIVIC_SMTP_URL": None,
    "SERVER_NAME": None,
    # Anonymous web responses released at once (each its own batch), so tests read what one submit stored;
    # the batches themselves are tested with the default size in tests/surveys/test_batches.py.
    "CIVIC_ANONYMITY_BATCH": 1,
}


@pytest.fixture(scope="session")
def app(instance_path, database_url):
    os.environ["CIVIC_INSTANCE_PATH"] = str(instance_path)
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_state(request, app):
    """Every test starts with empty tables, no rate-limit counters, no results kept by this process (ids are
    reused once the tables are emptied: a survey must not meet an earlier test's figures) and the default
    configuration."""
    saved = dict(app.config)
    _memory_limits()
    limiter.reset()
    results_report._cache.entries.clear()
    forget_people(app)
    yield
    app.config.clear()
    app.config.update(saved)
    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)


def _memory_limits() -> None:
    """Each test starts with its rate-limit counters in memory: the limiter is one object that every app a
    test makes binds again, to the database without Redis (some of those apps have databases of their own).
    The database's counters are tested in tests/core/test_ratelimit.py, in this process and across gunicorn
    workers; an app a test makes binds the limiter to its own store until the next test."""
    if not isinstance(limiter.storage, MemoryStorage):
        limiter._storage = MemoryStorage()
        limiter._limiter = FixedWindowRateLimiter(limiter._storage)


def _empty_tables(engine) -> None:
    """Delete the rows of the tables that have any (one query finds them), children first, and restart the
    ids. Much faster than TRUNCATE of every table, which costs about a second per test on PostgreSQL."""
    quote = engine.dialect.identifier_preparer.quote
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quote(name)})"
                               for name in tables)
    with engine.begin() as connection:
        used = set(connection.execute(text(probe)).scalars())
        if connection.dialect.name == "sqlite":
            # Checked at commit, when every row is gone: a table that refers to itself (bodies inside bodies)
            # could not be emptied row by row otherwise. SQLite reuses ids from 1 once a table is empty.
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        for name in tables:
            if name in used:
                connection.execute(text(f"DELETE FROM {quote(name)}"))
        if connection.dialect.name == "postgresql":
            sequences = connection.execute(text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
                "WHERE last_value IS NOT NULL")).scalars().all()
            for sequence in sequences:
                connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page, as a browser would send it."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms, CSRF included."""

    def __init__(self, client):
        self._client = client

    def login(self, email="citizen@example.org", password="correct horse battery staple", follow=False):
        page = self._client.get("/account/login")
        return self._client.post(
            "/account/login",
            data={"email": email, "password": password,
                  "csrf_token": csrf_token(page.get_data(as_text=True))},
            follow_redirects=follow,
        )

    def logout(self):
        page = self._client.get("/")
        return self._client.post("/account/logout",
                                 data={"csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return AuthActions(client)


def post_form(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    """GET a page (following redirects, as from a link in an e-mail to the page without its token), take its
    CSRF token, POST `data` to the form's action (or the page reached), as a browser does."""
    page = client.get(page_url, follow_redirects=True)
    assert page.status_code == 200, f"{page_url} answered {page.status_code}"
    payload = {"csrf_token": csrf_token(page.get_data(as_text=True)), **data}
    query = page.request.query_string.decode()
    reached = page.request.path + (f"?{query}" if query else "")
    return client.post(action or reached, data=payload, **kwargs)


@pytest.fixture
def mail_server(app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the app's outbox delivers to it during the test."""
    sink = SmtpSink()
    sink.start()
    app.config["CIVIC_SMTP_URL"] = f"smtp://127.0.0.1:{sink.port}"
    yield sink
    sink.stop()


class QueryCounter:
    """Counts the SQL statements the engine runs while it listens."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn, cursor, statement, *args):
        self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter: client.get(...)`, then `counter.count`."""
    with app.app_context():
        engine = db.engine

    @contextlib.contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


def require_tool(name: str, why: str) -> str:
    """The path of a command-line tool; skip with a one-line reason when absent (fail under CI)."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is required under CI ({why}) but was not found")
        pytest.skip(f"{name} not installed: {why}")
    return path


def shared_dir(*parts: str) -> Path:
    """A path inside ../shared; skip with a one-line reason when the folder is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/{'/'.join(parts)} is absent (it exists only beside the development checkout)")
    return path


# --- browser --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, headless, no sandbox; never a browser downloaded by `playwright install`."""
    path = shutil.which("chromium")
    if path is None:
        if IN_CI:
            pytest.fail("chromium is required under CI (browser tests) but was not found")
        pytest.skip("chromium not installed (Debian: apt-get install chromium): browser tests skipped")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session", autouse=True)
def _patient_browser_assertions():
    """A browser assertion waits up to 15 s (Playwright's default is 5 s): a SAML round trip signs and checks
    with xmlsec1 in subprocesses, which on two busy cores (CI runs two workers beside servers of its own) can
    take longer than 5 s. A wrong page still fails, only later."""
    try:
        from playwright.sync_api import expect
    except ImportError:  # pragma: no cover - playwright is a test dependency
        return
    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def live_server(app):
    """The test app on a free loopback port, in a thread of this process (shares the test database)."""
    server = ThreadedServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def gunicorn_server(app, instance_path, database_url):
    """The app under gunicorn with four worker processes, for concurrency tests."""
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"]).start()
    yield server
    server.stop()
