"""Where does Civic spend its time? `.venv/bin/python -m bench.profile [--backend sqlite] [PATH ...]` loads
the benchmark's small and large data (quick sizes) into a throwaway database and profiles, in process with
cProfile, anonymous GETs of the given paths (default: the scenario-1 pages and the largest results page),
then one logged-in citizen's survey submissions and RSVPs (each to a fresh survey or meeting, CSRF included).
With --signed-in: the scenario-1 pages and an unanswered survey page as a signed-in citizen sees them, on an
app configured as the bench server is (its page cache on), beside the bare stack's 20-row page, first timed
(CPU per request, no profiler) and then profiled. For each:
the time per request, the functions of Civic's own code and templates that cost the most cumulatively, then
the functions (any library) that cost the most themselves."""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from collections.abc import Callable

from bench import baseline
from bench.dataset import Dataset
from bench.harness import bench_database, csrf_of, stop_on_terminate
from bench.profiles import QUICK
from civic import create_app
from civic.meetings.models import Meeting

OWN_CODE = r"(civic|templates)/"


def profile(label: str, request: Callable[[int], int], repeat: int, lines: int) -> None:
    request(-1)  # the first request compiles templates and SQL
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    statuses = {request(n) for n in range(repeat)}
    profiler.disable()
    each = (time.perf_counter() - started) / repeat * 1000
    print(f"\n===== {label}: {sorted(statuses)}, {each:.1f} ms per request (under the profiler) =====")
    for title, order, restriction in (("Civic's code and templates, cumulative", "cumulative", OWN_CODE),
                                      ("everything, own time", "tottime", "")):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(restriction, lines)
        print(f"--- {title}\n   ncalls" + out.getvalue().split("ncalls", 1)[-1].rstrip())


def cpu_ms(request: Callable[[], object], repeat: int) -> float:
    """Median process CPU per request over `repeat` requests, after one untimed one."""
    request()
    spent = []
    for _ in range(repeat):
        started = time.process_time()
        request()
        spent.append(time.process_time() - started)
    return statistics.median(spent) * 1000


def signed_in(data: Dataset, survey_id: int, args) -> None:
    """Signed-in pages on an app set up as the bench server is (page cache on, env from bench_database)."""
    app = create_app()
    bare = baseline.create_app(os.environ["BENCH_DATABASE_URL"]).test_client()
    client = app.test_client()
    _user_id, email = data.citizens[0]
    login = client.get("/account/login").get_data(as_text=True)
    client.post("/account/login", data={"email": email, "password": data.password, "next": "",
                                        "csrf_token": csrf_of(login)})
    paths = {**data.pages, "survey page": f"/surveys/{survey_id}"}
    rows = cpu_ms(lambda: bare.get("/rows"), args.repeat)
    print(f"bare GET /rows: {rows:.2f} ms CPU per request (median of {args.repeat})")
    for name, path in paths.items():
        page = client.get(path)
        assert b'action="/account/logout"' in page.data, (path, page.status_code)
        spent = cpu_ms(lambda path=path: client.get(path), args.repeat)
        print(f"{name} {path}: {spent:.2f} ms CPU per request, {spent / rows:.1f}x the bare page")
    for path in [*args.paths] or paths.values():
        profile(f"GET {path} signed in", lambda n, path=path: client.get(path).status_code, args.repeat,
                args.lines)


def main() -> int:
    stop_on_terminate()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("--signed-in", action="store_true")
    parser.add_argument("--posts-only", action="store_true")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    with bench_database(args.backend, secrets.token_urlsafe(32)) as (app, _env):
        data = Dataset(app, QUICK)
        data.load_small()
        data.load_large()
        # One fresh survey and one fresh meeting per profiled submission (and one for the first request).
        surveys = [data.load_survey(data.ids["surveys"], f"Profilo {n}") for n in range(args.repeat + 1)]
        meetings = list(data.new_ids(Meeting, args.repeat + 1))
        data.insert(Meeting, (data.meeting_row(i, data.ids["race"], 100, days=5) for i in meetings))
        data.writer.finish()
        largest = data.results_surveys[max(data.results_surveys)]
        if args.signed_in:
            signed_in(data, surveys[0], args)
            return 0
        client = app.test_client()
        pages = [] if args.posts_only else [*data.pages.values(), f"/surveys/{largest}/results"]
        for path in args.paths or pages:
            profile(f"GET {path}", lambda n, path=path: client.get(path).status_code, args.repeat, args.lines)
        if args.paths:
            return 0
        _user_id, email = data.citizens[0]
        login = client.get("/account/login").get_data(as_text=True)
        client.post("/account/login", data={"email": email, "password": data.password, "next": "",
                                            "csrf_token": csrf_of(login)})
        token = csrf_of(client.get("/").get_data(as_text=True))
        profile("POST /surveys/<id> (10 answers)", lambda n: client.post(
            f"/surveys/{surveys[n]}", data={"csrf_token": token, **data.survey_form(surveys[n])}).status_code,
            args.repeat, args.lines)
        profile("POST /meetings/<id>/register", lambda n: client.post(
            f"/meetings/{meetings[n]}/register", data={"csrf_token": token, "category": "cittadini",
                                                       "note": "", "accessibility_needs": ""}).status_code,
            args.repeat, args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
