"""The six scenarios of issue 8. Each takes the run context and adds its rows to the report; a scenario whose
feature is not in the tree yet adds one row saying so, never a figure."""
from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, event, func, insert, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from bench import loadgen, servers
from bench.report import Report, Row, Spread, ratios
from civic.database import db
from civic.meetings.models import Meeting, Registration
from civic.surveys.models import Answer, Channel, HeldResponse, Response

PAGES = {"home": "home", "consultation": "consultation detail", "meeting": "meeting detail",
         "motions": "motion list"}


def failed(backend: str, scenario, error: Exception) -> Row:
    return Row(backend, scenario.__doc__.split(":")[0], "", "",
               note=f"FAILED: {type(error).__name__}: {error}")


def route_problem(app: Flask, path: str | None, method: str = "GET") -> str | None:
    """Why `path` cannot be benchmarked yet (no data for it, no route), or None."""
    if path is None:
        return "its data cannot be generated yet (model missing)"
    try:
        app.url_map.bind("127.0.0.1").match(path.split("?")[0], method=method)
    except NotFound:
        return f"no route for {method} {path} yet"
    except MethodNotAllowed:
        return f"{path} does not accept {method} yet"
    return None


def warm_up(port: int, path: str, connections: int) -> None:
    """Every worker process imports, compiles templates and opens its pool before anything is measured."""
    loadgen.run(port, loadgen.simple("GET", path), jobs=connections * 8, connections=connections, seconds=5)


def measured(server, job: loadgen.Job, **bounds) -> loadgen.RunResult:
    """A bounded run against one server, with the CPU its workers spent on it."""
    before = server.cpu_seconds()
    result = loadgen.run(server.port, job, **bounds)
    after = server.cpu_seconds()
    # A worker that died (and was replaced) during the run took its CPU time with it: no figure then.
    same_workers = after.keys() == before.keys()
    result.server_cpu = sum(after.values()) - sum(before.values()) if same_workers else math.nan
    return result


def _ok(response: loadgen.Response) -> bool:
    return response.status == 200


# --- 1. page views ----------------------------------------------------------------------------------------


def page_views(ctx) -> None:
    """1 page views: requests/s, p50 and p99 of four public pages against baseline (b), a 20-row page"""
    p, report, backend = ctx.profile, ctx.report, ctx.backend
    pages = {}
    for name, subject in PAGES.items():
        problem = route_problem(ctx.app, ctx.data.pages.get(name))
        if problem is None:
            status = _probe(ctx.civic.port, ctx.data.pages[name])
            problem = None if status == 200 else f"GET {ctx.data.pages[name]} answered {status}"
        if problem:
            report.unavailable(backend, "1 page views", subject, problem)
        else:
            pages[name] = ctx.data.pages[name]
    # Anonymous visitors get pages the server keeps until the data changes (civic/core/pagecache.py); the
    # second Civic renders every page every time, as after each change, so what rendering costs shows too.
    rendering = configured_server(ctx, "rendered", "CIVIC_PAGE_CACHE_SECONDS = 0\n")

    def measure(server, path: str) -> loadgen.RunResult:
        return measured(server, loadgen.simple("GET", path, expect=_ok), jobs=p.page_jobs,
                        connections=p.connections, seconds=p.page_seconds)

    hello, rows = [], []
    civic = {(name, kept): [] for name in pages for kept in (True, False)}
    with rendering:
        warm_up(ctx.baseline.port, "/rows", p.connections)
        warm_up(ctx.baseline.port, "/hello", p.connections)
        for path in pages.values():
            warm_up(ctx.civic.port, path, p.connections)
            warm_up(rendering.port, path, p.connections)
        for _ in range(p.rounds):
            hello.append(measure(ctx.baseline, "/hello"))
            rows.append(measure(ctx.baseline, "/rows"))
            for name, path in pages.items():
                civic[name, True].append(measure(ctx.civic, path))
                civic[name, False].append(measure(rendering, path))
    report.add(Row(backend, "1 page views", "baseline (a) /hello", "req/s", baseline=_rate(hello),
                   baseline_name="(a)", note=_client_note(hello)))
    report.add(Row(backend, "1 page views", "baseline (b) /rows", "req/s", baseline=_rate(rows),
                   baseline_name="(b)", note=_client_note(rows)))
    for (name, kept), results in civic.items():
        subject = f"{PAGES[name]} {pages[name]}" + ("" if kept else ", rendered every time")
        add_rate_rows(report, backend, "1 page views", subject, results, rows, "(b)",
                      target=0.5 if kept else None)
    ctx.report.detail(backend, "page_views", {
        "baseline_hello": [r.summary() for r in hello], "baseline_rows": [r.summary() for r in rows],
        **{f"{name}{'' if kept else '_rendered'}": [r.summary() for r in results]
           for (name, kept), results in civic.items()}})


