"""Gunicorn processes for the benchmark, on 127.0.0.1 only, and the memory of their workers (from /proc)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# The recommended setup for two cores, measured with `python -m bench.workers` (figures in bench/README.md):
# five sync workers (2 × cores + 1). Civic's requests are CPU-bound Python, so threads inside one process only
# take turns on its GIL, which stretches every request's latency (p99 about half of gthread's at the same
# throughput) and costs more CPU per request. The sync worker closes each connection and holds one request
# at a time, so in production it belongs behind a buffering proxy (nginx), with a timeout longer than the
# largest export (a 1,000,000-answer XLSX takes about a minute).
WORKERS = int(os.environ.get("BENCH_WORKERS", "5"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_args(workers: int = WORKERS, worker_class: str = WORKER_CLASS,
                  threads: int = THREADS) -> list[str]:
    args = ["--workers", str(workers), "--worker-class", worker_class]
    if worker_class == "gthread":
        args += ["--threads", str(threads)]
    return args


def describe(workers: int = WORKERS, worker_class: str = WORKER_CLASS, threads: int = THREADS) -> str:
    threading = f" × {threads} threads" if worker_class == "gthread" else ""
    return f"gunicorn {workers} × {worker_class}{threading}"


class Server:
    """`gunicorn <app>` on a free loopback port, started and stopped by the harness."""

    def __init__(self, name: str, app: str, env: dict[str, str], workers: int = WORKERS,
                 worker_class: str = WORKER_CLASS, threads: int = THREADS, ready_path: str = "/healthz"):
        self.name, self.app = name, app
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.args = gunicorn_args(workers, worker_class, threads)
        self.ready_path = ready_path
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 180) -> Server:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self._log = open(Path(self.env["BENCH_LOG_DIR"]) / f"{self.name}.log", "ab")
        self.process = subprocess.Popen(
            [gunicorn, *self.args, "--bind", f"127.0.0.1:{self.port}", "--timeout", "300",
             "--graceful-timeout", "5", "--log-level", "warning", self.app],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited with {self.process.returncode}: "
                                   f"{self.log_tail()}")
            try:
                url = f"http://127.0.0.1:{self.port}{self.ready_path}"
                with urllib.request.urlopen(url, timeout=5) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name}: gunicorn did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 12) -> str:
        """The end of the server's log (a worker's traceback when it failed to boot), on one line."""
        text = Path(self._log.name).read_text(errors="replace") if self._log is not None else ""
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def cpu_seconds(self) -> dict[int, float]:
        """CPU time (user + system) each worker process has used so far, by pid."""
        used = {}
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime and stime: fields 14 and 15 of proc(5)
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return used

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def memory_kib(pid: int) -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak_memory(pid: int) -> int:
    """Start a new peak (VmHWM) from the current size (Linux resets it when "5" is written to clear_refs);
    returns that size in KiB."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return memory_kib(pid)["VmRSS"]


PROBLEM = re.compile(r"CRITICAL|ERROR|Traceback|WORKER TIMEOUT|SIGKILL|Exception")


def log_problems(folder: Path) -> list[str]:
    """The lines of the servers' logs that say something went wrong (worker timeouts, kills, tracebacks)."""
    found = []
    for log in sorted(folder.glob("*.log")):
        found += [f"{log.stem}: {line.strip()}" for line in log.read_text(errors="replace").splitlines()
                  if PROBLEM.search(line)]
    return found
