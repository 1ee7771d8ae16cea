"""Writes about follows and notifications: validate, change, flush, return. Never commit.

Telling the followers of one thing is two INSERT ... SELECT statements whatever their number: one for the
in-site notifications and one for the e-mails sent at once, straight into the outbox; the daily digest
carries the others by e-mail later."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import JSON, and_, case, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from civic.accounts.models import User
from civic.core import features
from civic.core.features import Followable, Happening, NotificationKind
from civic.database import UTCDateTime, db, utcnow
from civic.notifications.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Follow,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from civic.outbox.models import MessageStatus, OutboxMessage

# Where the unsubscribe token goes in the address rendered once per batch.
_TOKEN_SLOT = "TOKENSLOT"
# Where the unsubscribe address goes in the text rendered once per language.
_LINK_SLOT = "\x00"


class NotificationError(Exception):
    """A rule refused the change; the message is for the user."""


def followables() -> dict[str, Followable]:
    return {followable.kind: followable for followable in features.each("followables")}


def kinds() -> dict[str, NotificationKind]:
    return {kind.key: kind for kind in features.each("notification_kinds")}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="civic.notifications.unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    """The signed token of a person's unsubscribe links (it never expires: old e-mails keep working)."""
    return _serializer().dumps(user_id)


def user_id_of(token: str) -> int | None:
    """The person an unsubscribe token was signed for, or None for a forged or damaged token."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def absolute(endpoint: str, **values) -> str:
    return current_app.config["CIVIC_BASE_URL"] + url_for(endpoint, **values)


@contextlib.contextmanager
def _addresses() -> Iterator[None]:
    """Let url_for build the site's addresses outside a request too (the digest's command and worker)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config["CIVIC_BASE_URL"]):
        yield


def _insert_ignoring(model, values: dict, keys: list[str]) -> bool:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
                 .returning(*model.__table__.primary_key.columns))
    # RETURNING, not rowcount: with implicit RETURNING the drivers report rowcount -1.
    return db.session.execute(statement).first() is not None


def ensure_settings(user_id: int) -> None:
    """Give the person their unsubscribe token, once."""
    _insert_ignoring(NotificationSettings,
                     {"user_id": user_id, "unsubscribe_token": unsubscribe_token(user_id)}, ["user_id"])


def follow(user: User, target: str, target_id: int) -> bool:
    """Follow a public followable thing; False when the person already follows it."""
    followable = followables().get(target)
    thing = db.session.get(followable.model, target_id) if followable else None
    if thing is None or not getattr(thing, "is_public", True):
        raise NotificationError(_("This cannot be followed."))
    return start_following(user.id, target, target_id)


def start_following(user_id: int, target: str, target_id: int) -> bool:
    """Follow without checks (the person took part in it, see civic.core.features.took_part)."""
    ensure_settings(user_id)
    return _insert_ignoring(Follow, {"user_id": user_id, "target": target, "target_id": target_id,
                                     "created_at": utcnow()}, ["user_id", "target", "target_id"])


def unfollow(user: User, target: str, target_id: int) -> bool:
    """Stop following; False when the person did not follow it."""
    result = db.session.execute(delete(Follow).where(
        Follow.user_id == user.id, Follow.target == target, Follow.target_id == target_id))
    return result.rowcount == 1


def set_preferences(user: User, wanted: dict[str, Delivery]) -> None:
    """Store how the person wants each kind of notification (unknown kinds are ignored)."""
    known = kinds()
    rows = [{"user_id": user.id, "kind": kind, "delivery": Delivery(delivery), "updated_at": utcnow()}
            for kind, delivery in wanted.items() if kind in known]
    ensure_settings(user.id)
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    if rows:
        db.session.execute(insert(NotificationPreference), rows)