def configured_server(ctx, name: str, config: str) -> servers.Server:
    """A second Civic on the same database whose instance config.py holds `config` (not started yet)."""
    instance = Path(ctx.env["BENCH_LOG_DIR"]) / f"instance-{name}"
    instance.mkdir(exist_ok=True)
    (instance / "config.py").write_text(config)
    return servers.Server(f"civic-{name}-{ctx.backend}", "civic.wsgi:app",
                          {**ctx.env, "CIVIC_INSTANCE_PATH": str(instance)})


def _probe(port: int, path: str) -> int:
    result: list[int] = []

    async def job(conn, index, timed):
        result.append((await conn.request("GET", path)).status)

    loadgen.run(port, job, jobs=1, connections=1, seconds=30)
    return result[0] if result else 0


def _rate(results: list[loadgen.RunResult]) -> Spread:
    return Spread([r.rate for r in results])


def _ms(results: list[loadgen.RunResult], q: float) -> Spread:
    return Spread([r.percentile(q) * 1000 for r in results])


def _client_note(results: list[loadgen.RunResult]) -> str:
    cpu = sum(r.client_cpu for r in results) / max(sum(r.elapsed for r in results), 1e-9)
    bad = sum(r.requests - r.count(200, 400) + r.errors for r in results)
    return f"load generator used {cpu:.0%} of a core" + (f"; {bad} failed requests" if bad else "")


def add_rate_rows(report: Report, backend: str, scenario: str, subject: str, civic: list[loadgen.RunResult],
                  base: list[loadgen.RunResult], base_name: str, target: float | None = None,
                  p99_target_ms: float | None = None, unit: str = "req/s") -> None:
    """Three rows: rate, p50 and p99, each with its round-by-round ratio to the baseline."""
    rate_ratio = ratios([r.rate for r in civic], [r.rate for r in base])
    report.add(Row(backend, scenario, subject, unit, _rate(civic), _rate(base), base_name, rate_ratio,
                   target=f"≥{target}× {base_name}" if target else "",
                   met=(rate_ratio.median >= target) if target else None, note=_client_note(civic)))
    add_latency_rows(report, backend, scenario, subject, civic, base, base_name, p99_target_ms)
    add_cpu_row(report, backend, scenario, subject, civic, base, base_name)


def add_cpu_row(report: Report, backend: str, scenario: str, subject: str, civic: list[loadgen.RunResult],
                base: list[loadgen.RunResult], base_name: str) -> None:
    civic_cpu, base_cpu = Spread([r.server_cpu_ms for r in civic]), Spread([r.server_cpu_ms for r in base])
    report.add(Row(backend, scenario, subject, "server CPU ms/req", civic_cpu, base_cpu, base_name,
                   ratios(civic_cpu.rounds, base_cpu.rounds, higher_is_better=False)))


def add_latency_rows(report: Report, backend: str, scenario: str, subject: str,
                     civic: list[loadgen.RunResult], base: list[loadgen.RunResult], base_name: str,
                     p99_target_ms: float | None = None, p50_target_ms: float | None = None,
                     note: str = "") -> None:
    for label, q, target in (("p50 ms", 0.50, p50_target_ms), ("p99 ms", 0.99, p99_target_ms)):
        civic_ms, base_ms = _ms(civic, q), _ms(base, q)
        row = Row(backend, scenario, subject, label, civic_ms, base_ms, base_name,
                  ratios(civic_ms.rounds, base_ms.rounds, higher_is_better=False), note=note)
        if target:
            row.target, row.met = f"<{target:.0f} ms", civic_ms.median < target
        report.add(row)


# --- 2. survey submission -----------------------------------------------------------------------------------


