from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from civic.bodies.models import Body
from civic.core import features
from civic.database import db
from civic.manage import waiting

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("/")
def dashboard():
    """The councillors' area: their bodies, what waits for them and each feature's entry
    (civic/core/features.py)."""
    if current_user.is_admin:
        bodies = db.session.scalars(db.select(Body).order_by(Body.name)).all()
    else:
        bodies = [seat.body for seat in current_user.councillorships]
    body_ids = None if current_user.is_admin else frozenset(current_user.body_ids)
    return render_template("manage/dashboard.html", bodies=bodies, sections=list(features.each("manage")),
                           waiting=waiting.counts(body_ids, current_user.is_admin))
