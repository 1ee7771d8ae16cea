"""Queue e-mail in the outbox, and deliver it: each message claimed by one worker, taken back from a worker
that died, retried with backoff for days, then failed and visible to administrators, who can send it again."""
from __future__ import annotations

import base64
import datetime as dt
import logging
import smtplib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as email_policy
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import or_, update

from civic.audit.services import record
from civic.database import db, utcnow
from civic.outbox import queries
from civic.outbox.models import MessageStatus, OutboxMessage, masked

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


class WorkerStopped(Exception):
    """The worker sending a message stopped (killed, or cut off from the database) before recording it."""


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
    unsubscribe_url: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; it leaves only once that commits."""
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=[_stored(attachment) for attachment in attachments or []],
        dedupe_key=dedupe_key,
        unsubscribe_url=unsubscribe_url,
    )
    db.session.add(message)
    return message


def site_domain(base_url: str) -> str:
    """The host of CIVIC_BASE_URL, which names the site in Message-IDs."""
    return urlsplit(base_url).hostname or "localhost"


def message_id(message: OutboxMessage, domain: str) -> str:
    """The Message-ID of an outbox row: the same at every attempt, so a copy sent twice (a worker that died
    after the mail server took the message) is one message to mail clients. The row's creation time keeps
    it unique when a database reuses the id of a deleted row (SQLite does)."""
    return f"<civic.{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def _describe(exc: Exception, to_address: str) -> str:
    """The error an administrator reads, with the recipient's address masked (some SMTP errors quote it)."""
    return f"{type(exc).__name__}: {exc}".replace(to_address, masked(to_address))[:500]


