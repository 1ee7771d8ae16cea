"""Writes about bodies: validate, change, flush, return. The caller commits, and rolls back on a BodyError."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from civic.audit.services import record
from civic.bodies import queries
from civic.bodies.models import Body
from civic.database import db


class BodyError(Exception):
    """A rule refused the change; the message is translated and meant for the user. `field` names the form
    field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _slug_taken() -> BodyError:
    return BodyError(_("This short name is already used by another body."), field="slug")


def create_body(actor, name: str, slug: str, *, data_licence: str, parent_id: int | None = None,
                website: str | None = None) -> Body:
    """A new body, recorded in the audit log as created by `actor` (an administrator). Refused (BodyError)
    when the name is blank or the slug is taken, also when another administrator takes the same slug at the
    same instant: the unique index decides."""
    name = name.strip()
    if not name:
        raise BodyError(_("Enter the name."), field="name")
    if db.session.scalar(queries.body_by_slug(slug)) is not None:
        raise _slug_taken()
    body = Body(name=name, slug=slug, parent_id=parent_id, website=website, data_licence=data_licence)
    db.session.add(body)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The parent is one of the listed bodies, so the slug's unique index is the constraint that refused.
        raise _slug_taken() from error
    record(actor, "body.create", body, body.name, body_id=body.id)
    return body


def ensure_body(slug: str, name: str, parent: Body | None = None, website: str | None = None) -> Body:
    """The body with this slug, created when missing (used by the demo and set-up commands)."""
    body = db.session.scalar(queries.body_by_slug(slug))
    if body is None:
        body = Body(slug=slug, name=name, parent=parent, website=website)
        db.session.add(body)
        db.session.flush()
    return body
