"""`make bench`: Civic against the bare stack, on PostgreSQL and on SQLite, on this machine.

For each database: create it, build the schema (db.create_all), bulk-load small data and count the SQL of the
scenario-1 pages, bulk-load large data and count again, start Civic and the baseline under the same gunicorn
setup on 127.0.0.1, log the bench citizens in once through the real login form, run the scenarios, stop
everything, drop the database. Then print one table and write bench/results.json.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from bench import baseline, loadgen, scenarios, servers
from bench.database import BenchDatabase, BulkWriter, postgres_available
from bench.dataset import Dataset
from bench.profiles import Profile, current
from bench.report import Report
from civic import create_app
from civic.accounts.models import AuthSession
from civic.database import db

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results.json"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise loadgen.HTTPError("the page has no form with a CSRF token")
    return match.group(1) or match.group(2)


@dataclass
class Citizen:
    """A bench citizen: its own cookie jar (session cookie) and the CSRF token of its session."""

    user_id: int
    email: str
    jar: loadgen.CookieJar = field(default_factory=loadgen.CookieJar)
    csrf: str = ""


@dataclass
class Context:
    """Everything a scenario needs on one database."""

    backend: str
    profile: Profile
    report: Report
    app: Flask
    data: Dataset
    civic: servers.Server
    baseline: servers.Server
    people: list[Citizen]  # the citizens, then the councillor who exports
    env: dict[str, str]

    @property
    def citizens(self) -> list[Citizen]:
        return self.people[:-1]

    @property
    def councillor(self) -> Citizen:
        return self.people[-1]

    @property
    def engine(self):
        with self.app.app_context():
            return db.engine


def log_in(port: int, citizens: list[Citizen], password: str) -> loadgen.RunResult:
    """Each citizen logs in through the real form (GET for the CSRF token, POST, then one page to learn the
    session's CSRF token). Real Argon2 hashing: this is the slow part, done once per run."""

    async def job(conn: loadgen.Connection, index: int, timed: loadgen.Timed) -> None:
        citizen = citizens[index]
        page = await conn.request("GET", "/account/login", jar=citizen.jar)
        reply = await timed(conn.request("POST", "/account/login", jar=citizen.jar, form={
            "email": citizen.email, "password": password, "next": "", "csrf_token": csrf_of(page.text)}))
        if reply.status != 302:
            raise loadgen.HTTPError(f"login of {citizen.email} answered {reply.status}")
        home = await conn.request("GET", "/", jar=citizen.jar)
        citizen.csrf = csrf_of(home.text)

    # Argon2id (64 MiB, 4 lanes) saturates both cores with two logins at a time; more only thrash memory.
    return loadgen.run(port, job, jobs=len(citizens), connections=2, seconds=60 + len(citizens))


def resume_sessions(ctx: Context, sessions: dict) -> None:
    """Reuse the first database's login sessions: the same users (same ids) get the same session rows, and
    the cookies, signed with the run's one secret key, are valid here too."""
    writer = BulkWriter(ctx.engine)
    writer.insert(AuthSession.__table__, sessions["rows"])
    for citizen, (cookies, token) in zip(ctx.people, sessions["jars"], strict=True):
        citizen.jar.cookies = dict(cookies)
        citizen.csrf = token


def start_sessions(ctx: Context, sessions: dict) -> None:
    if sessions:
        resume_sessions(ctx, sessions)
        print(f"  {len(ctx.people)} people: login sessions of the first database reused", flush=True)
        return
    started = time.perf_counter()
    result = log_in(ctx.civic.port, ctx.people, ctx.data.password)
    missing = [c for c in ctx.people if not c.csrf]
    print(f"  {len(ctx.people) - len(missing)} citizens and councillors logged in through the form in "
          f"{time.perf_counter() - started:.0f} s (real Argon2id: p50 {result.percentile(0.5) * 1000:.0f} ms "
          f"per login POST)", flush=True)
    if missing:
        raise RuntimeError(f"{len(missing)} people could not log in: {result.error_samples}")
    with ctx.engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(AuthSession.__table__.select())]
    sessions["rows"] = rows
    sessions["jars"] = [(dict(c.jar.cookies), c.csrf) for c in ctx.people]
    ctx.report.detail(ctx.backend, "login", result.summary())