def survey_submission(ctx) -> None:
    """2 survey submission: 10-question responses by logged-in citizens (session, CSRF) against (c)"""
    p, report, backend, data = ctx.profile, ctx.report, ctx.backend, ctx.data
    surveys = data.lists.get("submission_surveys")
    subject = f"10 questions, {p.connections} connections"
    problem = route_problem(ctx.app, f"/surveys/{surveys[0]}" if surveys else None, "POST")
    if problem:
        report.unavailable(backend, "2 survey submission", subject, problem)
        return
    citizens = ctx.citizens

    def job_for(survey_id: int, accepted: list[int]) -> loadgen.Job:
        async def job(conn, index, timed):
            citizen = citizens[index]
            response = await timed(conn.request("POST", f"/surveys/{survey_id}", jar=citizen.jar, form={
                "csrf_token": citizen.csrf, **data.survey_form(survey_id)}))
            if response.status in (302, 303) and (response.header("location") or "").endswith("/thanks"):
                accepted.append(index)
            else:
                raise loadgen.HTTPError(f"survey answer not accepted: {response.status} "
                                        f"{response.header('location') or ''}")
        return job

    def baseline_job(conn, index, timed):
        return timed(conn.request("POST", "/rows", form={"title": f"Response {index}", "body": "10 answers"}))

    signed_in_pages(ctx, f"/surveys/{surveys[1]}")
    loadgen.run(ctx.civic.port, job_for(surveys[0], []), jobs=p.connections * 2, connections=p.connections,
                seconds=30)
    civic, base, checks = [], [], []
    for survey_id in surveys[1:p.rounds + 1]:
        base.append(measured(ctx.baseline, baseline_job, jobs=p.submit_jobs, connections=p.connections,
                             seconds=p.submit_seconds))
        accepted: list[int] = []
        civic.append(measured(ctx.civic, job_for(survey_id, accepted), jobs=min(p.submit_jobs, len(citizens)),
                              connections=p.connections, seconds=p.submit_seconds))
        checks.append((stored_responses(ctx, survey_id), len(accepted)))
    on_pg = backend == "postgresql"
    add_rate_rows(report, backend, "2 survey submission", subject, civic, base, "(c)",
                  target=0.5 if on_pg else None, p99_target_ms=250 if on_pg else None, unit="responses/s")
    seen = " · ".join(f"{stored}/{accepted}" for stored, accepted in checks)
    report.add(Row(backend, "2 survey submission", subject, "stored = accepted", target="equal every round",
                   met=all(stored == accepted for stored, accepted in checks),
                   note=f"stored responses / accepted replies (302 to the thank-you page) per round: {seen}"))
    report.detail(backend, "survey_submission", {"civic": [r.summary() for r in civic],
                                                 "baseline": [r.summary() for r in base], "checks": checks})
    submit_storm(ctx, job_for, surveys[p.rounds + 1:2 * p.rounds + 1])


SIGNED_IN = "2 signed-in pages"


def signed_in_pages(ctx, survey_page: str) -> None:
    """The scenario-1 pages and a survey page (not answered yet) as signed-in citizens see them, each request
    with another citizen's session: nothing is kept for them, so every page is rendered (issue 18's targets:
    at least 0.5x the bare 20-row page)."""
    p, report, backend = ctx.profile, ctx.report, ctx.backend
    pages = {PAGES[name]: path for name, path in ctx.data.pages.items() if name in PAGES}
    pages["survey page"] = survey_page
    citizens = ctx.citizens

    def job_for(path: str) -> loadgen.Job:
        async def job(conn, index, timed):
            response = await timed(conn.request("GET", path, jar=citizens[index % len(citizens)].jar))
            if response.status != 200 or b'action="/account/logout"' not in response.body:
                raise loadgen.HTTPError(f"GET {path} signed in: {response.status}")
        return job

    rows, civic = {name: [] for name in pages}, {name: [] for name in pages}
    for path in pages.values():
        warm_up(ctx.civic.port, path, p.connections)
    for _ in range(p.rounds):
        # Each page right after its own bare page: this machine's speed drifts within a round, and a ratio
        # is only fair between two runs that saw the same machine.
        for name, path in pages.items():
            rows[name].append(measured(ctx.baseline, loadgen.simple("GET", "/rows", expect=_ok),
                                       jobs=p.page_jobs, connections=p.connections, seconds=p.page_seconds))
            civic[name].append(measured(ctx.civic, job_for(path), jobs=p.page_jobs, connections=p.connections,
                                        seconds=p.page_seconds))
    for name, results in civic.items():
        add_rate_rows(report, backend, SIGNED_IN, f"{name} {pages[name]}, signed in", results, rows[name],
                      "(b)", target=0.5)
    report.detail(backend, "signed_in_pages", {"baseline_rows": {name: [r.summary() for r in results]
                                                                 for name, results in rows.items()},
                                               **{name: [r.summary() for r in results]
                                                  for name, results in civic.items()}})


STORM = "2 survey submission"
STORM_BROWSERS = 4  # connections of anonymous visitors during the storm


