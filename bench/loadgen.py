"""A small bounded HTTP/1.1 load generator on asyncio: keep-alive connections to 127.0.0.1, each job one or
more requests, every run bounded in jobs AND in seconds, and it stops by itself.

Why not locust: its percentiles are bucketed (two significant digits), the headless CLI has no request-count
limit, gevent monkey-patching would reach into the harness, and on a two-core machine every cycle the client
spends is taken from the server. This client costs roughly 60 microseconds of CPU per request, and the harness
reports that CPU beside every figure so a reader can see how much of the machine it took.
"""
from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

REQUEST_TIMEOUT = 60.0


class HTTPError(Exception):
    """The connection broke or the server answered something that is not HTTP/1.1."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class CookieJar:
    """Name=value cookies of one client; enough for a Flask session cookie (one host, one path)."""

    cookies: dict[str, str] = field(default_factory=dict)

    def update(self, response: Response) -> None:
        for key, value in response.headers:
            if key != "set-cookie":
                continue
            pair, _, attributes = value.partition(";")
            name, _, cookie = pair.strip().partition("=")
            attrs = attributes.lower().replace(" ", "")
            if "max-age=0" in attrs or "expires=thu,01jan1970" in attrs or "expires=thu,01-jan-1970" in attrs:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


class Connection:
    """One keep-alive connection; reconnects when the server closes it (gunicorn sync workers always do)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.connects = 0

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self.connects += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def request(self, method: str, path: str, *, jar: CookieJar | None = None, form: dict | None = None,
                      headers: dict[str, str] | None = None) -> Response:
        body = urlencode(form, doseq=True).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Language: it"]
        if jar is not None and jar.cookies:
            lines.append("Cookie: " + jar.header())
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        while True:
            reused = self._writer is not None
            if not reused:
                await self._open()
            try:
                self._writer.write(raw)
                response, keep = await self._read_response()
                break
            except (ConnectionError, asyncio.IncompleteReadError, HTTPError) as error:
                self.close()
                # Only a kept-alive connection the server had already closed is retried, once, on a new one.
                if not reused:
                    raise HTTPError(str(error) or type(error).__name__) from error
        if not keep:
            self.close()
        if jar is not None:
            jar.update(response)
        return response

    async def _read_response(self) -> tuple[Response, bool]:
        reader = self._reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HTTPError(f"not an HTTP response: {lines[0]!r}")
        status = int(parts[1])
        headers = []
        for line in lines[1:]:
            if line:
                key, _, value = line.partition(":")
                headers.append((key.strip().lower(), value.strip()))
        get = dict(headers).get
        keep = parts[0] == "HTTP/1.1" and (get("connection") or "").lower() != "close"
        if get("content-length") is not None:
            body = await reader.readexactly(int(get("content-length")))
        elif (get("transfer-encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                chunks.append((await reader.readexactly(size + 2))[:-2])
            body = b"".join(chunks)
        else:
            body, keep = await reader.read(), False
        return Response(status, headers, body), keep


@dataclass
class RunResult:
    """What a bounded run did: per-request latencies (seconds), status counts, wall time, client CPU."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    jobs_done: int = 0
    jobs_cut: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    connects: int = 0

    def record(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < high)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU per answered request: unlike req/s, hardly moved by other load on a shared machine."""
        return self.server_cpu * 1000 / self.requests if self.requests else math.nan

    def summary(self) -> dict:
        return {
            "requests": self.requests, "seconds": round(self.elapsed, 3), "req_s": round(self.rate, 1),
            "p50_ms": _rounded(self.percentile(0.50) * 1000),
            "p99_ms": _rounded(self.percentile(0.99) * 1000),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())}, "errors": self.errors,
            "error_samples": self.error_samples, "jobs_cut": self.jobs_cut,
            "client_cpu_s": round(self.client_cpu, 2),
            "server_cpu_ms_per_request": _rounded(self.server_cpu_ms),
            "connects": self.connects,
        }


def _rounded(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation): p99 of 1,000 samples is the 990th smallest."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Timed:
    """Passed to every job: `await timed(conn.request(...))` records that request's status and latency."""

    def __init__(self, result: RunResult):
        self._result = result

    async def __call__(self, pending: Awaitable[Response]) -> Response:
        start = time.perf_counter()
        response = await pending
        self._result.record(response.status, time.perf_counter() - start)
        return response


Job = Callable[[Connection, int, Timed], Awaitable[None]]


def run(port: int, job: Job, *, jobs: int, connections: int, seconds: float,
        host: str = "127.0.0.1") -> RunResult:
    """Run job(connection, index, timed) for index 0..jobs-1 over `connections` keep-alive connections.
    No job starts after `seconds`; jobs still running 30 s later are cut (counted, not measured)."""
    return asyncio.run(_run(host, port, job, jobs, connections, seconds))


async def _run(host, port, job, jobs, connections, seconds) -> RunResult:
    result = RunResult()
    timed = Timed(result)
    counter = iter(range(jobs))
    pool = [Connection(host, port) for _ in range(max(1, min(connections, jobs)))]
    start = time.perf_counter()
    deadline = start + seconds
    cpu = time.process_time()

    async def worker(conn: Connection) -> None:
        for index in counter:
            if time.perf_counter() >= deadline:
                break
            try:
                await asyncio.wait_for(job(conn, index, timed), REQUEST_TIMEOUT)
                result.jobs_done += 1
            except (TimeoutError, HTTPError, OSError) as error:
                conn.close()
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"{type(error).__name__}: {error}")

    tasks = [asyncio.ensure_future(worker(conn)) for conn in pool]
    done, pending = await asyncio.wait(tasks, timeout=seconds + 30)
    for task in pending:
        task.cancel()
    result.jobs_cut = len(pending)
    result.elapsed = time.perf_counter() - start
    result.client_cpu = time.process_time() - cpu
    result.connects = sum(conn.connects for conn in pool)
    for conn in pool:
        conn.close()
    return result


def simple(method: str, path: str, *, form: Callable[[int], dict] | None = None,
           jar: Callable[[int], CookieJar] | None = None,
           expect: Callable[[Response], bool] | None = None) -> Job:
    """A job of one request; `form(i)` and `jar(i)` give each job its own body and cookies."""

    async def job(conn: Connection, index: int, timed: Timed) -> None:
        response = await timed(conn.request(method, path, form=form(index) if form else None,
                                            jar=jar(index) if jar else None))
        if expect is not None and not expect(response):
            raise HTTPError(f"{method} {path}: unexpected answer {response.status}")

    return job
