"""Home, health check and the fixed pages every public site has."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from civic.consultations import queries as consultation_queries
from civic.core.pagecache import public_page
from civic.database import db
from civic.motions import queries as motion_queries

bp = Blueprint("core", __name__)


@bp.get("/")
@public_page
def home():
    return render_template(
        "core/home.html",
        home_sections=["consultations/_home.html", "motions/_home.html"],
        open_consultations=db.session.scalars(consultation_queries.open_consultations(limit=3)).all(),
        recent_motions=db.session.scalars(motion_queries.recent_motions(limit=3)).all(),
    )


@bp.get("/privacy")
@public_page
def privacy():
    return render_template("core/privacy.html")


@bp.get("/accessibility")
@public_page
def accessibility():
    return render_template("core/accessibility.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database,
                   dialect=db.engine.dialect.name), status