def _page_cache_lookups(port: int) -> dict[str, float]:
    """The page-cache lookups of every worker of a server (/metrics in multiprocess mode), by result."""
    text = []

    async def job(conn, index, timed):
        response = await conn.request("GET", "/metrics")
        if response.status != 200:
            raise loadgen.HTTPError(f"GET /metrics: {response.status}")
        text.append(response.body.decode())

    loadgen.run(port, job, jobs=1, connections=1, seconds=30)
    counts = {"hit": 0.0, "miss": 0.0, "bypass": 0.0}
    for line in text[0].splitlines() if text else ():
        match = re.match(r'civic_page_cache_lookups_total\{result="(\w+)"\} ([0-9.e+]+)', line)
        if match:
            counts[match.group(1)] = float(match.group(2))
    return counts


def submit_storm(ctx, job_for, surveys: list[int]) -> None:
    """Anonymous visitors browse the scenario-1 pages while 32 connections submit survey answers: the share of
    their pages served from the page cache. Every answer is a committed write; it announces its survey only
    (civic/core/pagecache.py), so the pages that do not show that survey's answers stay kept."""
    p, report, backend = ctx.profile, ctx.report, ctx.backend
    pages = [path for name, path in ctx.data.pages.items() if name in PAGES]
    subject = f"anonymous pages while {p.connections} connections submit answers"
    if len(surveys) < p.rounds or not pages:
        report.unavailable(backend, STORM, subject, "no storm surveys in the data set")
        return
    folder = Path(ctx.env["BENCH_LOG_DIR"]) / "storm-metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    instance = Path(ctx.env["BENCH_LOG_DIR"]) / "instance-storm"
    instance.mkdir(exist_ok=True)
    (instance / "config.py").write_text("")
    storm = servers.Server(f"civic-storm-{backend}", "civic.wsgi:app",
                           {**ctx.env, "CIVIC_INSTANCE_PATH": str(instance),
                            "CIVIC_METRICS_ALLOW": "127.0.0.1", "PROMETHEUS_MULTIPROC_DIR": str(folder)})

    def browse(conn, index, timed):
        path = pages[index % len(pages)]
        return timed(conn.request("GET", path))

    shares, browsed, submits = [], [], []
    with storm:
        for path in pages:
            warm_up(storm.port, path, p.connections)
        for survey_id in surveys[:p.rounds]:
            before = _page_cache_lookups(storm.port)
            accepted: list[int] = []
            with ThreadPoolExecutor(max_workers=1) as pool:
                answering = pool.submit(measured, storm, job_for(survey_id, accepted),
                                        jobs=min(p.submit_jobs, len(ctx.citizens)), connections=p.connections,
                                        seconds=p.submit_seconds)
                time.sleep(0.2)  # the storm is on before the first visitor comes
                browsed.append(loadgen.run(storm.port, browse, jobs=10**6, connections=STORM_BROWSERS,
                                           seconds=p.submit_seconds))
                submits.append(answering.result())
            after = _page_cache_lookups(storm.port)
            hits, misses = after["hit"] - before["hit"], after["miss"] - before["miss"]
            shares.append(100 * hits / (hits + misses) if hits + misses else math.nan)
    share = Spread(shares)
    note = (f"{statistics.median(r.requests for r in browsed):.0f} page views and "
            f"{statistics.median(r.requests for r in submits):.0f} accepted answers per round (median); "
            "hit / (hit + miss) of the page-cache counters of every worker")
    report.add(Row(backend, STORM, subject, "% from the cache", share, target="≥90%",
                   met=share.median >= 90, note=note))
    report.detail(backend, "submit_storm", {"shares": shares, "browsed": [r.summary() for r in browsed],
                                            "submits": [r.summary() for r in submits]})


def stored_responses(ctx, survey_id: int) -> int:
    """The responses stored for a survey: released ones and, for an anonymous survey, those still held for
    their batch (civic/surveys/batches.py), which are acknowledged and stored too."""
    with ctx.app.app_context():
        released = db.session.scalar(select(func.count()).where(Response.survey_id == survey_id))
        held = db.session.scalar(select(func.count()).where(HeldResponse.survey_id == survey_id))
        db.session.remove()
    return released + held


# --- 3. RSVP race -------------------------------------------------------------------------------------------


