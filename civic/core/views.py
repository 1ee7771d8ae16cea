"""Home, health check and the fixed pages every public site has."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from civic.core.pagecache import public_page
from civic.core.sections import render_sections
from civic.database import db

bp = Blueprint("core", __name__)


@bp.get("/")
@public_page
def home():
    """The introduction, then each feature's part of the home page (civic/core/features.py)."""
    return render_template("core/home.html", home_sections=render_sections("home"))


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
