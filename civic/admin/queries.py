"""Reads for the administration pages."""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from civic.accounts.models import Councillorship, User
from civic.core.search import like_pattern


def users(search: str | None = None) -> Select[tuple[User]]:
    """Accounts with their councillor seats, newest first, optionally filtered by name or e-mail."""
    query = (
        select(User)
        .options(selectinload(User.councillorships).joinedload(Councillorship.body))
        .order_by(User.id.desc())
    )
    if search:
        pattern = like_pattern(search)
        query = query.where(or_(User.email.ilike(pattern, escape="\\"),
                                User.display_name.ilike(pattern, escape="\\")))
    return query