def rsvp_race(ctx) -> None:
    """3 RSVP race: every logged-in citizen asks for a seat of one meeting at once; exact counts"""
    p, report, backend = ctx.profile, ctx.report, ctx.backend
    race = ctx.data.lists.get("race_meetings")
    path = f"/meetings/{race[0]}/register" if race else None
    problem = route_problem(ctx.app, path, "POST")
    subject = f"{len(ctx.citizens):,} citizens, {p.seats} seats, {p.race_connections} connections"
    if problem:
        report.unavailable(backend, "3 RSVP race", subject, problem)
        return
    citizens = ctx.citizens

    def job_for(meeting_id: int) -> loadgen.Job:
        async def job(conn, index, timed):
            citizen = citizens[index]
            await timed(conn.request("POST", f"/meetings/{meeting_id}/register", jar=citizen.jar, form={
                "category": "cittadini", "accessibility_needs": "", "note": "", "csrf_token": citizen.csrf}))
        return job

    def baseline_job(conn, index, timed):
        return timed(conn.request("POST", "/rows", form={"title": f"RSVP {index}", "body": "cittadini"}))

    # Warm-up race: 64 citizens on a meeting of its own (they race again, on fresh meetings, below).
    loadgen.run(ctx.civic.port, job_for(race[0]), jobs=p.race_connections, connections=p.race_connections,
                seconds=60)
    civic, base, outcomes, exact = [], [], [], []
    for meeting_id in race[1:p.rounds + 1]:
        base.append(measured(ctx.baseline, baseline_job, jobs=len(citizens), connections=p.race_connections,
                             seconds=300))
        result = measured(ctx.civic, job_for(meeting_id), jobs=len(citizens), connections=p.race_connections,
                          seconds=300)
        civic.append(result)
        counts = registration_counts(ctx, meeting_id)
        server_errors = result.count(500, 600)
        outcomes.append({**counts, "5xx": server_errors, "answered": result.requests, "errors": result.errors,
                         "statuses": result.statuses})
        exact.append(counts["confirmed"] == p.seats == counts["confirmed_count"]
                     and counts["waitlisted"] == len(citizens) - p.seats
                     and server_errors == 0 and result.errors == 0 and result.requests == len(citizens))
    seen = " · ".join(f"{o['confirmed']}/{o['waitlisted']}/{o['5xx']}" for o in outcomes)
    expected = f"exactly {p.seats}/{len(citizens) - p.seats}/0 every round"
    report.add(Row(backend, "3 RSVP race", subject, "confirmed/waitlisted/5xx", target=expected,
                   met=all(exact), note=f"rounds: {seen}"))
    drain = Spread([r.elapsed for r in civic])
    base_drain = Spread([r.elapsed for r in base])
    report.add(Row(backend, "3 RSVP race", subject, "time to drain s", drain, base_drain, "(c)",
                   ratios(drain.rounds, base_drain.rounds, higher_is_better=False),
                   note=f"(c) = the same number of baseline POSTs; {_client_note(civic)}"))
    add_latency_rows(report, backend, "3 RSVP race", subject, civic, base, "(c)")
    add_cpu_row(report, backend, "3 RSVP race", subject, civic, base, "(c)")
    report.detail(backend, "rsvp_race", {"outcomes": outcomes, "civic": [r.summary() for r in civic],
                                         "baseline": [r.summary() for r in base]})


def registration_counts(ctx, meeting_id: int) -> dict[str, int]:
    """Registrations of a meeting by status, and the meeting's own seat counter, read from the database."""
    with ctx.app.app_context():
        rows = db.session.execute(
            select(Registration.status, func.count()).where(Registration.meeting_id == meeting_id)
            .group_by(Registration.status)).all()
        seats = db.session.scalar(select(Meeting.confirmed_count).where(Meeting.id == meeting_id))
        db.session.remove()
    counts = {status.value: n for status, n in rows}
    return {"confirmed": counts.get("confirmed", 0), "waitlisted": counts.get("waitlisted", 0),
            "cancelled": counts.get("cancelled", 0), "confirmed_count": seats}


# --- 4. results at scale ------------------------------------------------------------------------------------

# Latency of one heavy page, not a queue: as many connections as cores.
RESULTS_CONNECTIONS = 2
RESULTS = "4 results at scale"


