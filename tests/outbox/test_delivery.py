"""The outbox: rows first, delivered once over real SMTP, retried with backoff, printed when there is no
SMTP."""
from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic.database import db, utcnow
from civic.outbox import services
from civic.outbox.models import MessageStatus, OutboxMessage
from tests.support.mail import deliver, queued
from tests.support.servers import free_port


def enqueue(app, count: int = 1, **kwargs) -> list[int]:
    with app.app_context():
        messages = [services.enqueue(f"person{n}@example.org", f"Subject {n}",
                                     f"Open https://civic.example/link/{n}", **kwargs) for n in range(count)]
        db.session.commit()
        return [m.id for m in messages]


def make_due(app) -> None:
    """Time passes until every postponed message is due again."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()


def test_every_message_reaches_the_mail_server_once(app, mail_server):
    enqueue(app, 3)
    assert deliver(app) == {"sent": 3, "retry": 0, "failed": 0}
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}
    make_due(app)
    assert deliver(app)["sent"] == 0
    assert sorted(m["To"] for m in mail_server.messages) == [f"person{n}@example.org" for n in range(3)]
    assert mail_server.messages[0]["From"] == app.config["CIVIC_MAIL_FROM"]
    assert all(m.status == MessageStatus.SENT and m.sent_at is not None for m in queued(app))


def test_a_message_another_worker_claimed_is_left_alone(app, mail_server):
    claimed, free = enqueue(app, 2)
    with app.app_context():
        assert services._claim(claimed) is True
        assert services._claim(claimed) is False, "only one worker can win a row"
    assert deliver(app)["sent"] == 1
    assert [m["To"] for m in mail_server.messages] == ["person1@example.org"]
    statuses = {m.id: m.status for m in queued(app)}
    assert statuses == {claimed: MessageStatus.SENDING, free: MessageStatus.SENT}


def test_nothing_is_lost_while_the_mail_server_is_down_and_tries_get_rarer(app):
    app.config["CIVIC_SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    [message_id] = enqueue(app)
    started = utcnow()
    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    [first] = queued(app)
    assert first.status == MessageStatus.PENDING and first.attempts == 1
    assert "connect" in first.last_error.lower() or "refused" in first.last_error.lower()
    assert dt.timedelta(seconds=50) < first.next_attempt_at - started < dt.timedelta(minutes=2)

    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}, "not due again before the backoff"
    make_due(app)
    deliver(app)
    [second] = queued(app)
    assert second.attempts == 2
    assert second.next_attempt_at - utcnow() > dt.timedelta(minutes=1, seconds=50)


def test_a_message_that_keeps_failing_is_marked_failed(app):
    app.config["CIVIC_SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    app.config["CIVIC_OUTBOX_RETRY_HOURS"] = 3 / 60  # tried for three minutes after it was queued
    enqueue(app)
    start = utcnow()
    results = []
    for minutes in (0, 1, 3, 10):  # the clock moves through the schedule: 1, then 2 minutes between tries
        with app.app_context():
            results.append(services.deliver_pending(now=start + dt.timedelta(minutes=minutes, seconds=1)))
            db.session.remove()
    assert [r["retry"] for r in results] == [1, 1, 0, 0]
    assert [r["failed"] for r in results] == [0, 0, 1, 0]
    [message] = queued(app)
    assert message.status == MessageStatus.FAILED and message.attempts == 3


def test_the_message_goes_out_once_the_server_is_back(app, mail_server):
    url = app.config["CIVIC_SMTP_URL"]
    app.config["CIVIC_SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    enqueue(app)
    deliver(app)
    app.config["CIVIC_SMTP_URL"] = url
    make_due(app)
    assert deliver(app)["sent"] == 1
    assert len(mail_server.messages) == 1


class FlakyTransport:
    """Accepts every message except the ones to `refuse`."""

    def __init__(self, refuse: str):
        self.refuse = refuse
        self.sent: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def send(self, email):
        if email["To"] == self.refuse:
            raise smtplib.SMTPRecipientsRefused({email["To"]: (550, b"no such user")})
        self.sent.append(email["To"])


def test_one_refused_message_does_not_hold_back_the_others(app):
    enqueue(app, 3)
    transport = FlakyTransport(refuse="person1@example.org")
    with app.app_context():
        counts = services.deliver_pending(transport=transport)
    assert counts == {"sent": 2, "retry": 1, "failed": 0}
    assert transport.sent == ["person0@example.org", "person2@example.org"]
    refused = [m for m in queued(app) if m.to_address == "person1@example.org"][0]
    assert refused.status == MessageStatus.PENDING and "SMTPRecipientsRefused" in refused.last_error
    assert "p***@example.org" in refused.last_error and "person1@" not in refused.last_error, "address masked"


def test_without_smtp_the_messages_and_their_links_are_printed(app, capsys):
    assert app.config["CIVIC_SMTP_URL"] is None
    enqueue(app, 2)
    assert deliver(app)["sent"] == 2
    printed = capsys.readouterr().out
    assert "e-mail to person0@example.org" in printed and "Subject: Subject 1" in printed
    assert "https://civic.example/link/0" in printed and "https://civic.example/link/1" in printed


def test_the_deliver_command_prints_pending_mail_without_smtp(app, runner):
    enqueue(app)
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "CIVIC_SMTP_URL is not set" in result.output
    assert "https://civic.example/link/0" in result.output
    assert "sent 1" in result.output
    again = runner.invoke(args=["outbox", "deliver"])
    assert "link/0" not in again.output


def test_html_and_attachments_travel_with_the_message(app, mail_server):
    enqueue(app, html="<p>Hello</p>", attachments=[("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")])
    deliver(app)
    [mail] = mail_server.messages
    assert mail.get_body(preferencelist=("html",)).get_content().strip() == "<p>Hello</p>"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"


@pytest.fixture
def shouting(monkeypatch):
    """An attachment maker registered for the test only: the upper-cased source text."""
    monkeypatch.setitem(services._MAKERS, "test.shout", lambda source: source.upper().encode())
    return "test.shout"


def test_a_drawn_attachment_is_made_when_the_message_leaves(app, mail_server, shouting):
    enqueue(app, attachments=[services.Drawn("shout.txt", "text/plain", shouting, "ciao a tutti"),
                              ("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")])
    [queued_row] = queued(app)
    assert queued_row.attachments[0] == {"filename": "shout.txt", "content_type": "text/plain",
                                         "maker": shouting, "source": "ciao a tutti"}  # nothing made yet
    assert deliver(app)["sent"] == 1
    [mail] = mail_server.messages
    parts = [(part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
             for part in mail.iter_attachments()]
    assert parts == [("shout.txt", "text/plain", b"CIAO A TUTTI"),
                     ("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")]


def test_an_attachment_no_maker_can_make_is_retried_and_the_others_still_leave(app, mail_server, shouting,
                                                                              monkeypatch):
    enqueue(app, attachments=[services.Drawn("shout.txt", "text/plain", shouting, "ciao")])
    enqueue(app)
    monkeypatch.delitem(services._MAKERS, shouting)  # a worker that does not know the maker
    assert deliver(app) == {"sent": 1, "retry": 1, "failed": 0}
    waiting = [m for m in queued(app) if m.status == MessageStatus.PENDING]
    assert len(waiting) == 1 and "AttachmentError" in waiting[0].last_error
    assert len(mail_server.messages) == 1


def test_an_unknown_maker_is_refused_when_the_message_is_queued(app):
    with pytest.raises(services.AttachmentError):
        enqueue(app, attachments=[services.Drawn("x.png", "image/png", "nobody.knows", "x")])


def test_a_dedupe_key_keeps_a_message_unique(app):
    enqueue(app, dedupe_key="reminder-1")
    with pytest.raises(IntegrityError):
        enqueue(app, dedupe_key="reminder-1")
    with app.app_context():
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


@pytest.mark.parametrize("url, secure, starttls, port, user",
                         [("smtp://mail.example:2525", False, False, 2525, None),
                          ("smtps://u%40x:p%3Aw@mail.example", True, False, 465, "u@x"),
                          ("smtp+starttls://mail.example:587", False, True, 587, None)])
def test_the_smtp_url_is_understood(url, secure, starttls, port, user):
    transport = services.SmtpTransport(url)
    assert (transport.secure, transport.starttls, transport.port, transport.username) == \
        (secure, starttls, port, user)
