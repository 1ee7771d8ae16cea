"""Which gunicorn setup for two cores? `.venv/bin/python -m bench.workers` measures a few candidates on the
same PostgreSQL data (small), rounds interleaved across setups, and prints req/s, p99 and server CPU per
request for each endpoint. The harness uses the winner (bench/servers.py)."""
from __future__ import annotations

import os
import secrets
import statistics
import sys

from bench import loadgen, servers
from bench.dataset import Dataset
from bench.harness import bench_database, stop_on_terminate
from bench.profiles import QUICK
from bench.scenarios import measured, warm_up

SETUPS = [(5, "sync", 1), (2, "gthread", 8), (4, "gthread", 4), (8, "gthread", 2)]
CONNECTIONS = 32
JOBS, SECONDS = 2500, 4.0


def endpoints(data: Dataset) -> list[tuple[str, str, str, dict | None]]:
    """(server, method, path, form): the baseline's read and write, and Civic's pages."""
    found = [("baseline", "GET", "/rows", None), ("baseline", "POST", "/rows", {"title": "x", "body": "y"}),
             ("civic", "GET", "/", None), ("civic", "GET", "/account/login", None)]
    found += [("civic", "GET", data.pages[name], None) for name in ("consultation", "meeting", "motions")
              if name in data.pages]
    return found


def main() -> int:
    stop_on_terminate()
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    backend = os.environ.get("BENCH_BACKENDS", "postgresql").split(",")[0]
    figures: dict[tuple, list[loadgen.RunResult]] = {}
    with bench_database(backend, secrets.token_urlsafe(32)) as (app, env):
        data = Dataset(app, QUICK)
        data.load_small()
        targets = endpoints(data)
        for round_number in range(rounds):
            for setup in SETUPS:
                civic = servers.Server("civic-sweep", "civic.wsgi:app", env, *setup)
                base = servers.Server("baseline-sweep", "bench.baseline:app", env, *setup,
                                      ready_path="/hello")
                with civic, base:
                    chosen = {"civic": civic, "baseline": base}
                    for name, method, path, form in targets:
                        server = chosen[name]
                        warm_up(server.port, "/hello" if method == "POST" else path, CONNECTIONS)
                        job = loadgen.simple(method, path, form=(lambda i, f=form: f) if form else None)
                        result = measured(server, job, jobs=JOBS, connections=CONNECTIONS, seconds=SECONDS)
                        figures.setdefault((setup, name, method, path), []).append(result)
                        print(f"round {round_number + 1} {servers.describe(*setup):<34} {name:<8} "
                              f"{method:<4} {path:<32} {_figures([result])}", flush=True)
    print(f"\nmedian of {rounds} rounds, {CONNECTIONS} connections, {backend}:")
    for (setup, name, method, path), results in figures.items():
        print(f"{servers.describe(*setup):<34} {name:<8} {method:<4} {path:<32} {_figures(results)}")
    return 0


def _figures(results: list[loadgen.RunResult]) -> str:
    rate = statistics.median(r.rate for r in results)
    p99 = statistics.median(r.percentile(0.99) for r in results) * 1000
    cpu = statistics.median(r.server_cpu_ms for r in results)
    return f"{rate:7.0f} req/s  p99 {p99:6.0f} ms  server CPU {cpu:5.1f} ms/req"


if __name__ == "__main__":
    sys.exit(main())