def results_at_scale(ctx) -> None:
    """4 results at scale: the results page of surveys of 1,000 to 100,000 responses: warm, cold, after a new
    response"""
    p, report, backend = ctx.profile, ctx.report, ctx.backend
    surveys = ctx.data.results_surveys
    sizes = sorted(surveys)
    paths = {size: f"/surveys/{surveys[size]}/results" for size in sizes}
    problem = route_problem(ctx.app, paths[sizes[0]] if sizes else None)
    if problem is None:
        status = _probe(ctx.civic.port, paths[sizes[0]])
        problem = None if status == 200 else f"GET {paths[sizes[0]]} answered {status}"
    if problem:
        report.unavailable(backend, RESULTS, "GET /surveys/<id>/results", problem)
        return
    # Cold: a second Civic whose results cache and snapshots are off, so every view aggregates every response,
    # as the first view of a survey in a new worker process did before snapshots (the database's own buffers
    # stay warm).
    cold_server = configured_server(ctx, "cold",
                                    "CIVIC_RESULTS_CACHE_SIZE = 0\nCIVIC_RESULTS_SNAPSHOT_EVERY = 0\n")
    # Restarted: a Civic with no results cache in its processes but the snapshots in the database
    # (civic/results/snapshots.py): every view is what the first view in a new process costs now.
    restart_server = configured_server(ctx, "restart", "CIVIC_RESULTS_CACHE_SIZE = 0\n")
    # After a new response: a third Civic that never serves figures older than the last response (no grace
    # period for open surveys), and one new response is written before each timed view.
    fresh_server = configured_server(ctx, "fresh", "CIVIC_RESULTS_OPEN_GRACE = 0\n")
    kinds = ("warm", "cold (no snapshot, every answer aggregated)", "after a new response",
             "first view in a new process (snapshot)")
    measured_runs = {kind: {size: [] for size in sizes} for kind in kinds}
    warm, cold, after, restarted = measured_runs.values()
    base, added_per_round = [], []
    with cold_server, fresh_server, restart_server:
        # Every worker of the warm server computes each survey's aggregates once before anything is timed.
        for size in sizes:
            loadgen.run(ctx.civic.port, loadgen.simple("GET", paths[size]), jobs=p.connections * 2,
                        connections=p.connections, seconds=120)
        loadgen.run(cold_server.port, loadgen.simple("GET", paths[sizes[0]]), jobs=p.connections,
                    connections=p.connections, seconds=60)
        for _ in range(p.rounds):
            bounds = {"connections": RESULTS_CONNECTIONS, "seconds": p.results_seconds}
            rows = loadgen.simple("GET", "/rows", expect=_ok)
            base.append(measured(ctx.baseline, rows, jobs=p.results_jobs, **bounds))
            added: list[int] = []
            try:
                for size in sizes:
                    job = loadgen.simple("GET", paths[size], expect=_ok)
                    warm[size].append(measured(ctx.civic, job, jobs=p.results_jobs, **bounds))
                    cold[size].append(measured(cold_server, job, jobs=p.cold_samples,
                                               **{**bounds, "seconds": p.results_seconds * 2}))
                    # One untimed view writes the survey's snapshot (the responses added and removed in an
                    # earlier round made the last one stale); then every timed view reads it.
                    loadgen.run(restart_server.port, loadgen.simple("GET", paths[size]), jobs=1,
                                connections=1, seconds=120)
                    restarted[size].append(measured(restart_server, job, jobs=p.results_jobs, **bounds))
                    # Every worker of the third server has the survey's aggregates (the responses added in an
                    # earlier round are gone, so it aggregates everything once more, untimed).
                    loadgen.run(fresh_server.port, loadgen.simple("GET", paths[size]), jobs=p.connections * 2,
                                connections=p.connections, seconds=120)
                    run = measured(fresh_server, _after_new_response(ctx, surveys[size], added),
                                   jobs=p.results_jobs, **bounds)
                    if run.errors:
                        raise RuntimeError(f"after a new response: {run.errors} jobs failed: "
                                           f"{run.error_samples}")
                    after[size].append(run)
            finally:
                # The surveys go back to their size for the next round and for the exports of scenario 5.
                _remove_responses(ctx, added)
            added_per_round.append(len(added))
    largest, smallest = sizes[-1], sizes[0]
    notes = {kinds[2]: f"one response of 10 answers written (untimed) before each timed GET; each of the "
                       f"{servers.WORKERS} workers adds the responses written since its last view"}
    for label, results in measured_runs.items():
        # The target is on warm views, views after a new response and first views in a new process.
        target = label != kinds[1] and largest >= 100_000
        for size in sizes:
            subject = f"{label}, {size:,} responses ({size * 10:,} answers)"
            samples = statistics.median(r.requests for r in results[size])
            note = "; ".join(filter(None, [f"{samples:.0f} requests per round", notes.get(label)]))
            add_latency_rows(report, backend, RESULTS, subject, results[size], base, "(b)",
                             p50_target_ms=100 if target and size == largest else None, note=note)
        growth = Spread([big.percentile(0.5) / small.percentile(0.5)
                         for big, small in zip(results[largest], results[smallest], strict=True)])
        report.add(Row(backend, RESULTS, f"{label}, {smallest:,} → {largest:,} responses", "p50 growth ×",
                       growth, target="<3×" if target else "", met=growth.median < 3 if target else None))
    report.detail(backend, "results", {
        **{label: {size: [r.summary() for r in runs] for size, runs in results.items()}
           for label, results in measured_runs.items()},
        "responses_added_per_round": added_per_round})


