"""What consultations show on the shared pages: the home page (declared in civic/consultations/feature.py)."""
from __future__ import annotations

from civic.consultations import queries
from civic.database import db

ON_HOME = 3


def home() -> dict:
    """The consultations running now."""
    return {"open_consultations": db.session.scalars(queries.open_consultations(limit=ON_HOME)).all()}
