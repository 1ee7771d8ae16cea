"""Reading the e-mail the app queues: outbox rows, delivery through the real worker, the links inside."""
from __future__ import annotations

import re

from sqlalchemy import select

from civic.database import db
from civic.outbox.models import OutboxMessage
from civic.outbox.services import deliver_pending

LINK = re.compile(r"https?://\S+")


def deliver(app) -> dict[str, int]:
    """Run one round of the outbox worker, as `flask --app civic outbox deliver` does."""
    with app.app_context():
        counts = deliver_pending()
        db.session.remove()
    return counts


def queued(app, to: str | None = None) -> list[OutboxMessage]:
    """Outbox rows (detached, oldest first), optionally only those to one address."""
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to is not None:
            query = query.where(OutboxMessage.to_address == to)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        db.session.remove()
    return rows


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


def path_of(link: str) -> str:
    """The path of an absolute link, to follow it with the test client."""
    return re.sub(r"^https?://[^/]+", "", link)


def last_link(app, to: str, containing: str) -> str:
    """The path of the newest link containing `containing` in a message queued to `to`."""
    for message in reversed(queued(app, to)):
        for link in links_in(message.body_text):
            if containing in link:
                return path_of(link)
    raise AssertionError(f"no message to {to} with a link containing {containing!r}")


def open_link(client, link: str) -> str:
    """Follow a link from an e-mail as a browser does: it answers with a redirect to an address without the
    token (which goes into the session). Returns that address."""
    response = client.get(link)
    assert response.status_code == 303, f"{link} answered {response.status_code}"
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in response.location
    return path_of(response.location)