def _after_new_response(ctx, survey_id: int, added: list[int]) -> loadgen.Job:
    """A job that writes one new response to the survey (in a thread, untimed), then GETs its results."""
    path = f"/surveys/{survey_id}/results"

    async def job(conn, index, timed):
        try:
            added.append(await asyncio.to_thread(_new_response, ctx, survey_id))
        except Exception as error:  # counted as the job's failure (the run's errors), never a silent stop
            raise loadgen.HTTPError(f"writing a response failed: {error!r}") from error
        response = await timed(conn.request("GET", path))
        if response.status != 200:
            raise loadgen.HTTPError(f"GET {path}: unexpected answer {response.status}")

    return job


def _new_response(ctx, survey_id: int) -> int:
    """One response of generated answers to a results survey, committed; its id."""
    with ctx.app.app_context():
        response = Response(survey_id=survey_id, channel=Channel.WEB)
        db.session.add(response)
        db.session.flush()
        response_id = response.id
        empty = {"option_id": None, "number": None, "text": None}
        db.session.execute(insert(Answer), [{**empty, **ctx.data.answer(question), "response_id": response_id,
                                             "question_id": question["id"]}
                                            for question in ctx.data.survey_shape[survey_id]])
        db.session.commit()
        db.session.remove()
    return response_id


def _remove_responses(ctx, response_ids: list[int]) -> None:
    with ctx.app.app_context():
        for start in range(0, len(response_ids), 500):
            chunk = response_ids[start:start + 500]
            db.session.execute(delete(Answer).where(Answer.response_id.in_(chunk)))
            db.session.execute(delete(Response).where(Response.id.in_(chunk)))
        db.session.commit()
        db.session.remove()


# --- 5. exports at scale ------------------------------------------------------------------------------------

# After one export has taken this long, it is not repeated (the table shows how many rounds ran).
EXPORT_BUDGET_SECONDS = 45
# One download's limit: the load generator's own per-request limit (60 s) suits pages, and a 1,000,000-answer
# XLSX takes about a minute, more on a busy machine (it failed the whole scenario, CSV figures included).
EXPORT_TIMEOUT_SECONDS = 600


@contextlib.contextmanager
def _request_timeout(seconds: float):
    """The load generator's per-request limit, raised for the block."""
    limit, loadgen.REQUEST_TIMEOUT = loadgen.REQUEST_TIMEOUT, seconds
    try:
        yield
    finally:
        loadgen.REQUEST_TIMEOUT = limit