def build_email(message: OutboxMessage, sender: str, domain: str = "localhost") -> EmailMessage:
    """The e-mail of an outbox row. `Date` is when it was queued, like the Message-ID the same at every
    attempt; `Auto-Submitted` (RFC 3834) asks mail servers and vacation replies not to answer it."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id(message, domain)
    email["Auto-Submitted"] = "auto-generated"
    # Microsoft's servers ignore Auto-Submitted: this keeps their out-of-office replies away too.
    email["X-Auto-Response-Suppress"] = "All"
    if message.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer "unsubscribe", which POSTs to the address at once.
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for part in message.attachments or []:
        content_type = email_policy.header_factory("content-type", part["content_type"])
        email.add_attachment(_content(part), maintype=content_type.maintype, subtype=content_type.subtype,
                             filename=part["filename"], params=dict(content_type.params) or None)
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


@dataclass(frozen=True)
class Schedule:
    """When a worker takes back a message, when a failed one is tried again and until when (the
    CIVIC_OUTBOX_* settings)."""

    reclaim_after: dt.timedelta
    first_wait: dt.timedelta
    longest_wait: dt.timedelta
    retry_for: dt.timedelta

    @classmethod
    def from_config(cls, config) -> Schedule:
        """The schedule the application's settings describe."""
        return cls(
            reclaim_after=dt.timedelta(seconds=config["CIVIC_OUTBOX_RECLAIM_SECONDS"]),
            first_wait=dt.timedelta(seconds=config["CIVIC_OUTBOX_BACKOFF_SECONDS"]),
            longest_wait=dt.timedelta(seconds=config["CIVIC_OUTBOX_BACKOFF_MAX_SECONDS"]),
            retry_for=dt.timedelta(hours=config["CIVIC_OUTBOX_RETRY_HOURS"]),
        )

    def wait(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failed attempt: the first wait, doubled each time, at most the
        longest (by default 1, 2, 4 ... 32 minutes, then every hour)."""
        return min(self.first_wait * 2 ** min(max(attempts - 1, 0), 30), self.longest_wait)


def _claim(message_id: int, now: dt.datetime | None = None) -> bool:
    """Take one message for sending, with `now` as its claim time: pending and due, or left "sending" by a
    worker that stopped (queries.reclaimable). A conditional UPDATE checked by its row count, so of several
    workers, on any number of machines, only one wins the row: SQLite runs one writer at a time, and
    PostgreSQL makes the second UPDATE wait for the first and check its condition again on the changed row."""
    now = now or utcnow()
    schedule = Schedule.from_config(current_app.config)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, queries.claimable(now, schedule.reclaim_after))
        .values(status=MessageStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _settle(message_id: int, claimed_at: dt.datetime, **values) -> bool:
    """Write the outcome of an attempt only if the row is still this worker's claim. False when the row was
    deleted meanwhile (with its account: it stays deleted) or taken back by another worker (which now owns
    it)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.SENDING,
               OutboxMessage.claimed_at == claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


@dataclass(frozen=True)
class _Claimed:
    """What a worker keeps of a message it claimed, to settle the attempt even if the row is gone."""

    id: int
    claimed_at: dt.datetime
    attempts: int
    retry_from: dt.datetime
    to_address: str


def _failed(claimed: _Claimed, exc: Exception, schedule: Schedule, now: dt.datetime) -> str | None:
    """Back to pending for a later try, or failed once the retry period is over. Returns the counter to
    bump, or None when the row is no longer this worker's."""
    error = _describe(exc, claimed.to_address)
    give_up = now >= claimed.retry_from + schedule.retry_for
    if give_up:
        values = {"status": MessageStatus.FAILED, "last_error": error}
    else:
        values = {"status": MessageStatus.PENDING, "last_error": error,
                  "next_attempt_at": now + schedule.wait(claimed.attempts)}
    if not _settle(claimed.id, claimed.claimed_at, **values):
        return None
    log.warning("outbox: message %s not sent (%s, attempt %s)%s", claimed.id, type(exc).__name__,
                claimed.attempts, ", given up" if give_up else "")
    return "failed" if give_up else "retry"


def _take(message_id: int, status: MessageStatus, now: dt.datetime) -> tuple[_Claimed, OutboxMessage] | None:
    """Claim a message and load it; None when another worker won it or it was deleted meanwhile."""
    if not _claim(message_id, now):
        return None
    if status == MessageStatus.SENDING:
        log.warning("outbox: message %s taken back from a worker that stopped while sending it", message_id)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        db.session.commit()
        return None
    return _Claimed(message.id, now, message.attempts, message.retry_from, message.to_address), message


def deliver_pending(limit: int = 100, transport=None, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the messages that are due, each claimed by this worker alone, and take back those that a worker
    left "sending" for longer than CIVIC_OUTBOX_RECLAIM_SECONDS. A failure returns the message to pending
    for a later try (Schedule.wait), until CIVIC_OUTBOX_RETRY_HOURS after it was queued: then it is failed,
    and an administrator can send it again. `now` fixes the clock for the whole round (tests move it).
    Returns counts of sent, retried and failed.

    Delivery is at least once rather than at most once: a worker that dies after the mail server accepted a
    message and before marking it sent leaves it "sending", and the next worker sends it again, with the
    same Message-ID, which mail clients use to drop the copy. Never taking such a message back would lose
    it for good, and a lost ticket or password link costs the recipient more than a rare duplicate."""
    app = current_app._get_current_object()
    schedule = Schedule.from_config(app.config)
    sender = app.config["CIVIC_MAIL_FROM"]
    domain = site_domain(app.config["CIVIC_BASE_URL"])

    def clock() -> dt.datetime:
        return now or utcnow()

    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = db.session.execute(queries.due(clock(), schedule.reclaim_after, limit)).all()
    db.session.commit()
    if not due:
        return counts
    transport = transport or transport_for(app)
    try:
        transport.__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("outbox: mail server unreachable: %s", type(exc).__name__)
        # Each message counts the failed attempt, so an unreachable server gets ever rarer tries too.
        for message_id, status in due:
            taken = _take(message_id, status, clock())
            if taken is not None:
                outcome = _failed(taken[0], exc, schedule, clock())
                if outcome:
                    counts[outcome] += 1
        return counts
    try:
        for message_id, status in due:
            outcome = _deliver_one(transport, message_id, status, sender, domain, schedule, clock)
            if outcome:
                counts[outcome] += 1
    finally:
        transport.__exit__(None, None, None)
    return counts


def _deliver_one(transport, message_id: int, status: MessageStatus, sender: str, domain: str,
                 schedule: Schedule, clock: Callable[[], dt.datetime]) -> str | None:
    """Claim, build and send one message, and record the outcome; the counter to bump, or None."""
    taken = _take(message_id, status, clock())
    if taken is None:
        return None
    claimed, message = taken
    if status == MessageStatus.SENDING and clock() >= claimed.retry_from + schedule.retry_for:
        # A message whose worker keeps dying (a crash while making it) is not taken back for ever.
        return _failed(claimed, WorkerStopped("its worker stopped while sending it"), schedule, clock())
    try:
        email = build_email(message, sender, domain)
    except (AttachmentError, ValueError) as exc:  # one message that cannot be built must not stop the round
        return _failed(claimed, exc, schedule, clock())
    db.session.commit()  # no transaction stays open while the mail server answers
    try:
        transport.send(email)
    except (OSError, smtplib.SMTPException) as exc:
        return _failed(claimed, exc, schedule, clock())
    if not _settle(claimed.id, claimed.claimed_at, status=MessageStatus.SENT, sent_at=clock(),
                   last_error=None):
        log.info("outbox: message %s sent; its row was deleted or taken back meanwhile", claimed.id)
    return "sent"


def reclaim_stuck(now: dt.datetime | None = None) -> int:
    """Put back to "pending", due at once, every message a worker left "sending" past
    CIVIC_OUTBOX_RECLAIM_SECONDS (it died while sending): the periodic work's step, so the backlog that
    /readyz, the metrics and the administrators see counts them, even while no worker runs. A worker would
    take them back anyway; a late worker finishing one finds its claim gone (_settle). Commits; returns how
    many."""
    now = now or utcnow()
    schedule = Schedule.from_config(current_app.config)
    result = db.session.execute(
        update(OutboxMessage)
        .where(queries.reclaimable(now, schedule.reclaim_after))
        .values(status=MessageStatus.PENDING, next_attempt_at=now, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("outbox: %s messages left sending by a stopped worker were put back to send",
                    result.rowcount)
    return result.rowcount


# --- administrators: sending again --------------------------------------------------------------------------


def _requeue(actor, condition, now: dt.datetime | None) -> list[int]:
    now = now or utcnow()
    schedule = Schedule.from_config(current_app.config)
    requeued = db.session.scalars(
        update(OutboxMessage)
        .where(condition, or_(OutboxMessage.status.in_([MessageStatus.FAILED, MessageStatus.PENDING]),
                              queries.reclaimable(now, schedule.reclaim_after)))
        .values(status=MessageStatus.PENDING, next_attempt_at=now, requeued_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    ).all()
    for message in sorted(requeued, key=lambda m: m.id):
        record(actor, "outbox.retry", message, message.subject)
    db.session.flush()
    return sorted(message.id for message in requeued)


def send_again(actor, message_ids: Iterable[int], now: dt.datetime | None = None) -> list[int]:
    """Queue these messages to be sent by the next worker round, with a new retry period: failed ones, stuck
    ones (left "sending" past CIVIC_OUTBOX_RECLAIM_SECONDS) and ones waiting for a retry. A message sent, or
    being sent by a live worker, or unknown, is left as it is. One audit line per message (by `actor`, a user
    or None for the command line); returns the ids queued again."""
    ids = sorted(set(message_ids))
    if not ids:
        return []
    return _requeue(actor, OutboxMessage.id.in_(ids), now)


def send_again_all_failed(actor, now: dt.datetime | None = None) -> list[int]:
    """Queue every failed message again, as send_again does; returns their ids."""
    return _requeue(actor, OutboxMessage.status == MessageStatus.FAILED, now)
