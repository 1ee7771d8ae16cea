"""Where does a Civic page spend its time? `.venv/bin/python -m bench.profile [--backend sqlite] [PATH ...]`
loads the benchmark's small and large data into a throwaway database and profiles anonymous GETs of the given
paths (default: the scenario-1 pages and the largest results page) in process with cProfile: the time per
request, the functions of Civic's own code and templates that cost the most cumulatively, then the functions
(any library) that cost the most themselves."""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import sys
import time

from bench.dataset import Dataset
from bench.harness import bench_database, stop_on_terminate
from bench.profiles import QUICK

OWN_CODE = r"(civic|templates)/"


def main() -> int:
    stop_on_terminate()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    with bench_database(args.backend, secrets.token_urlsafe(32)) as (app, _env):
        data = Dataset(app, QUICK)
        data.load_small()
        data.load_large()
        paths = args.paths or [*data.pages.values(), f"/surveys/{data.results_surveys[max(data.results_surveys)]}/results"]
        client = app.test_client()
        for path in paths:
            client.get(path)  # the first request compiles templates and SQL
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(args.repeat):
                status = client.get(path).status_code
            profiler.disable()
            each = (time.perf_counter() - started) / args.repeat * 1000
            print(f"\n===== GET {path}: {status}, {each:.1f} ms per request (under the profiler) =====")
            for title, order, restriction in (("Civic's code and templates, cumulative", "cumulative", OWN_CODE),
                                              ("everything, own time", "tottime", "")):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(restriction, args.lines)
                print(f"--- {title}\n   ncalls" + out.getvalue().split("ncalls", 1)[-1].rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
