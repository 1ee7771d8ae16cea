"""Write helpers every feature's services share."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from civic.database import db


def insert_once(model, **values) -> bool:
    """INSERT a row unless one with the same unique key exists (ON CONFLICT DO NOTHING, atomic on SQLite and
    PostgreSQL even under concurrent requests). True when this call added the row."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    # RETURNING, not rowcount: with implicit RETURNING the drivers report rowcount -1.
    return db.session.execute(statement).first() is not None
