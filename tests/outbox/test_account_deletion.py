"""Deleting an account removes the mail queued to its address in any state, the one a worker is sending at
that very moment included: the worker then neither fails nor brings the row back."""
from __future__ import annotations

import threading

from sqlalchemy import update

from civic.database import db, utcnow
from civic.outbox import services
from civic.outbox.models import MessageStatus, OutboxMessage
from tests.conftest import AuthActions, post_form
from tests.factories import PASSWORD, make_user
from tests.outbox.helpers import queue, rows

CARLA = "carla@example.org"
DELETE = {"current_password": PASSWORD, "confirm": "y"}


def carla_logged_in(app, client) -> None:
    with app.app_context():
        make_user(CARLA, name="Carla Cittadina")
    assert AuthActions(client).login(CARLA).status_code == 302


def test_her_mail_goes_in_every_state_and_the_others_stay(app, client):
    carla_logged_in(app, client)
    hers = queue(app, 4, to=CARLA)
    [other] = queue(app, to="bruno@example.org")
    with app.app_context():
        for message_id, status in zip(hers, MessageStatus, strict=True):
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                               .values(status=status, claimed_at=utcnow()))
        db.session.commit()
    assert {row.status for row in rows(app) if row.to_address == CARLA} == set(MessageStatus)

    assert post_form(client, "/account/delete", DELETE).status_code == 302
    assert [(row.id, row.to_address) for row in rows(app)] == [(other, "bruno@example.org")]


def test_the_mail_being_sent_while_she_deletes_her_account_stays_deleted(app, client, sink):
    carla_logged_in(app, client)
    queue(app, to=CARLA)
    sink.hold_next(accept=True)  # the server takes the message, but only once the account is gone
    outcome: dict = {}

    def worker():
        with app.app_context():
            try:
                outcome["counts"] = services.deliver_pending()
            except Exception as error:  # the test reports it below
                outcome["error"] = error
            db.session.remove()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        sink.wait_until_holding()
        [sending] = rows(app)
        assert sending.status == MessageStatus.SENDING
        response = post_form(client, "/account/delete", DELETE)
        assert response.status_code == 302 and response.location == "/"
        assert rows(app) == []
    finally:
        sink.release()
        thread.join(timeout=60)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["counts"] == {"sent": 1, "retry": 0, "failed": 0}
    assert rows(app) == [], "the worker did not bring the message back"
    assert [message["To"] for message in sink.messages] == [CARLA]
