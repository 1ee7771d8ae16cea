"""Open data: the /api/v1 endpoints of the platform (bodies, consultations), the OpenAPI document of the whole
API, and the /open-data page listing what anyone can download. Features add their own endpoints, feeds and
page sections (civic.core.features: api, feeds, open_data)."""
from __future__ import annotations

from flask import current_app, jsonify, render_template, request, url_for

from civic.api import documents, queries
from civic.api.openapi import document
from civic.api.support import api_blueprint, body_id, listing, public_or_404
from civic.bodies import queries as body_queries
from civic.consultations import queries as consultation_queries
from civic.core import features
from civic.core.licences import LICENCES
from civic.core.pagecache import public_page
from civic.core.sections import render_sections
from civic.database import db

bp = api_blueprint("api", __name__)


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/api/v1/bodies")
@public_page
def bodies():
    return jsonify(items=[documents.body(item) for item in db.session.scalars(body_queries.all_bodies())])


@bp.get("/api/v1/consultations")
@public_page
def consultations():
    body = request.args.get("body") or None
    return listing(consultation_queries.public_consultations(body_id=body_id(body)),
                   documents.consultation, "api.consultations", **({"body": body} if body else {}))


@bp.get("/api/v1/consultations/<slug>")
@public_page
def consultation(slug: str):
    return jsonify(documents.consultation_detail(
        public_or_404(consultation_queries.consultation_by_slug(slug))))


@bp.get("/open-data")
@public_page
def open_data():
    feeds = [(feed, url_for(feed.endpoint)) for feed in features.each("feeds")
             if feed.endpoint in current_app.view_functions]
    return render_template("api/open_data.html", feeds=feeds,
                           bodies=db.session.scalars(queries.open_data_bodies()).all(),
                           sections=render_sections("open_data"),
                           default_licence=current_app.config["CIVIC_LICENCE"], licences=LICENCES)
