"""Queue e-mail in the outbox, and deliver it: claimed atomically, sent once, retried with backoff."""
from __future__ import annotations

import base64
import datetime as dt
import logging
import smtplib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select, update

from civic.database import db, utcnow
from civic.outbox.models import MessageStatus, OutboxMessage

log = logging.getLogger(__name__)

# Makers of attachments drawn at delivery (see Drawn), by name; the feature that queues them registers them.
_MAKERS: dict[str, Callable[[str], bytes]] = {}


@dataclass(frozen=True)
class Drawn:
    """An attachment the outbox worker makes when the message leaves, by calling the registered maker with
    `source`: for content that is slow to make and fully described by a short text (a ticket's QR code), so
    the request that queues the message stays quick. The row keeps the maker's name and the text; the mail
    carries the same bytes as if they had been made at once."""

    filename: str
    content_type: str
    maker: str
    source: str


class AttachmentError(Exception):
    """An attachment could not be made at delivery (no maker registered under its name)."""


def register_maker(name: str, make: Callable[[str], bytes]) -> None:
    """Let messages carry Drawn attachments made by `make(source)`."""
    _MAKERS[name] = make


Attachment = tuple[str, str, bytes] | Drawn


def _stored(attachment: Attachment) -> dict:
    if isinstance(attachment, Drawn):
        if attachment.maker not in _MAKERS:
            raise AttachmentError(f"no attachment maker named {attachment.maker!r}")
        return {"filename": attachment.filename, "content_type": attachment.content_type,
                "maker": attachment.maker, "source": attachment.source}
    name, ctype, data = attachment
    return {"filename": name, "content_type": ctype, "data": base64.b64encode(data).decode()}


def _content(part: dict) -> bytes:
    if "data" in part:
        return base64.b64decode(part["data"])
    make = _MAKERS.get(part.get("maker", ""))
    if make is None:
        raise AttachmentError(f"no attachment maker named {part.get('maker')!r}")
    try:
        return make(part["source"])
    except ValueError as error:  # e.g. a text too long for a QR code: a failed attempt, not a stuck worker
        raise AttachmentError(f"{part['maker']}: {error}") from error


def enqueue(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; it leaves only once that commits."""
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=[_stored(attachment) for attachment in attachments or []],
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    return message


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"civic-{message.id}")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for part in message.attachments or []:
        maintype, _, subtype = part["content_type"].partition("/")
        email.add_attachment(_content(part), maintype=maintype, subtype=subtype, filename=part["filename"])
    return email


class SmtpTransport:
    """Sends over SMTP as configured by CIVIC_SMTP_URL: smtp://user:pass@host:port or smtps://... ."""

    def __init__(self, url: str, timeout: float = 20):
        parts = urlsplit(url)
        self.secure = parts.scheme == "smtps"
        self.starttls = parts.scheme == "smtp+starttls"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (465 if self.secure else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        cls = smtplib.SMTP_SSL if self.secure else smtplib.SMTP
        self.connection = cls(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            self.connection.starttls()
        if self.username:
            self.connection.login(self.username, self.password or "")
        return self

    def send(self, email: EmailMessage) -> None:
        assert self.connection is not None
        self.connection.send_message(email)

    def __exit__(self, *exc) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except smtplib.SMTPException:
                pass


class ConsoleTransport:
    """With no SMTP server configured, messages are printed so a newcomer can follow their links."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def __enter__(self) -> ConsoleTransport:
        return self

    def send(self, email: EmailMessage) -> None:
        body = email.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        self.stream.write(
            f"\n----- e-mail to {email['To']} -----\nSubject: {email['Subject']}\n\n{text}\n"
            f"----- end of e-mail -----\n"
        )
        self.stream.flush()

    def __exit__(self, *exc) -> None:
        return None


def transport_for(app) -> SmtpTransport | ConsoleTransport:
    url = app.config.get("CIVIC_SMTP_URL")
    return SmtpTransport(url) if url else ConsoleTransport()


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes between attempts, at most six hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_id: int) -> bool:
    """Move one message from pending to sending. Only one worker can win the row."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SENDING, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def due_ids(limit: int) -> list[int]:
    """Ids of pending messages whose time has come, oldest first; skips rows another worker has locked."""
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    db.session.commit()
    return ids


def deliver_pending(limit: int = 100, transport=None) -> dict[str, int]:
    """Send due messages once each. A failure returns the message to pending with a later attempt time, or
    marks it failed after CIVIC_OUTBOX_MAX_ATTEMPTS. Returns counts of sent, retried and failed."""
    app = current_app._get_current_object()
    sender = app.config["CIVIC_MAIL_FROM"]
    max_attempts = app.config["CIVIC_OUTBOX_MAX_ATTEMPTS"]
    counts = {"sent": 0, "retry": 0, "failed": 0}
    ids = due_ids(limit)
    if not ids:
        return counts
    transport = transport or transport_for(app)
    try:
        transport.__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("outbox: mail server unreachable: %s", type(exc).__name__)
        # Each message counts the failed attempt, so an unreachable server gets ever rarer tries too.
        for message_id in ids:
            if _claim(message_id):
                counts[_failed_attempt(db.session.get(OutboxMessage, message_id), exc, max_attempts)] += 1
                db.session.commit()
        return counts
    try:
        for message_id in ids:
            if not _claim(message_id):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                transport.send(build_email(message, sender))
            except (OSError, smtplib.SMTPException, AttachmentError) as exc:
                counts[_failed_attempt(message, exc, max_attempts)] += 1
            else:
                message.status = MessageStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                counts["sent"] += 1
            db.session.commit()
    finally:
        transport.__exit__(None, None, None)
    return counts


def _failed_attempt(message: OutboxMessage, exc: Exception, max_attempts: int) -> str:
    """Back to pending for a later try, or failed for good after max_attempts; returns the counter to bump."""
    message.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if message.attempts >= max_attempts:
        message.status = MessageStatus.FAILED
        return "failed"
    message.status = MessageStatus.PENDING
    message.next_attempt_at = utcnow() + backoff(message.attempts)
    return "retry"
