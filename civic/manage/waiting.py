"""What waits for the councillors, counted on the front page of their area: each feature's Waiting
(civic.core.features) and the platform's own (e-mail the outbox could not deliver), read together in one
query whatever their number."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from civic.core import features
from civic.core.features import Waiting
from civic.database import db, utcnow
from civic.outbox import queries as outbox_queries


def _unsent_mail(_body_ids) -> Select:
    reclaim = dt.timedelta(seconds=float(current_app.config["CIVIC_OUTBOX_RECLAIM_SECONDS"]))
    return outbox_queries.needing_attention_count(utcnow(), reclaim)


PLATFORM = [Waiting("unsent_mail", _l("E-mail failed or stuck"), "outbox.list_messages", _unsent_mail,
                    admin=True)]


def counts(body_ids: frozenset[int] | None, admin: bool) -> list[tuple[Waiting, int]]:
    """(what waits, how many) for a reader who manages these bodies (None: every body), in one query."""
    items = [item for item in (*PLATFORM, *features.each("waiting")) if admin or not item.admin]
    if not items:
        return []
    row = db.session.execute(select(*(item.count(body_ids).scalar_subquery().label(item.key)
                                      for item in items))).one()
    return [(item, int(value or 0)) for item, value in zip(items, row, strict=True)]
