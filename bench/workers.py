"""Which gunicorn setup for two cores? `.venv/bin/python -m bench.workers` measures a few candidates on the same
PostgreSQL data (small), rounds interleaved across setups, and prints req/s and p99 per endpoint. The harness
uses the winner (bench/servers.py); bench/README.md records the figures behind that choice."""
from __future__ import annotations

import os
import secrets
import statistics
import sys

from bench import loadgen, servers
from bench.dataset import Dataset
from bench.harness import bench_database, stop_on_terminate
from bench.profiles import QUICK
from bench.scenarios import warm_up

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
                base = servers.Server("baseline-sweep", "bench.baseline:app", env, *setup, ready_path="/hello")
                with civic, base:
                    ports = {"civic": civic.port, "baseline": base.port}
                    for name, method, path, form in targets:
                        if round_number == 0 or method == "GET":
                            warm_up(ports[name], "/hello" if method == "POST" else path, CONNECTIONS)
                        job = loadgen.simple(method, path, form=(lambda i, f=form: f) if form else None)
                        result = loadgen.run(ports[name], job, jobs=JOBS, connections=CONNECTIONS, seconds=SECONDS)
                        figures.setdefault((setup, name, method, path), []).append(result)
                        print(f"round {round_number + 1} {servers.describe(*setup):<34} {name:<8} {method:<4} "
                              f"{path:<32} {result.rate:7.0f} req/s  p99 {result.percentile(0.99) * 1000:6.0f} ms",
                              flush=True)
    print(f"\nmedian of {rounds} rounds, {CONNECTIONS} connections, {backend}:")
    for (setup, name, method, path), results in figures.items():
        rate = statistics.median(r.rate for r in results)
        p99 = statistics.median(r.percentile(0.99) for r in results) * 1000
        print(f"{servers.describe(*setup):<34} {name:<8} {method:<4} {path:<32} {rate:7.0f} req/s  p99 {p99:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
