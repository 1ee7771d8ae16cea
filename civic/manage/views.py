from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from civic.bodies.models import Body
from civic.core import features
from civic.database import db

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("/")
def dashboard():
    """The councillors' area: their bodies and each feature's entry (civic/core/features.py)."""
    if current_user.is_admin:
        bodies = db.session.scalars(db.select(Body).order_by(Body.name)).all()
    else:
        bodies = [seat.body for seat in current_user.councillorships]
    return render_template("manage/dashboard.html", bodies=bodies, sections=list(features.each("manage")))
