"""Reads about bodies."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from civic.bodies.models import Body


def all_bodies() -> Select[tuple[Body]]:
    """Every body with its parent loaded, ordered for select boxes."""
    return select(Body).options(selectinload(Body.parent)).order_by(Body.name)


def body_by_slug(slug: str) -> Select[tuple[Body]]:
    """The body with this slug (none or one)."""
    return select(Body).where(Body.slug == slug)