def exports_at_scale(ctx) -> None:
    """5 exports at scale: CSV and XLSX of the responses, rows/s and the exporting process's peak memory"""
    p, report, backend = ctx.profile, ctx.report, ctx.backend
    surveys = ctx.data.results_surveys
    sizes = sorted(surveys)
    small, large = sizes[0], sizes[-1]
    paths = {(kind, size): f"/manage/surveys/{surveys[size]}/export.{kind}" for kind in ("csv", "xlsx")
             for size in (small, large)}
    problem = route_problem(ctx.app, paths[("csv", small)] if sizes else None)
    if problem:
        report.unavailable(backend, "5 exports at scale", "CSV / XLSX", problem)
        return
    jar = ctx.councillor.jar

    async def download(conn, index, timed):
        response = await timed(conn.request("GET", current["path"], jar=jar))
        if response.status != 200 or not response.body:
            raise loadgen.HTTPError(f"export answered {response.status}")
        current["bytes"] = len(response.body)

    current: dict = {}
    figures = {key: {"rows_s": [], "peak_mib": [], "grown_mib": [], "seconds": [], "bytes": 0}
               for key in paths}
    for round_index in range(p.rounds):
        for key, path in paths.items():
            if round_index and sum(figures[key]["seconds"]) > EXPORT_BUDGET_SECONDS:
                continue  # one long export is enough to know its rate; the table says how many rounds ran
            # A fresh single-worker server per export: "the exporting process" is one known pid, untouched by
            # what an earlier export left in its heap; its peak (VmHWM) restarts after start-up.
            with servers.Server(f"civic-export-{backend}", "civic.wsgi:app", ctx.env, workers=1,
                                threads=1) as exporter:
                (pid,) = exporter.worker_pids()
                started = servers.reset_peak_memory(pid)
                current["path"] = path
                with _request_timeout(EXPORT_TIMEOUT_SECONDS):
                    result = loadgen.run(exporter.port, download, jobs=1, connections=1, seconds=900)
                if result.errors or not result.requests:
                    raise RuntimeError(f"export {path} failed: {result.error_samples}")
                peak = servers.memory_kib(pid)["VmHWM"]
            figure = figures[key]
            figure["rows_s"].append(key[1] * 10 / result.elapsed)
            figure["seconds"].append(result.elapsed)
            figure["peak_mib"].append(peak / 1024)
            figure["grown_mib"].append((peak - started) / 1024)
            figure["bytes"] = current["bytes"]
    for kind in ("csv", "xlsx"):
        for size in (small, large):
            f = figures[(kind, size)]
            subject = f"{kind.upper()}, {size * 10:,} answers ({size:,} responses)"
            rate = Spread(f["rows_s"])
            rounds = "" if len(rate.rounds) == p.rounds else f"; {len(rate.rounds)} round(s): time budget"
            row = Row(backend, "5 exports at scale", subject, "answer rows/s", rate,
                      note=f"{f['bytes'] / 1e6:.1f} MB in {statistics.median(f['seconds']):.1f} s{rounds}")
            if kind == "csv" and size == large and size >= 100_000:
                row.target, row.met = "≥100,000 rows/s", rate.median >= 100_000
            report.add(row)
        big, little = figures[(kind, large)], figures[(kind, small)]
        growth = Spread([b / s for b, s in zip(big["peak_mib"], little["peak_mib"], strict=False)])
        report.add(Row(backend, "5 exports at scale", f"{kind.upper()}, {large * 10:,} answers",
                       "peak RSS MiB", Spread(big["peak_mib"]), Spread(little["peak_mib"]),
                       f"{small * 10:,}:",
                       target=f"≤1.5× the {small * 10:,}-answer peak" if large >= 100_000 else "",
                       met=(growth.median <= 1.5) if large >= 100_000 else None,
                       note=f"growth {growth.median:.2f}× [{growth.low:.2f}-{growth.high:.2f}]; above the "
                            f"process's size before it: {statistics.median(big['grown_mib']):.1f} MiB "
                            f"vs {statistics.median(little['grown_mib']):.1f} MiB"))
    report.detail(backend, "exports", {f"{kind}-{size}": figure for (kind, size), figure in figures.items()})


LIVE = [page_views, survey_submission, rsvp_race, results_at_scale, exports_at_scale]


def selected() -> list:
    """The live scenarios to run: all, or those BENCH_SCENARIOS names by number (e.g. "1,4")."""
    wanted = {part.strip() for part in os.environ.get("BENCH_SCENARIOS", "").split(",") if part.strip()}
    return [s for s in LIVE if not wanted or s.__doc__.split()[0] in wanted]


# --- 6. query counts ---------------------------------------------------------------------------------------


def count_queries(app: Flask, data) -> dict[str, int | str]:
    """SQL statements of one anonymous GET of each scenario-1 page, in process (the second request: the first
    may warm caches; the in-process app keeps no rendered page, so this is what rendering a page costs). A
    string instead of a number says why the page could not be counted."""
    counts: dict[str, int | str] = {}
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    for name in PAGES:
        path = data.pages.get(name)
        problem = route_problem(app, path)
        if problem:
            counts[name] = problem
            continue
        client.get(path)
        with _counting(engine) as statements:
            status = client.get(path).status_code
        counts[name] = len(statements) if status == 200 else f"GET {path} answered {status}"
    return counts


@contextlib.contextmanager
def _counting(engine):
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def report_query_counts(report: Report, backend: str, small: dict, large: dict) -> None:
    for name, subject in PAGES.items():
        at_small, at_large = small.get(name), large.get(name)
        if isinstance(at_small, str) or isinstance(at_large, str):
            report.unavailable(backend, "6 query counts", subject,
                               at_small if isinstance(at_small, str) else at_large)
            continue
        report.add(Row(backend, "6 query counts", subject, "SQL statements/request at large data",
                       civic=Spread([at_large]), baseline=Spread([at_small]), baseline_name="small:",
                       target="equal to small", met=at_large == at_small))
