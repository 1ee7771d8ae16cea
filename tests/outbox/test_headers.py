"""Every message carries Date, a Message-ID of its own on the site's domain, the same at every attempt, and
Auto-Submitted: auto-generated (so vacation replies and mail servers do not answer it)."""
from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from civic.database import db, utcnow
from civic.outbox.models import MessageStatus, OutboxMessage
from tests.outbox.helpers import deliver_at, queue, rows


def test_every_message_has_date_message_id_and_auto_submitted(app, sink):
    app.config["CIVIC_BASE_URL"] = "https://partecipa.comune.example"
    queue(app, 2)
    assert deliver_at(app, utcnow())["sent"] == 2
    first, second = sink.messages
    queued = {row.to_address: row for row in rows(app)}
    for message in (first, second):
        row = queued[message["To"]]
        assert abs(parsedate_to_datetime(message["Date"]) - row.created_at) < dt.timedelta(seconds=1)
        assert message["Message-ID"].startswith(f"<civic.{row.id}.")
        assert message["Message-ID"].endswith("@partecipa.comune.example>")
        assert message["Auto-Submitted"] == "auto-generated"
    assert first["Message-ID"] != second["Message-ID"]


def test_the_message_id_and_date_stay_the_same_when_the_message_is_tried_again(app, sink):
    sink.refuse_next(1)  # a temporary refusal: the message is tried again later
    queue(app)
    [row] = rows(app)
    assert deliver_at(app, row.next_attempt_at) == {"sent": 0, "retry": 1, "failed": 0}
    [waiting] = rows(app)
    assert deliver_at(app, waiting.next_attempt_at)["sent"] == 1
    [refused] = sink.refused
    [accepted] = sink.messages
    assert accepted["Message-ID"] == refused["Message-ID"]
    assert accepted["Date"] == refused["Date"]
    [sent] = rows(app)
    assert (sent.status, sent.attempts) == (MessageStatus.SENT, 2)


def test_a_new_message_never_reuses_the_message_id_of_a_deleted_one(app, sink):
    [first_id] = queue(app, to="anna@example.org")
    deliver_at(app, utcnow())
    with app.app_context():
        db.session.delete(db.session.get(OutboxMessage, first_id))  # as deleting her account does
        db.session.commit()
        dialect = db.engine.dialect.name
    [second_id] = queue(app, to="bruno@example.org")
    deliver_at(app, utcnow() + dt.timedelta(seconds=1))
    first, second = sink.messages
    # SQLite gives the id of a deleted last row to the next one; PostgreSQL's sequence does not.
    assert (second_id == first_id) == (dialect == "sqlite")
    assert first["Message-ID"] != second["Message-ID"]
