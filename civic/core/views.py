"""Home, the fixed pages every public site has, and what machines ask: health, readiness and metrics."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from civic.core import health, metrics
from civic.core.pagecache import public_page
from civic.core.sections import render_sections

bp = Blueprint("core", __name__)


@bp.get("/")
# Seats and supports; a survey answer keeps it. Its personal parts are slots (civic/core/slots.py).
@public_page(keys=lambda: ("meetings", "motions"), personal=True)
def home():
    """The introduction, then each feature's part of the home page (civic/core/features.py)."""
    return render_template("core/home.html", home_sections=render_sections("home"))


@bp.get("/privacy")
@public_page(personal=True)
def privacy():
    # The size of the groups anonymous survey answers are counted in (civic/surveys/batches.py).
    return render_template("core/privacy.html", batch_size=current_app.config["CIVIC_ANONYMITY_BATCH"])


@bp.get("/accessibility")
@public_page(personal=True)
def accessibility():
    return render_template("core/accessibility.html")


@bp.get("/healthz")
def healthz():
    """Liveness: this process answers. It asks nothing of the database, so a database outage makes servers
    unready (/readyz), never "dead" to a supervisor that would restart them for it."""
    return jsonify(status="ok"), 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """Readiness, check by check (civic/core/health.py): 200 when every required check passes, else 503."""
    checks = health.readiness(current_app._get_current_object())
    ready = all(check.ok for check in checks if check.required)
    headers = {"Cache-Control": "no-store"}
    if not ready:
        headers["Retry-After"] = str(current_app.config["CIVIC_RETRY_AFTER"])
    body = {"status": "ready" if ready else "unavailable", "checks": {c.name: c.as_json() for c in checks}}
    return jsonify(body), 200 if ready else 503, headers


@bp.get("/metrics")
def show_metrics():
    """Prometheus metrics, to the operators' addresses only (civic/core/metrics.py)."""
    return metrics.respond()