def unsubscribe(user_id: int, kind: str | None) -> None:
    """Stop the e-mails of one kind (or of every kind): they are still shown in the site, unless the person
    had turned the kind off altogether, which stays so. Digests not yet sent for them are not sent."""
    if db.session.get(User, user_id) is None:  # the account was deleted since: nothing to stop
        return
    chosen = [kind] if kind in kinds() else list(kinds())
    off = set(db.session.scalars(select(NotificationPreference.kind).where(
        NotificationPreference.user_id == user_id, NotificationPreference.delivery == Delivery.OFF)))
    chosen = [key for key in chosen if key not in off]
    ensure_settings(user_id)
    if chosen:
        db.session.execute(delete(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind.in_(chosen)))
        db.session.execute(insert(NotificationPreference), [
            {"user_id": user_id, "kind": key, "delivery": Delivery.SITE, "updated_at": utcnow()}
            for key in chosen])
        db.session.execute(update(Notification).where(
            Notification.user_id == user_id, Notification.kind.in_(chosen), Notification.digest_pending)
            .values(digest_pending=False))


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications read, or all of them; how many changed."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


def _languages() -> list[str]:
    return list(current_app.config["CIVIC_LANGUAGES"])


def _by_language(user_locale, texts: dict[str, str]):
    """A SQL expression choosing, for each row, the text of the person's language (else the site's)."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    language = func.coalesce(user_locale, default)
    return case({language_code: literal(text) for language_code, text in texts.items()}, value=language,
                else_=literal(texts.get(default, next(iter(texts.values())))))


def _mail_texts(kind: NotificationKind, title: str, detail: str, url: str,
                ) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """{language: subject} and {language: (text before the unsubscribe address, text after)}."""
    subjects, bodies = {}, {}
    for language in _languages():
        with force_locale(language):
            subjects[language] = str(kind.subject % {"title": title})[:300]
            text = render_template("notifications/email/notification.txt", kind=kind, title=title,
                                   detail=detail, url=url, unsubscribe_url=_LINK_SLOT,
                                   preferences_url=absolute("notifications.preferences"))
        before, _slot, after = text.partition(_LINK_SLOT)
        bodies[language] = (before, after)
    return subjects, bodies


def notify(happening: Happening, now: dt.datetime | None = None) -> None:
    """Tell the followers of the happening's target (see _notify)."""
    with _addresses():
        _notify(happening, now)


def _notify(happening: Happening, now: dt.datetime | None) -> None:
    """Tell the followers of the happening's target (or its recipient alone), in the caller's transaction:
    an in-site notification for everyone who did not turn the kind off, and an e-mail in the outbox for those
    who want it at once and confirmed their address. Two statements, whatever the number of followers."""
    kind = kinds().get(happening.kind)
    followable = followables().get(happening.target)
    if kind is None or followable is None:
        raise ValueError(f"unknown notification {happening.kind} about {happening.target}")
    thing = db.session.get(followable.model, happening.target_id)
    if thing is None:
        return
    now = now or utcnow()
    title, url = thing.title[:300], followable.url(thing)
    delivery = func.coalesce(NotificationPreference.delivery, DEFAULT_DELIVERY.value)
    people = (select(User.id).outerjoin(NotificationPreference, and_(
        NotificationPreference.user_id == User.id, NotificationPreference.kind == kind.key))
        .where(User.is_active_account, delivery != Delivery.OFF.value))
    if happening.recipient_id is not None:
        people = people.where(User.id == happening.recipient_id)
    else:
        people = people.join(Follow, Follow.user_id == User.id).where(
            Follow.target == happening.target, Follow.target_id == happening.target_id)
    if happening.actor_id is not None:
        people = people.where(User.id != happening.actor_id)
    columns = ["user_id", "kind", "target", "target_id", "title", "detail", "url", "created_at",
               "digest_pending"]
    db.session.execute(insert(Notification).from_select(columns, people.with_only_columns(
        User.id, literal(kind.key), literal(happening.target), literal(happening.target_id), literal(title),
        literal(happening.detail[:300]), literal(url), literal(now, UTCDateTime()),
        delivery == Delivery.DAILY.value)))
    unsubscribe = absolute("notifications.unsubscribe", token=_TOKEN_SLOT, kind=kind.key)
    link_before, _slot, link_after = unsubscribe.partition(_TOKEN_SLOT)
    link = literal(link_before) + NotificationSettings.unsubscribe_token + literal(link_after)
    subjects, bodies = _mail_texts(kind, title, happening.detail, current_app.config["CIVIC_BASE_URL"] + url)
    text = (_by_language(User.locale, {code: before for code, (before, _after) in bodies.items()}) + link
            + _by_language(User.locale, {code: after for code, (_before, after) in bodies.items()}))
    mails = people.join(NotificationSettings, NotificationSettings.user_id == User.id).where(
        delivery == Delivery.IMMEDIATE.value, User.email_confirmed_at.is_not(None))
    if happening.mailed is not None:
        mails = mails.where(User.id.not_in(happening.mailed))
    db.session.execute(insert(OutboxMessage).from_select(
        ["to_address", "subject", "body_text", "attachments", "status", "attempts", "created_at",
         "next_attempt_at", "unsubscribe_url"],
        mails.with_only_columns(
            User.email, _by_language(User.locale, subjects), text, literal([], JSON),
            literal(MessageStatus.PENDING.value), literal(0), literal(now, UTCDateTime()),
            literal(now, UTCDateTime()), link)))


