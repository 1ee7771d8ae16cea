"""Writes about bodies: validate, change, flush, return."""
from __future__ import annotations

from civic.bodies.models import Body
from civic.database import db


def ensure_body(slug: str, name: str, parent: Body | None = None, website: str | None = None) -> Body:
    """The body with this slug, created when missing (used by the demo and set-up commands)."""
    body = db.session.scalar(db.select(Body).where(Body.slug == slug))
    if body is None:
        body = Body(slug=slug, name=name, parent=parent, website=website)
        db.session.add(body)
        db.session.flush()
    return body
