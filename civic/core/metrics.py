"""Prometheus metrics (prometheus_client, the Prometheus project's own library) at GET /metrics, for operators
only: answered to the addresses of CIVIC_METRICS_ALLOW (none by default, so nobody), and never to a request
that came through a proxy Civic was not told to trust, since behind one every visitor would seem to come from
the proxy's own address. Everyone else gets the 404 of a page that does not exist.

Counted in each server process, as requests go: requests by endpoint, method and status; their latency by
endpoint; errors by endpoint and cause (database or Redis unavailable, unexpected); page-cache lookups by
result (hit, miss, bypass: hit rate = hit / (hit + miss)). Under gunicorn with several workers, set
PROMETHEUS_MULTIPROC_DIR to an empty folder the workers share (emptied at every start of the service): each
worker writes its counts there and any worker answering /metrics sums them all (prometheus_client's
multiprocess mode). Without it, each answer shows only the worker that gave it.

Read from the database when Prometheus asks, so the same whichever process answers: whether the database and
Redis answer, and the numbers the platform and each feature declare (civic.core.features.Metric), such as the
outbox's backlog and failed messages.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Iterator, Sequence

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from civic.core import features, health, logs
from civic.core.features import Metric as Declared

log = logging.getLogger(__name__)
EXTENSION = "civic_metrics"

REQUESTS = Counter("civic_http_requests", "HTTP requests answered, by endpoint, method and status code.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("civic_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
                    ["endpoint", "method"])
ERRORS = Counter("civic_http_errors", "Requests that failed, by endpoint and cause: database or redis "
                 "(unavailable, answered 503), unexpected (answered 500).", ["endpoint", "cause"])
PAGE_CACHE = Counter("civic_page_cache_lookups", "Anonymous public pages asked of the page cache, by result: "
                     "hit (served kept), miss (rendered), bypass (cache unusable for this request).",
                     ["result"])
PEOPLE = Counter("civic_people_lookups", "Signed-in citizens on a kept page looked up in the process's "
                 "memory, by result: hit (known), shelf (known from another process), miss (read from the "
                 "database).", ["result"])


def _endpoint() -> str:
    return request.endpoint or "unmatched"  # a 404 address is not a label: labels must stay few


def count_error(cause: str) -> None:
    """Count a failed request of the current endpoint: "database", "redis" or "unexpected"."""
    ERRORS.labels(_endpoint(), cause).inc()


# Each counter's child per label values, looked up once per process: prometheus_client's labels() takes a lock
# and checks its arguments at every call, and these are counted at every request.
_CHILDREN: dict[tuple, object] = {}


def _child(metric, *values: str):
    key = (metric, *values)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = metric.labels(*values)
    return found


def count_people(result: str) -> None:
    _child(PEOPLE, result).inc()


def count_page_cache(result: str) -> None:
    _child(PAGE_CACHE, result).inc()


def _start_clock() -> None:
    g.civic_metrics_started = time.perf_counter()


def _observe(response):
    started = g.get("civic_metrics_started")
    endpoint = _endpoint()
    _child(REQUESTS, endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        _child(LATENCY, endpoint, request.method).observe(time.perf_counter() - started)
    return response


def allowed() -> bool:
    """Whether the current request may read the metrics (see the module's description)."""
    networks = current_app.config["CIVIC_METRICS_ALLOW"]
    if not networks:
        return False
    if "X-Forwarded-For" in request.headers and logs.PROXIED not in request.environ:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


class _Live:
    """The counters of this process (or, in multiprocess mode, of every worker) as one collector."""

    def collect(self) -> Iterator[Metric]:
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()


class _Declared:
    """The numbers read from the stores at each scrape: database and Redis up, then the declared metrics."""

    def __init__(self, app: Flask, declared: Sequence[Declared]):
        self.app = app
        self.declared = declared

    def collect(self) -> Iterator[Metric]:
        with self.app.app_context():
            database_up = health.database().ok
            yield _gauge("civic_database_up", "1 when the database answers, else 0.", int(database_up))
            if self.app.config.get("CIVIC_REDIS_URL"):
                yield _gauge("civic_redis_up", "1 when Redis answers, else 0.", int(health.redis().ok))
            if not database_up:
                return
            for metric in self.declared:
                try:
                    yield _family(metric)
                except Exception:  # one broken number must not hide the others
                    log.warning("metrics: %s could not be read", metric.name, exc_info=True)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def _family(metric: Declared) -> GaugeMetricFamily:
    value = metric.read()
    family = GaugeMetricFamily(metric.name, metric.documentation, labels=list(metric.labels))
    if metric.labels:
        for labels, number in value.items():
            family.add_metric(list(labels), number)
    else:
        family.add_metric([], value)
    return family


def exposition(app: Flask) -> bytes:
    """The text Prometheus reads: this process's (or every worker's) counters, then the declared numbers."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Live())
    registry.register(_Declared(app, app.extensions[EXTENSION]))
    return generate_latest(registry)


def respond() -> Response:
    """GET /metrics: the exposition to allowed addresses, the 404 of a missing page to everyone else."""
    if not allowed():
        abort(404)
    app = current_app._get_current_object()
    return Response(exposition(app), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def init_app(app: Flask, platform: Sequence[Declared] = ()) -> None:
    """Count every request, and serve `platform` numbers and the features' at /metrics."""
    app.extensions[EXTENSION] = (*platform, *features.each("metrics", app))
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_observe)