def on_took_part(user_id: int, target: str, target_id: int) -> None:
    if target in followables():
        start_following(user_id, target, target_id)


def send_digests(cutoff: dt.datetime | None = None) -> int:
    """Queue the daily digests (see _send_digests); how many e-mails."""
    with _addresses():
        return _send_digests(cutoff)


def _send_digests(cutoff: dt.datetime | None) -> int:
    """E-mail each person the notifications that wait for their daily digest (those created before
    `cutoff`), one e-mail each; the rows are claimed first by one UPDATE, so two workers never send the same
    ones. How many e-mails were queued."""
    cutoff = cutoff or utcnow()
    claimed = db.session.execute(
        update(Notification).where(Notification.digest_pending, Notification.created_at < cutoff)
        .values(digest_pending=False)
        .returning(Notification.user_id, Notification.kind, Notification.title, Notification.detail,
                   Notification.url, Notification.created_at)).all()
    if not claimed:
        return 0
    by_person: dict[int, list] = {}
    for row in claimed:
        by_person.setdefault(row.user_id, []).append(row)
    sent = 0
    for people in _chunks(sorted(by_person), 1000):
        recipients = db.session.execute(
            select(User.id, User.email, User.locale, NotificationSettings.unsubscribe_token)
            .join(NotificationSettings, NotificationSettings.user_id == User.id)
            .where(User.id.in_(people), User.is_active_account, User.email_confirmed_at.is_not(None))).all()
        rows = _digest_rows(recipients, by_person)
        if rows:
            db.session.execute(insert(OutboxMessage.__table__), rows)  # one Core executemany per chunk
        sent += len(rows)
    return sent


def _digest_rows(recipients: list, by_person: dict[int, list]) -> list[dict]:
    """The outbox rows of the digests of some people, rendered one language after the other (switching the
    language, and Flask's template context, once per language rather than once per person)."""
    known = kinds()
    template = current_app.jinja_env.get_template("notifications/email/digest.txt")
    common = {"base": current_app.config["CIVIC_BASE_URL"],
              "site_name": current_app.config["CIVIC_SITE_NAME"],
              "preferences_url": absolute("notifications.preferences"),
              "list_url": absolute("notifications.inbox")}
    unsubscribe = absolute("notifications.unsubscribe", token=_TOKEN_SLOT)
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    now = utcnow()
    rows = []
    for language in sorted({person.locale or default for person in recipients}):
        with force_locale(language):
            for person in recipients:
                if (person.locale or default) != language:
                    continue
                items = sorted(by_person[person.id], key=lambda row: row.created_at)
                unsubscribe_url = unsubscribe.replace(_TOKEN_SLOT, person.unsubscribe_token)
                text = template.render(**common, items=[(known.get(row.kind), row) for row in items],
                                       unsubscribe_url=unsubscribe_url)
                rows.append({"to_address": person.email, "unsubscribe_url": unsubscribe_url,
                             "subject": _("Your daily notifications (%(count)s)", count=len(items)),
                             "body_text": text, "attachments": [], "status": MessageStatus.PENDING,
                             "attempts": 0, "created_at": now, "next_attempt_at": now})
    return rows


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