@contextlib.contextmanager
def bench_database(backend: str, secret_key: str):
    """A fresh database with the schema and the baseline's table, the in-process app on it, and the
    environment the servers get; dropped with its temp folder at the end."""
    folder = Path(tempfile.mkdtemp(prefix=f"civic-bench-{backend}-"))
    database = BenchDatabase(backend, folder)
    database.create()
    app = None
    try:
        instance = folder / "instance"
        instance.mkdir()
        # Real Argon2 parameters (the library's defaults, as in production): nothing lowered here.
        (instance / "config.py").write_text("# civic bench instance: production defaults\n")
        env = {
            "CIVIC_INSTANCE_PATH": str(instance), "CIVIC_DATABASE_URL": database.url,
            "CIVIC_SECRET_KEY": secret_key, "CIVIC_RATELIMIT_ENABLED": "0",
            # The citizens log in once, at the start of a run that lasts longer than the 30-minute idle
            # time-out: without this their later pages would be anonymous ones (and fail the signed-in check).
            "CIVIC_SESSION_IDLE_MINUTES": "600",
            "CIVIC_BASE_URL": "http://127.0.0.1", "BENCH_DATABASE_URL": database.url,
            "BENCH_LOG_DIR": str(folder),
        }
        os.environ.update(env)
        # The in-process app (query counts, bench.profile) renders every page: what is measured is the work.
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "CIVIC_PAGE_CACHE_SECONDS": 0})
        with app.app_context():
            db.create_all()
        baseline.seed(baseline.create_app(database.url))
        yield app, env
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def run_backend(backend: str, profile: Profile, report: Report, secret_key: str, sessions: dict) -> None:
    print(f"\n=== {backend} ===", flush=True)
    with bench_database(backend, secret_key) as (app, env):
        data = Dataset(app, profile)
        started = time.perf_counter()
        data.load_small()
        print(f"  small data loaded in {time.perf_counter() - started:.1f} s", flush=True)
        small_counts = scenarios.count_queries(app, data)
        started = time.perf_counter()
        loaded = data.load_large()
        print(f"  large data loaded in {time.perf_counter() - started:.1f} s: {loaded}", flush=True)
        report.detail(backend, "large_data", loaded)
        report.detail(backend, "large_data_seconds", round(time.perf_counter() - started, 1))
        large_counts = scenarios.count_queries(app, data)

        civic = servers.Server(f"civic-{backend}", "civic.wsgi:app", env)
        base = servers.Server(f"baseline-{backend}", "bench.baseline:app", env, ready_path="/hello")
        selected = scenarios.selected()
        # Citizens log in only for the scenarios that need them (the councillor always: it is one login).
        citizens = data.citizens if {scenarios.survey_submission, scenarios.rsvp_race} & set(selected) else []
        with civic, base:
            ctx = Context(backend, profile, report, app, data, civic, base,
                          [Citizen(uid, email) for uid, email in [*citizens, data.councillor]], env)
            start_sessions(ctx, sessions)
            for scenario in selected:
                try:
                    scenario(ctx)
                except Exception as error:  # noqa: BLE001 (one broken scenario must not hide the others)
                    traceback.print_exc()
                    report.add(scenarios.failed(backend, scenario, error))
        scenarios.report_query_counts(report, backend, small_counts, large_counts)
        problems = servers.log_problems(Path(env["BENCH_LOG_DIR"]))
        if problems:
            report.detail(backend, "server_log_problems", problems[:100])
            print(f"  the servers logged {len(problems)} problem line(s), e.g. {problems[0]}", flush=True)


def stop_on_terminate() -> None:
    """A SIGTERM (`kill`, `timeout`) unwinds like Ctrl-C, so servers stop and the database is dropped."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main() -> int:
    stop_on_terminate()
    profile = current()
    wanted = os.environ.get("BENCH_BACKENDS", "postgresql,sqlite")
    backends = [b.strip() for b in wanted.split(",") if b.strip()]
    if "postgresql" in backends and not postgres_available():
        print("PostgreSQL does not answer at 127.0.0.1:5432: benchmarking SQLite only.")
        backends.remove("postgresql")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    report = Report(meta={
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "profile": profile.name,
        "commit": commit, "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(), "server": servers.describe(), "backends": backends,
        "rounds": profile.rounds, "password_hashing": "Argon2id, library defaults (no lowered cost)",
    })
    print(f"Civic benchmark ({profile.name}): {servers.describe()} on {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; {profile.rounds} rounds; backends {', '.join(backends)}")
    started = time.perf_counter()
    secret_key = secrets.token_urlsafe(32)
    sessions: dict = {}
    for backend in backends:
        run_backend(backend, profile, report, secret_key, sessions)
    report.meta["seconds"] = round(time.perf_counter() - started)
    report.meta["load_average_at_end"] = os.getloadavg()
    print("\n" + report.table())
    report.write_json(RESULTS)
    print(f"\n{len(report.rows)} rows in {report.meta['seconds']} s; written to {RESULTS.relative_to(ROOT)}"
          if RESULTS.is_relative_to(ROOT) else f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
